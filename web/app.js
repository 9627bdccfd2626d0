// The page's logic: gather the chosen components as bytes, call the tool's `plan` and
// `compose` exports (jco-transpiled, in this page), and show the plan, the errors (the same
// text the CLI prints) or a download link for the composed component.
import { compose } from './dist/tool/pyforge-tool.js';
import { _setFileData } from '@bytecodealliance/preview2-shim/filesystem';
import { _setArgs, _setEnv, _setStdout, _setStderr } from '@bytecodealliance/preview2-shim/cli';

/** This repository's own artefacts, offered by default (paths relative to the repo root). */
const DEFAULT_SOCKET = 'target/pyforge/default/python.snapshot.wasm';
const DEFAULT_PLUGS = [
  'target/wasm32-wasip2/release/pyforge_zlib_cap.wasm',
  'target/wasm32-wasip2/release/pyforge_sqlite_cap.wasm',
  'target/wasm32-wasip2/release/pyforge_bz2_cap.wasm',
  'target/wasm32-wasip2/release/pyforge_lzma_cap.wasm',
  'target/wasm32-wasip2/release/pyforge_hashlib_cap.wasm',
];

const $ = (id) => document.getElementById(id);
$('default-socket').textContent = DEFAULT_SOCKET;
for (const [i, path] of DEFAULT_PLUGS.entries()) {
  const label = document.createElement('label');
  label.innerHTML = `<input type="checkbox" id="plug-${i}" checked> <code></code><br>`;
  label.querySelector('code').textContent = path;
  $('default-plugs').append(label);
}

async function fetchPart(path) {
  const response = await fetch(`../${path}`);
  if (!response.ok) throw new Error(`could not fetch ${path}: ${response.status} (build it first: pyforge build)`);
  return { name: path, bytes: new Uint8Array(await response.arrayBuffer()) };
}

async function filePart(file) {
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}

async function inputs() {
  const useFile = document.querySelector('input[name=socket]:checked').value === 'file';
  const socketFile = $('socket-file').files[0];
  if (useFile && !socketFile) throw new Error('choose a socket file first');
  const socket = useFile ? await filePart(socketFile) : await fetchPart(DEFAULT_SOCKET);
  const plugs = [];
  for (const [i, path] of DEFAULT_PLUGS.entries()) {
    if ($(`plug-${i}`).checked) plugs.push(await fetchPart(path));
  }
  for (const file of $('plug-files').files) plugs.push(await filePart(file));
  return { socket, plugs, options: { stubs: [], stubMessage: undefined } };
}

function showErrors(e) {
  if (Array.isArray(e?.payload)) {
    const n = e.payload.length;
    $('errors').textContent =
      e.payload.map((d) => d.rendered).join('\n') + `\nerror: composition failed with ${n} problem${n === 1 ? '' : 's'}\n`;
  } else {
    $('errors').textContent = `error: ${e?.message ?? e}\n`;
  }
}

function renderPlan(w) {
  const lines = [w.socket];
  const node = (consumer, prefix, seen) => {
    const rows = [];
    for (const l of w.links.filter((l) => l.consumer === consumer)) rows.push([`${l.import} ← ${l.provider}`, l.provider]);
    for (const m of w.missing.filter((m) => m.consumer === consumer)) rows.push([`${m.import} ← MISSING`, null]);
    const wasi = w.wasi.filter((u) => u.consumer === consumer).map((u) => u.import);
    if (wasi.length) rows.push([`WASI, left to the host: ${wasi.length} imports`, null]);
    rows.forEach(([text, child], i) => {
      const last = i === rows.length - 1;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${text}`);
      if (child && !seen.has(child)) {
        seen.add(child);
        node(child, prefix + (last ? '   ' : '│  '), seen);
      }
    });
  };
  node(w.socket, '', new Set());
  for (const u of w.unused) lines.push(`unused plug: ${u}`);
  for (const n of w.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

$('plan').addEventListener('click', async () => {
  $('errors').textContent = '';
  try {
    const { socket, plugs, options } = await inputs();
    $('plan-out').textContent = renderPlan(JSON.parse(compose.plan(socket, plugs, options).json));
  } catch (e) {
    showErrors(e);
  }
});

$('compose').addEventListener('click', async () => {
  $('errors').textContent = '';
  $('download').hidden = true;
  $('status').textContent = 'composing…';
  try {
    const { socket, plugs, options } = await inputs();
    const started = performance.now();
    const { bytes } = compose.compose(socket, plugs, options);
    const ms = performance.now() - started;
    const link = $('download');
    link.href = URL.createObjectURL(new Blob([bytes], { type: 'application/wasm' }));
    link.hidden = false;
    $('status').textContent = `composed ${bytes.length} bytes in ${ms.toFixed(1)} ms`;
    document.body.dataset.composeMs = ms.toFixed(1);
  } catch (e) {
    $('status').textContent = 'failed';
    showErrors(e);
  }
});

/** Collects what the guest writes to a stream. */
function collector(sink) {
  const decoder = new TextDecoder();
  return {
    write(bytes) { sink.text += decoder.decode(bytes, { stream: true }); },
    flush() {}, blockingFlush() {}, drop() {},
  };
}

$('run').addEventListener('click', async () => {
  $('run-status').textContent = 'running…';
  $('run-out').textContent = '';
  const out = { text: '' };
  try {
    // The component is self-contained (stdlib embedded, pre-initialized): no filesystem,
    // no PYTHONHOME; only the code to run.
    _setFileData({ dir: {} });
    _setArgs(['python', '-c', $('code').value]);
    _setEnv({});
    _setStdout(collector(out));
    _setStderr(collector(out));
    const started = performance.now();
    const { run } = await import('./dist/python/python.js');
    let status = 0;
    try {
      run.run();
    } catch (e) {
      status = e?.exitError ? e.code : 1;
      if (!e?.exitError) out.text += `\n${e}`;
    }
    $('run-status').textContent = `exit status ${status} in ${(performance.now() - started).toFixed(0)} ms`;
  } catch (e) {
    $('run-status').textContent = 'failed';
    out.text += `error: ${e?.message ?? e}`;
  }
  $('run-out').textContent = out.text;
});

// The tool module instantiates asynchronously (top-level await), so the page may be "loaded"
// before these handlers exist: say when they do (the browser test waits for it).
document.body.dataset.ready = '1';
