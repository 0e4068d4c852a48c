// The faults a real provider shows a long-running job, injected by the examples' mock provider:
// - rate limits and overload: the first attempt of every 7th request that carries an Idempotency-Key gets 429
//   (then, the next one, 503), each with `retry-after: 1`; the retry (same key) succeeds;
// - a context window: a conversation longer than CONTEXT_CHARS characters gets 400 context_length_exceeded,
//   which no retry can fix (the record goes to the job's dead-letter output).
const CONTEXT_CHARS = 8000;
const EVERY = 7;

export function installFaults(mock) {
  const seen = new Set();
  let distinct = 0;
  const counts = { rateLimited: 0, overloaded: 0, tooLong: 0 };
  mock.setScript((req) => {
    if (req.route !== 'chat.completions' || typeof req.json !== 'object' || req.json === null) return undefined;
    if (JSON.stringify(req.json.messages ?? []).length > CONTEXT_CHARS) {
      counts.tooLong++;
      return { status: 400, errorMessage: `This model's maximum context length is ${CONTEXT_CHARS} characters (the examples' mock provider); shorten the messages.` };
    }
    const key = req.headers['idempotency-key'];
    if (key === undefined || seen.has(key)) return undefined;
    seen.add(key);
    distinct++;
    if (distinct % EVERY !== 0) return undefined;
    if ((distinct / EVERY) % 2 === 1) {
      counts.rateLimited++;
      return { status: 429, errorMessage: 'Rate limit reached (injected by the examples runner)', headers: { 'retry-after': '1' } };
    }
    counts.overloaded++;
    return { status: 503, errorMessage: 'The engine is currently overloaded (injected by the examples runner)', headers: { 'retry-after': '1' } };
  });
  return {
    counts,
    describe: () => `429 then 503 (retry-after: 1) on the first attempt of every ${EVERY}th idempotency key; 400 context_length_exceeded above ${CONTEXT_CHARS} characters of messages`,
  };
}
