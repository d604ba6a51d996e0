// For developing the console against a twoline binary that does not embed it (another branch's
// build): serves a built bundle and forwards the API (cookies, CSRF header, Server-Sent Events) to
// that server, so that the page and the API share one origin as they do when embedded.
//   node tests/browser/front.mjs http://127.0.0.1:8080 build/web/dist   (prints the URL it listens on)
// The browser tests use it when TWOLINE_BROWSER_FRONT=1 (see console.test.mjs).
import http from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join, extname } from 'node:path';
const [,, api, dist] = process.argv;
const target = new URL(api);
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname.startsWith('/v1/') || url.pathname === '/healthz' || url.pathname === '/metrics') {
    const headers = { ...req.headers, host: target.host };
    const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(upstream);
    return;
  }
  const file = join(dist, url.pathname === '/' ? 'index.html' : url.pathname);
  if (!existsSync(file)) { res.writeHead(404); return res.end('not found'); }
  res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
  res.end(readFileSync(file));
});
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
