// Validators that turn a digit/character shape into a confirmed match.

/** Luhn checksum over `n` digit values stored as bytes at `d`. */
export function luhn(d: usize, n: i32): bool {
  let sum: u32 = 0;
  let dbl = false;
  for (let i = n - 1; i >= 0; i--) {
    let v = <u32>load<u8>(d + <usize>i);
    if (dbl) {
      v <<= 1;
      if (v > 9) v -= 9;
    }
    sum += v;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

function prefix(d: usize, k: i32): u32 {
  let v: u32 = 0;
  for (let i = 0; i < k; i++) v = v * 10 + <u32>load<u8>(d + <usize>i);
  return v;
}

/** Issuer (IIN) ranges and lengths of the major networks: a Luhn-valid number outside them is not a card. */
export function cardNetwork(d: usize, n: i32): bool {
  const p1 = prefix(d, 1);
  const p2 = prefix(d, 2);
  const p3 = prefix(d, 3);
  const p4 = prefix(d, 4);
  if (p1 == 4) return n == 13 || n == 16 || n == 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n == 16; // Mastercard
  if (p2 == 34 || p2 == 37) return n == 15; // Amex
  if (p4 >= 2200 && p4 <= 2204) return n == 16; // Mir
  const long = n >= 16 && n <= 19;
  if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649)) return long; // Discover
  if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39) return n >= 14 && n <= 19; // Diners
  if (p4 >= 3528 && p4 <= 3589) return long; // JCB
  if (p2 == 62) return long; // UnionPay
  if (p2 == 50 || (p2 >= 56 && p2 <= 69)) return n >= 13 && n <= 19; // Maestro
  return false;
}

/** SSA rules: area not 000/666/9xx, group not 00, serial not 0000, and two famous published numbers. */
export function ssnValid(d: usize): bool {
  const area = prefix(d, 3);
  const group = <u32>load<u8>(d + 3) * 10 + <u32>load<u8>(d + 4);
  const serial = prefix(d + 5, 4);
  if (area == 0 || area == 666 || area >= 900) return false;
  if (group == 0 || serial == 0) return false;
  if (area == 78 && group == 5 && serial == 1120) return false;
  if (area == 219 && group == 9 && serial == 9999) return false;
  return true;
}

/** ISO 13616 mod-97 over `n` IBAN characters at `c` (ASCII upper letters/digits). */
export function ibanValid(c: usize, n: i32): bool {
  let r: u32 = 0;
  for (let k = 0; k < n; k++) {
    const i = (k + 4) % n;
    const b = <u32>load<u8>(c + <usize>i);
    if (b - 48 < 10) r = (r * 10 + (b - 48)) % 97;
    else r = (r * 100 + (b - 55)) % 97;
  }
  return r == 1;
}

const HIST: usize = memory.data(256 * 4);

/** Shannon entropy in bits per byte of [s, e) from memory. */
export function entropy(p: usize, n: i32): f64 {
  memory.fill(HIST, 0, 256 * 4);
  for (let i = 0; i < n; i++) {
    const h = HIST + (<usize>load<u8>(p + <usize>i) << 2);
    store<u32>(h, load<u32>(h) + 1);
  }
  let bits = 0.0;
  for (let b = 0; b < 256; b++) {
    const c = load<u32>(HIST + (<usize>b << 2));
    if (c == 0) continue;
    const q = <f64>c / <f64>n;
    bits -= q * Math.log2(q);
  }
  return bits;
}

/** Number of distinct bytes in [p, p+n). */
export function distinct(p: usize, n: i32): i32 {
  memory.fill(HIST, 0, 256);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const h = HIST + <usize>load<u8>(p + <usize>i);
    if (load<u8>(h) == 0) {
      store<u8>(h, 1);
      k++;
    }
  }
  return k;
}
