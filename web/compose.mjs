// `node web/compose.mjs SOCKET.wasm [PLUG.wasm…] [--stub IFACE…] [--plan] -o OUT.wasm`
//
// pyforge's composer in Node: the same toolchain component as the CLI, transpiled by jco
// (`npm run build`), called on bytes through its `compose` export. Prints the same diagnostics
// and writes the same bytes as `pyforge compose`.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { compose } from './dist/tool/pyforge-tool.js';

const args = process.argv.slice(2);
const take = (flag) => {
  const out = [];
  for (let i = args.indexOf(flag); i >= 0; i = args.indexOf(flag)) {
    out.push(args[i + 1]);
    args.splice(i, 2);
  }
  return out;
};
const [output] = take('-o');
const stubs = take('--stub');
const planOnly = args.includes('--plan');
const paths = args.filter((a) => a !== '--plan');
if (paths.length < 1 || (!output && !planOnly)) {
  console.error('usage: node web/compose.mjs SOCKET.wasm [PLUG.wasm…] [--stub IFACE…] [--plan] -o OUT.wasm');
  process.exit(2);
}
const part = (p) => ({ name: p, bytes: new Uint8Array(readFileSync(p)) });
const [socket, ...plugs] = paths.map(part);
const options = { stubs, stubMessage: undefined };
try {
  if (planOnly) {
    console.log(compose.plan(socket, plugs, options).json);
  } else {
    const started = performance.now();
    const { bytes, notes } = compose.compose(socket, plugs, options);
    writeFileSync(`${output}.tmp`, bytes);
    renameSync(`${output}.tmp`, output);
    // Notes (e.g. mixed WASI patch versions) come with the composition, as the CLI prints them.
    for (const note of notes) process.stderr.write(note.rendered);
    console.log(`wrote ${output} (${bytes.length} bytes) in ${(performance.now() - started).toFixed(1)} ms`);
  }
} catch (e) {
  if (Array.isArray(e?.payload)) {
    for (const d of e.payload) process.stderr.write(`${d.rendered}\n`);
    console.error(`error: composition failed with ${e.payload.length} problem${e.payload.length === 1 ? '' : 's'}`);
    process.exit(1);
  }
  throw e;
}
