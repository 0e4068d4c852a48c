#!/usr/bin/env node
// A Kafka-consumer-style enrichment worker in front of Sluice. The "topic" is a JSONL file (no broker here): each
// line is a record, its line number the offset. The worker polls batches, enriches records through Sluice with
// the official openai SDK at bounded concurrency (it stops polling while every slot is busy: backpressure),
// writes results and dead letters, and commits the offset below which every record is done, so a restart
// resumes without losing or repeating finished work. Swap poll()/commit() for kafkajs or node-rdkafka calls.
import { createReadStream, mkdirSync, readFileSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { ClientCredentials, settingsFromEnv } from '../lib/client-credentials.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const int = (v, d) => (v === undefined || v === '' ? d : Math.max(1, Number.parseInt(v, 10) || d));

const cfg = {
  ...settingsFromEnv({ clientId: 'kafka-enricher', clientSecret: 'demo-kafka-enricher-secret' }),
  topicFile: env.TOPIC_FILE ?? join(here, 'topic', 'orders.jsonl'),
  outDir: env.OUT_DIR ?? join(here, 'out'),
  concurrency: int(env.CONCURRENCY, 8),
  maxPollRecords: int(env.MAX_POLL_RECORDS, 16),
  // One audit session per worker run: `sluice audit replay <session>` shows everything it sent.
  session: env.SLUICE_SESSION ?? `kafka-enricher-${randomUUID().slice(0, 8)}`,
};
const topic = basename(cfg.topicFile, '.jsonl');

const tokens = new ClientCredentials(cfg);
const openai = new OpenAI({
  baseURL: `${cfg.url}/v1`,
  apiKey: () => tokens.token(), // refreshed before expiry
  fetch: tokens.fetchWithAuth(), // and once more after a 401
  // Retries: 408/409/429/5xx and connection errors, honouring retry-after. 3 attempts more at most.
  maxRetries: 3,
  // Longer than any approval hold your policy may place on this job (streaming-jobs has none), short enough
  // that a stuck call frees its slot: 2 minutes.
  timeout: 120_000,
});

mkdirSync(cfg.outDir, { recursive: true });
const files = {
  offsets: join(cfg.outDir, 'offsets.json'),
  results: join(cfg.outDir, 'enriched.jsonl'),
  dead: join(cfg.outDir, 'dead-letter.jsonl'),
};

/** Kafka's commit: the next offset to read, written only once every record below it is finished. */
function committedOffset() {
  if (!existsSync(files.offsets)) return 0;
  return JSON.parse(readFileSync(files.offsets, 'utf8'))[topic] ?? 0;
}
function commit(offset) {
  const all = existsSync(files.offsets) ? JSON.parse(readFileSync(files.offsets, 'utf8')) : {};
  all[topic] = offset;
  writeFileSync(files.offsets, `${JSON.stringify(all)}\n`);
}

/** Batches of up to maxPollRecords records from `from` on (a consumer's poll()). */
async function* poll(file, from, maxPollRecords) {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let offset = -1;
  let batch = [];
  for await (const line of lines) {
    offset++;
    if (offset < from || line.trim() === '') continue;
    batch.push({ offset, value: line });
    if (batch.length === maxPollRecords) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

const stats = { ok: 0, failed: 0, maxInFlight: 0, pausedPolls: 0 };

/** Enrich one record. Never throws: a record that cannot be enriched goes to the dead-letter file. */
async function handle({ offset, value }) {
  // Stable per record across retries and restarts: the provider (and your sink) can de-duplicate on it.
  const key = `${topic}-${offset}`;
  let order;
  try {
    order = JSON.parse(value);
  } catch {
    return deadLetter(offset, key, { status: null, code: 'unparseable_record', message: 'not JSON' });
  }
  try {
    const res = await openai.chat.completions.create(
      {
        model: cfg.model,
        temperature: 0,
        max_tokens: 200,
        messages: [
          { role: 'system', content: 'Classify the customer note of this order: category and urgency, one line.' },
          { role: 'user', content: `Order ${order.id}: ${order.note}` },
        ],
      },
      { headers: { 'idempotency-key': key, 'x-sluice-session': cfg.session } },
    );
    appendFileSync(files.results, `${JSON.stringify({ offset, id: order.id, enrichment: res.choices[0]?.message?.content ?? '', usage: res.usage?.total_tokens ?? null })}\n`);
    stats.ok++;
  } catch (err) {
    // After the SDK's retries: 400 (the provider refuses this record), 403 (Sluice's policy blocks it, or an
    // approval was denied), 413 (too large), or retries used up on 429/5xx. None is worth stalling the partition.
    const e = err instanceof OpenAI.APIError ? { status: err.status ?? null, code: err.code ?? err.type ?? null, message: err.message } : { status: null, code: 'client_error', message: err.message };
    deadLetter(offset, key, e);
  }
}

function deadLetter(offset, key, e) {
  appendFileSync(files.dead, `${JSON.stringify({ offset, key, ...e })}\n`);
  stats.failed++;
}

async function run() {
  const start = committedOffset();
  let next = start;
  const finished = new Set();
  const inFlight = new Set();
  const advance = () => {
    while (finished.delete(next)) next++;
  };
  for await (const batch of poll(cfg.topicFile, start, cfg.maxPollRecords)) {
    for (const rec of batch) {
      // Backpressure: no new record starts until a slot is free, so the consumer stops polling.
      if (inFlight.size >= cfg.concurrency) stats.pausedPolls++;
      while (inFlight.size >= cfg.concurrency) await Promise.race(inFlight);
      const p = handle(rec).finally(() => {
        inFlight.delete(p);
        finished.add(rec.offset);
      });
      inFlight.add(p);
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight.size);
    }
    // Commit after each poll, as a consumer with enable.auto.commit=false would.
    advance();
    commit(next);
  }
  await Promise.all(inFlight);
  advance();
  commit(next);
  return { start, next };
}

const t0 = performance.now();
const { start, next } = await run();
const seconds = (performance.now() - t0) / 1000;
console.log(`topic ${topic}: offsets ${start}..${next - 1} done in ${seconds.toFixed(2)} s (${stats.ok} enriched, ${stats.failed} dead letters)`);
console.log(`concurrency ${cfg.concurrency}: at most ${stats.maxInFlight} in flight, polling paused ${stats.pausedPolls} times`);
console.log(`tokens fetched ${tokens.stats.fetched}, refreshed after a 401: ${tokens.stats.refreshedAfter401}`);
console.log(`results: ${files.results}\ndead letters: ${files.dead}\ncommitted offset: ${next}`);
for (const line of existsSync(files.results) ? readFileSync(files.results, 'utf8').trim().split('\n').slice(0, 3) : []) console.log(`  ${line}`);
// One machine-readable line for the examples runner (npm run examples).
console.log(`RESULT ${JSON.stringify({ sessions: [cfg.session], ok: stats.ok, failed: stats.failed, committed: next, tokensFetched: tokens.stats.fetched, refreshedAfter401: tokens.stats.refreshedAfter401, maxInFlight: stats.maxInFlight })}`);
