// Personal data found by the character-class scanners (digit runs, '@', ':') in the WASM matcher.
import type { DetectorDef } from './types.js';

export const card: DetectorDef = {
  id: 'card',
  type: 'card',
  description: 'Payment card numbers of the major networks (13-19 digits, spaces/dashes, Luhn and issuer range checked)',
  maxLength: 128,
  priority: 0,
  anchors: [],
  mask: 'digits4',
};

export const ssn: DetectorDef = {
  id: 'ssn',
  type: 'ssn',
  description: 'US social security numbers written ddd-dd-dddd or ddd dd dddd (SSA area/group/serial rules)',
  maxLength: 48,
  priority: 2,
  anchors: [],
  mask: 'digits4',
};

export const email: DetectorDef = {
  id: 'email',
  type: 'email',
  description: 'E-mail addresses (ASCII local part and domain, alphabetic TLD)',
  maxLength: 320,
  priority: 4,
  anchors: [],
  mask: 'email',
};

export const phone: DetectorDef = {
  id: 'phone',
  type: 'phone',
  description: 'Phone numbers: E.164 (+ and 8-15 digits), NANP (555) 123-4567, national trunk-prefix formats',
  maxLength: 64,
  priority: 6,
  anchors: [],
  mask: 'phone',
};

export const iban: DetectorDef = {
  id: 'iban',
  type: 'iban',
  description: 'International bank account numbers (ISO 13616, mod-97 checked, optional spaces)',
  maxLength: 64,
  priority: 8,
  anchors: [],
  mask: 'iban',
};

export const ipv4: DetectorDef = {
  id: 'ipv4',
  type: 'ipv4',
  description: 'IPv4 addresses in dotted-quad form',
  maxLength: 48,
  priority: 10,
  anchors: [],
  mask: 'ipv4',
};

export const ipv6: DetectorDef = {
  id: 'ipv6',
  type: 'ipv6',
  description: 'IPv6 addresses (eight groups, or fewer with one ::)',
  maxLength: 64,
  priority: 12,
  anchors: [],
  mask: 'ipv6',
};
