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

/**
 * Replaces every character of class `cls` with '*' except the last `keep` of them (values are short): one regex
 * replace over the prefix that holds the masked ones, not a string concatenation per character.
 */
function maskAllBut(s: string, keep: number, cls: RegExp): string {
  let total = 0;
  for (let i = 0; i < s.length; i++) if (inClass(cls, s.charCodeAt(i))) total++;
  let hide = total - keep;
  if (hide <= 0) return s;
  let cut = 0;
  while (hide > 0) if (inClass(cls, s.charCodeAt(cut++))) hide--;
  return s.slice(0, cut).replace(cls, '*') + s.slice(cut);
}

const DIGITS = /[0-9]/g;
const UPPER_OR_DIGITS = /[0-9A-Z]/g;
function inClass(cls: RegExp, c: number): boolean {
  return (c >= 48 && c <= 57) || (cls === UPPER_OR_DIGITS && c >= 65 && c <= 90);
}

function maskIp(s: string, sep: string, cls: RegExp): string {
  const last = s.lastIndexOf(sep);
  return s.slice(0, last).replace(cls, '*') + s.slice(last);
}

export function maskValue(style: MaskStyle, raw: string, keep = 0): string {
  const v = normalize(raw);
  switch (style) {
    case 'digits4':
      return ascii(maskAllBut(v, 4, DIGITS));
    case 'phone':
      return ascii(maskAllBut(v, 2, DIGITS));
    case 'iban':
      return ascii(v.slice(0, 2) + maskAllBut(v.slice(2), 4, UPPER_OR_DIGITS));
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
