// The naive baseline: the least a Node reverse proxy does — node:http in, undici out, bodies streamed
// through untouched, no auth, no inspection. `node bench/baselines/naive-proxy.js <upstream-origin>`
// prints its URL. What Sluice adds on top of this is the price of its features; what this adds on top of
// "direct" is the price of one extra Node hop.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'content-length']);

const upstream = process.argv[2];
if (!upstream) {
  process.stderr.write('usage: node bench/baselines/naive-proxy.js <upstream-origin>\n');
  process.exit(2);
}
const pool = new Pool(upstream, { connections: 1024, pipelining: 1, keepAliveTimeout: 30_000 });

function forwardHeaders(raw) {
  const out = {};
  for (const [k, v] of Object.entries(raw)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
  return out;
}

const server = createServer(function proxy(req, res) {
  pool
    .request({ method: req.method, path: req.url, headers: forwardHeaders(req.headers), body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req })
    .then(function relay(up) {
      res.writeHead(up.statusCode, forwardHeaders(up.headers));
      up.body.pipe(res);
      up.body.once('error', () => res.destroy());
      res.once('close', () => up.body.destroy());
    })
    .catch(function badGateway() {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"upstream failed","type":"bad_gateway"}}');
    });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', function listening() {
  process.stdout.write(`http://127.0.0.1:${server.address().port}\n`);
});
function stop() {
  server.close();
  server.closeAllConnections();
  pool.destroy().finally(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
