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
// Values are normalised first (inspect/unicode.ts): digits of every script become ASCII, invisible characters are
// dropped, exotic spaces/dashes/dots become ' ' / '-' / '.'.
import type { MaskStyle } from './detectors/types.js';
import { normalize } from './unicode.js';

export { normalize };

const UNSAFE = /[^\x20-\x7E]|["\\]/;

/** Keeps only characters that are safe inside a JSON string and in logs (a line break inside a value prints as a space). */
function ascii(s: string): string {
  return UNSAFE.test(s) ? s.replace(/[\t\n\r]/g, ' ').replace(/[^\x20-\x7E]|["\\]/g, '*') : s;
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
