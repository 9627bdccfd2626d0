// Prepares the page's "run Python" section: `node web/prepare-python.mjs` (after `pyforge build`
// in the repository root) transpiles the default forge's composed Python with jco into
// dist/python/, and copies what it needs at run time into dist/: the kit's byte-compiled stdlib
// as a stored zip (`python313.zip`, importable without zlib) and the forge's Lib/ overlays.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = dirname(fileURLToPath(import.meta.url));
const root = resolve(web, '..');
const composed = join(root, 'target/pyforge/default/python.composed.wasm');
if (!existsSync(composed)) {
  console.error(`error: ${composed} is missing: run \`target/debug/pyforge build\` in the repository root first`);
  process.exit(1);
}
const kit = execFileSync(join(root, 'target/debug/pyforge'), ['kit', 'path'], { cwd: root, encoding: 'utf8' }).trim();
const dist = join(web, 'dist');
rmSync(join(dist, 'python'), { recursive: true, force: true });
execFileSync(join(web, 'node_modules/.bin/jco'),
  ['transpile', composed, '-o', join(dist, 'python'), '--name', 'python', '--quiet'], { stdio: 'inherit' });
mkdirSync(dist, { recursive: true });
copyFileSync(join(kit, 'stdlib/lib/python313.zip'), join(dist, 'python313.zip'));
rmSync(join(dist, 'overlay'), { recursive: true, force: true });
cpSync(join(root, 'target/pyforge/default/lib'), join(dist, 'overlay'), { recursive: true });
// The page builds its in-memory filesystem from this list.
const files = readdirSync(join(dist, 'overlay'), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => join(e.parentPath ?? e.path, e.name).slice(join(dist, 'overlay').length + 1))
  .sort();
writeFileSync(join(dist, 'overlay.json'), JSON.stringify(files) + '\n');
console.log(`prepared ${join(dist, 'python')} (+ python313.zip, overlay/)`);
