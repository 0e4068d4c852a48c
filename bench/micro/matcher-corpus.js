// Deterministic corpora for the matcher benchmark: clean prose, OpenAI chat JSON with ~1% PII, dense PII.
const WORDS = (
  'the of and to in is was that for it with as his on be at by had are but from or have an they which one you were her all she ' +
  'there would their we him been has when who will more no if out so said what up its about into than them can only other new ' +
  'some could time these two may then do first any my now such like our over man me even most made after also did many before ' +
  'must through back years where much your way well down should because each just those people how too little state good very ' +
  'make world still own see men work long get here between both life being under never day same another know while last might us ' +
  'great old year off come since against go came right used take three'
).split(' ');

export const PII = [
  '4242 4242 4242 4242', 'jane.doe@example.com', '+1 (415) 555-2671', '536-22-8410', 'GB82 WEST 1234 5698 7654 32',
  'AKIAIOSFODNN7EXAMPLE', 'sk-proj-Tq9xW2rLm4Kd8Zp1Vb7Nc3Jh', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', '10.20.30.40',
  'password=hunter2!x', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLWJ5dGVz',
];

function rng(seed) {
  let s = seed >>> 0;
  return function next() {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function sentence(r) {
  const n = 6 + Math.floor(r() * 14);
  const w = [];
  for (let i = 0; i < n; i++) w.push(WORDS[Math.floor(r() * WORDS.length)]);
  const s = w.join(' ');
  return s[0].toUpperCase() + s.slice(1) + (r() < 0.1 ? ', "quoted" too.' : '.');
}

export function prose(bytes, seed = 1) {
  const r = rng(seed);
  let out = '';
  while (out.length < bytes) out += sentence(r) + (r() < 0.15 ? '\n\n' : ' ');
  return out.slice(0, bytes);
}

/** Prose with PII values planted so that they make up `share` of the bytes. */
export function withPii(bytes, share, seed = 2) {
  const r = rng(seed);
  let out = '';
  let pii = 0;
  while (out.length < bytes) {
    if (pii < share * out.length) {
      const v = PII[Math.floor(r() * PII.length)];
      out += v + ' ';
      pii += v.length;
    } else out += sentence(r) + ' ';
  }
  return out;
}

/** An OpenAI chat completion request of about `bytes` bytes whose contents carry `share` PII. */
export function chatJson(bytes, share, seed = 3) {
  const messages = [{ role: 'system', content: 'You are a helpful assistant. Answer briefly.' }];
  let size = 0;
  let i = 0;
  while (size < bytes) {
    const content = withPii(2000, share, seed + i);
    messages.push({ role: i % 2 ? 'assistant' : 'user', content });
    size += content.length + 40;
    i++;
  }
  return JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages });
}
