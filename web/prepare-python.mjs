// Prepares the page's "run Python" section: `node web/prepare-python.mjs` (after `pyforge build`
// in the repository root) transpiles the default forge's composed Python with jco into
// dist/python/. The component is self-contained (the stdlib and the forge's overlays are
// embedded, the interpreter pre-initialized): the page needs nothing else.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = dirname(fileURLToPath(import.meta.url));
const root = resolve(web, '..');
const composed = join(root, 'target/pyforge/default/python.composed.wasm');
if (!existsSync(composed)) {
  console.error(`error: ${composed} is missing: run \`target/debug/pyforge build\` in the repository root first`);
  process.exit(1);
}
const dist = join(web, 'dist');
rmSync(join(dist, 'python'), { recursive: true, force: true });
execFileSync(join(web, 'node_modules/.bin/jco'),
  ['transpile', composed, '-o', join(dist, 'python'), '--name', 'python', '--quiet'], { stdio: 'inherit' });
// Left over from before the component carried its stdlib.
for (const old of ['python313.zip', 'overlay', 'overlay.json']) rmSync(join(dist, old), { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
console.log(`prepared ${join(dist, 'python')}`);
