// The baseline: a straightforward pure-JS RegExp implementation of the same detector set
// (one regex per detector, validators in JS, JSON.parse → mask strings → JSON.stringify).
const luhn = (d) => {
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let v = d.charCodeAt(d.length - 1 - i) - 48;
    if (i % 2) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    sum += v;
  }
  return sum % 10 === 0;
};
const mod97 = (s) => {
  const t = (s.slice(4) + s.slice(0, 4)).replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let r = 0;
  for (const c of t) r = (r * 10 + (c.charCodeAt(0) - 48)) % 97;
  return r === 1;
};

const DETECTORS = [
  ['card', /\b(?:\d[ -]?){12,18}\d\b/g, (m) => luhn(m.replace(/\D/g, '')) && /^(?:4|5[1-5]|3[47]|6|3[0689]|2[2-7])/.test(m)],
  ['ssn', /\b(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}\b/g],
  ['email', /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g],
  ['phone', /\+\d[\d .()-]{6,18}\d|(?:\(\d{3}\)\s?|\b\d{3}[-. ])\d{3}[-. ]\d{4}\b/g],
  ['iban', /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g, (m) => mod97(m.replace(/ /g, ''))],
  ['ipv4', /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g],
  ['ipv6', /(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}:?){1,6}|::[0-9a-fA-F]{1,4}/g],
  ['aws_access_key', /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b/g],
  ['aws_secret_key', /aws_secret\w*["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{40}/gi],
  ['anthropic_key', /\bsk-ant-[A-Za-z0-9_-]{20,250}/g],
  ['openai_key', /\bsk-[A-Za-z0-9_-]{20,250}/g],
  ['github_token', /\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_\w{22,255})/g],
  ['slack_token', /\bxox[bpaers]-[A-Za-z0-9-]{10,250}/g],
  ['stripe_key', /\b[rs]k_(?:live|test)_[A-Za-z0-9]{10,250}/g],
  ['google_api_key', /\bAIza[A-Za-z0-9_-]{35}/g],
  ['jwt', /\beyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g],
  ['private_key', /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]{0,8192}?-----END [A-Z ]*PRIVATE KEY-----/g],
  ['password_assignment', /(?:password|passwd|pwd|passphrase|secret|api_?key|access_token|auth_token)[\w-]*["']?\s*[:=]\s*["']?[^\s"',;]{4,256}/gi],
];

export function maskText(text) {
  const found = [];
  for (const [id, re, ok] of DETECTORS) {
    for (const m of text.matchAll(re)) if (!ok || ok(m[0])) found.push([m.index, m.index + m[0].length, id]);
  }
  if (found.length === 0) return text;
  found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let out = '';
  let at = 0;
  for (const [s, e, id] of found) {
    if (s < at) continue;
    out += text.slice(at, s) + `[REDACTED:${id}]`;
    at = e;
  }
  return out + text.slice(at);
}

function walk(v) {
  if (typeof v === 'string') return maskText(v);
  if (Array.isArray(v)) return v.map(walk);
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v)) o[k] = walk(v[k]);
    return o;
  }
  return v;
}

export function maskJson(text) {
  return JSON.stringify(walk(JSON.parse(text)));
}
