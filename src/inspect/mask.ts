// Format-preserving masks. Every output is printable ASCII without quotes or backslashes, so it can
// replace a span inside a JSON string verbatim and the body stays valid JSON.
//
//   card / ssn   digits except the last 4 → '*', separators kept    4242-4242-4242-4242 → ****-****-****-4242
//   phone        digits except the last 2 → '*'                      +1 (555) 123-4567 → +* (***) ***-**67
//   iban         country code and last 4 kept                        GB82WEST… → GB******…5432
//   email        first character of the local part + '***'           jane.doe@example.com → j***@example.com
//   ipv4 / ipv6  all but the last group masked                       192.168.1.42 → ***.***.*.42
//   secret       public prefix kept + 8 '*' (length not revealed)    sk-ant-api03-… → sk-ant-********
//   pem          armour header kept                                  -----BEGIN RSA PRIVATE KEY-----********
//   password     '********'
//   generic      one '*' per character
// Evasion characters are normalised first: full-width digits become ASCII, zero-width characters and
// soft hyphens are dropped, exotic spaces/dashes become ' ' / '-'.
import type { MaskStyle } from './detectors/types.js';

const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00AD]/g;
const FULLWIDTH_DIGIT = /[\uFF10-\uFF19]/g;
const SPACES = /[\u00A0\u3000]/g;
const DASHES = /[\u2010-\u2013\uFF0D]/g;
const NON_ASCII = /[^\x00-\x7F]/;
const UNSAFE = /[^\x20-\x7E]|["\\]/;

/** Canonical text of a detected value (for masks, tokens and hashes). */
export function normalize(value: string): string {
  if (!NON_ASCII.test(value)) return value;
  return value
    .replace(INVISIBLE, '')
    .replace(FULLWIDTH_DIGIT, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 48))
    .replace(SPACES, ' ')
    .replace(DASHES, '-');
}

/** Keeps only characters that are safe inside a JSON string and in logs. */
function ascii(s: string): string {
  return UNSAFE.test(s) ? s.replace(/[^\x20-\x7E]|["\\]/g, '*') : s;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isUpperOrDigit = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 90);

/** Replaces every character of class `cls` with '*' except the last `keep` of them (values are short). */
function maskAllBut(s: string, keep: number, cls: (c: number) => boolean): string {
  let total = 0;
  for (let i = 0; i < s.length; i++) if (cls(s.charCodeAt(i))) total++;
  let seen = 0;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += cls(c) && ++seen <= total - keep ? '*' : s[i];
  }
  return out;
}

function maskIp(s: string, sep: string, cls: RegExp): string {
  const last = s.lastIndexOf(sep);
  return s.slice(0, last).replace(cls, '*') + s.slice(last);
}

export function maskValue(style: MaskStyle, raw: string, keep = 0): string {
  const v = normalize(raw);
  switch (style) {
    case 'digits4':
      return ascii(maskAllBut(v, 4, isDigit));
    case 'phone':
      return ascii(maskAllBut(v, 2, isDigit));
    case 'iban':
      return ascii(v.slice(0, 2) + maskAllBut(v.slice(2), 4, isUpperOrDigit));
    case 'email': {
      const at = v.lastIndexOf('@');
      return ascii(v.slice(0, 1) + '***' + v.slice(at));
    }
    case 'ipv4':
      return ascii(maskIp(v, '.', /[0-9]/g));
    case 'ipv6':
      return ascii(maskIp(v, ':', /[0-9A-Fa-f]/g));
    case 'secret':
      return ascii(v.slice(0, keep)) + '********';
    case 'pem': {
      const end = v.indexOf('-----', 10);
      return ascii(end > 0 ? v.slice(0, end + 5) : '-----BEGIN PRIVATE KEY-----') + '********';
    }
    case 'password':
      return '********';
    case 'generic':
      return '*'.repeat([...v].length);
  }
}
