// `node bench/lib/portkey-child.js <start-server.js> <port>`: runs the Portkey gateway bound to 127.0.0.1
// (its own entry listens on every interface) and announces its URL once listening.
import { Server } from 'node:http';
import { pathToFileURL } from 'node:url';

const [entry, port] = process.argv.slice(2);
const listen = Server.prototype.listen;
Server.prototype.listen = function listenOnLoopback(...args) {
  this.once('listening', () => process.stdout.write(`\nSLUICE_BENCH_READY http://127.0.0.1:${this.address().port}\n`));
  const opts = typeof args[0] === 'object' && args[0] !== null ? { ...args[0], host: '127.0.0.1' } : { port: args[0], host: '127.0.0.1' };
  const cb = args.find((a) => typeof a === 'function');
  return listen.call(this, opts, cb);
};
process.argv = [process.argv[0], entry, `--port=${port}`, '--headless'];
await import(pathToFileURL(entry).href);
