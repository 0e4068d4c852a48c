// Request bodies the benchmark sends: ~4 KiB OpenAI chat requests whose text carries the personal data
// a real support or analytics job would (card numbers that pass Luhn, e-mails, phone numbers), so the
// matcher, validators and masking all do real work. Deterministic (seeded) and varied (64 bodies).

const WORDS = ('customer account order refund shipment invoice delivery address billing support ticket ' +
  'escalation priority warehouse subscription renewal payment declined update please confirm details ' +
  'regarding yesterday transaction pending review summary analysis quarterly report churn segment').split(' ');
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net'];

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same bodies on every machine. */
export function prng(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function luhnComplete(digits15) {
  let sum = 0;
  for (let i = 0; i < digits15.length; i++) {
    let d = Number(digits15[digits15.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return digits15 + String((10 - (sum % 10)) % 10);
}

function pick(rand, xs) {
  return xs[Math.floor(rand() * xs.length)];
}

function digits(rand, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 10);
  return s;
}

function card(rand) {
  const n = luhnComplete(`4${digits(rand, 14)}`);
  return rand() < 0.5 ? n : n.replace(/(\d{4})(?=\d)/g, '$1 ');
}

function sentence(rand) {
  const words = [];
  const len = 8 + Math.floor(rand() * 10);
  for (let i = 0; i < len; i++) words.push(pick(rand, WORDS));
  const r = rand();
  if (r < 0.12) words.push(`card ${card(rand)}`);
  else if (r < 0.27) words.push(`email ${pick(rand, NAMES)}.${digits(rand, 3)}@${pick(rand, DOMAINS)}`);
  else if (r < 0.37) words.push(`phone +1 415-555-${digits(rand, 4)}`);
  return `${words.join(' ')}.`;
}

/** One chat request of about `bytes` bytes of JSON. */
export function chatBody(rand, { bytes = 4096, model = 'gpt-4o-mini', stream = false } = {}) {
  const skeleton = { model, messages: [{ role: 'system', content: 'You summarise customer support tickets for the analytics team.' }, { role: 'user', content: '' }] };
  const room = bytes - Buffer.byteLength(JSON.stringify({ ...skeleton, ...(stream ? { stream: true } : {}) }));
  let text = '';
  while (text.length < room) text += `${sentence(rand)} `;
  skeleton.messages[1].content = text.slice(0, Math.max(0, room)).trimEnd();
  return JSON.stringify(stream ? { ...skeleton, stream: true } : skeleton);
}

/** `count` distinct bodies, encoded once: the load loop only picks one per request. */
export function chatBodies({ count = 64, bytes = 4096, seed = 8 } = {}) {
  const rand = prng(seed);
  return Array.from({ length: count }, () => Buffer.from(chatBody(rand, { bytes })));
}

/** A short streaming prompt with PII: the mock echoes it word by word, one SSE event per word. */
export function streamBody({ words = 24, seed = 9 } = {}) {
  const rand = prng(seed);
  const parts = [`Summarise: card ${luhnComplete('411111111111111')}, mail ${pick(rand, NAMES)}@example.com, phone +1 415-555-0100.`];
  for (let i = 0; i < words; i++) parts.push(pick(rand, WORDS));
  return Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: parts.join(' ') }] }));
}
