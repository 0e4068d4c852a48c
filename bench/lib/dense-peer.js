// Worker side of bench/micro/dense-body.bench.js: the mock provider or the client, each on its own thread so that
// the only JavaScript on the main thread's event loop is the gateway's (whose loop delay the benchmark reports).
import { parentPort, workerData } from 'node:worker_threads';
import { request } from 'undici';

const root = new URL(workerData.root);

if (workerData.role === 'mock') {
  const { startMockProvider } = await import(new URL('dist/demo/mock-provider.js', root).href);
  const mock = await startMockProvider({ quiet: true, maxReceived: 0 });
  parentPort.postMessage({ url: mock.url });
  parentPort.once('message', async () => {
    await mock.close();
    parentPort.postMessage('closed');
  });
} else if (workerData.role === 'probe') {
  // What another client of the gateway sees meanwhile: a small request every 2 ms, its latency recorded.
  const { url } = workerData;
  let running = false;
  const lat = [];
  parentPort.on('message', async (m) => {
    if (m === 'stop') {
      running = false;
      return;
    }
    running = true;
    lat.length = 0;
    while (running) {
      const t0 = performance.now();
      const res = await request(`${url}/healthz`);
      await res.body.dump();
      lat.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 2));
    }
    lat.sort((a, b) => a - b);
    const q = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))];
    parentPort.postMessage({ n: lat.length, p50: q(50), p99: q(99), max: lat.at(-1) });
  });
  parentPort.postMessage({ ready: true });
} else {
  const { url, token, cards } = workerData;
  const content = 'card 4111 1111 1111 1111 '.repeat(cards);
  const body = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }));
  parentPort.on('message', async () => {
    const t0 = performance.now();
    const res = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-mock-reply': 'ok' },
      body,
    });
    await res.body.dump();
    parentPort.postMessage({ status: res.statusCode, ms: performance.now() - t0, bytes: body.length });
  });
  parentPort.postMessage({ ready: true, bytes: body.length });
}
