// A plain static file server for the page: `node web/serve.mjs [PORT]` serves the repository
// root on localhost (the page is /web/index.html; it fetches the repo's artefacts from
// /target/…). No server-side work beyond reading files.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, format } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css' };

/** The page's address on a running server. */
export function pageUrl(server) {
  const { address, port } = server.address();
  return format({ protocol: 'http', slashes: true, hostname: address, port, pathname: '/web/index.html' });
}

export function serve(port = 0) {
  const server = createServer(async (req, res) => {
    const pathname = req.url.split(/[?#]/, 1)[0];
    const path = normalize(join(ROOT, decodeURIComponent(pathname)));
    if (path !== ROOT && !path.startsWith(ROOT + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await serve(Number(process.argv[2] ?? 8000));
  console.log(`serving the repository at ${pageUrl(server)}`);
}
