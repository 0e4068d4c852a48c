// Open-loop load: requests leave on a fixed schedule whether or not earlier ones have returned, and each
// latency is counted from its scheduled send time (see schedule.js). Bounded: at most `maxInFlight`
// outstanding (later ones are counted as dropped), and every request times out in the client pool.
import { postChat } from './client.js';
import { delayUntil, latencyFromSchedule, plannedCount } from './schedule.js';
import { summarize } from './stats.js';

export async function runOpenLoop({ pool, target, bodies, rate, durationMs, maxInFlight = 4096 }) {
  const total = plannedCount(rate, durationMs);
  const latencies = new Float64Array(total);
  let recorded = 0;
  let sent = 0;
  let inFlight = 0;
  let errors = 0;
  let non2xx = 0;
  let dropped = 0;
  let maxLagMs = 0;
  let finished = false;
  const start = performance.now();

  return new Promise(function run(resolve) {
    function finish() {
      if (finished) return;
      finished = true;
      const elapsedS = (performance.now() - start) / 1000;
      resolve({
        rate,
        planned: total,
        completed: recorded,
        achievedRate: recorded / elapsedS,
        errors,
        non2xx,
        dropped,
        // How late the generator itself sent requests: if large, the numbers describe the load tool.
        maxSendLagMs: maxLagMs,
        latency: summarize(latencies.subarray(0, recorded)),
      });
    }
    function fire(i) {
      inFlight++;
      postChat(pool, target, bodies[i % bodies.length]).then(function done(status) {
        inFlight--;
        if (status === 0) errors++;
        else if (status < 200 || status >= 300) non2xx++;
        else latencies[recorded++] = latencyFromSchedule(start, i, rate, performance.now());
        if (sent === total && inFlight === 0) finish();
      });
    }
    function tick() {
      const elapsed = performance.now() - start;
      while (sent < total && delayUntil(sent, rate, elapsed) === 0) {
        maxLagMs = Math.max(maxLagMs, elapsed - (sent * 1000) / rate);
        if (inFlight >= maxInFlight) {
          dropped++;
          sent++;
          continue;
        }
        fire(sent++);
      }
      if (sent < total) setTimeout(tick, delayUntil(sent, rate, performance.now() - start));
      else if (inFlight === 0) finish();
    }
    tick();
  });
}
