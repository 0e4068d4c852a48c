// E-mail (centred on '@') and IPv6 (centred on ':') candidates.
import { at, before, len, emit, pend } from "./state";
import { cls, isWord, C_LOCAL, C_DOMAIN, C_HEX, C_UPPER, C_LOWER } from "./tables";
import { D_EMAIL, D_IPV6 } from "./codes";

/** '@' at a: local part backwards (≤ 64), domain forwards (≥ 2 labels, alphabetic TLD). */
export function scanEmail(a: i32): i32 {
  let l = a;
  while (l > 0 && a - l < 64 && (cls(at(l - 1)) & C_LOCAL) != 0) l--;
  while (l < a && at(l) == 46) l++;
  if (l == a) return a + 1;
  let i = a + 1;
  let labels = 0;
  let labelLen = 0;
  let alphaTld = true;
  while (i - a <= 254) {
    const b = at(i);
    const c = cls(b);
    if ((c & C_DOMAIN) != 0) {
      labelLen++;
      if ((c & (C_UPPER | C_LOWER)) == 0) alphaTld = false;
      i++;
      continue;
    }
    if (b == 46 && labelLen > 0 && (cls(at(i + 1)) & C_DOMAIN) != 0) {
      labels++;
      labelLen = 0;
      alphaTld = true;
      i++;
      continue;
    }
    break;
  }
  if (i >= len()) pend(l);
  if (labels < 1 || labelLen < 2 || !alphaTld || at(i - 1) == 45) return i > a + 1 ? i : a + 1;
  emit(D_EMAIL, l, i);
  return i;
}

@inline function hex(b: u32): bool {
  return (cls(b) & C_HEX) != 0;
}

/** ':' at c: parse hex groups around it; 8 groups, or fewer with exactly one '::'. */
export function scanIPv6(c: i32): i32 {
  let s = c;
  while (s > 0 && c - s < 4 && hex(at(s - 1))) s--;
  const lb = before(s);
  if (isWord(lb) || lb == 58 || lb == 46) return c + 1;
  let i = s;
  let groups = 0;
  let dbl = false;
  while (true) {
    let h = 0;
    while (h < 5 && hex(at(i + h))) h++;
    if (h > 4) return i + h;
    if (h > 0) { groups++; i += h; }
    if (at(i) != 58) break;
    if (at(i + 1) == 58) {
      if (dbl) return i + 2;
      dbl = true;
      i += 2;
      if (!hex(at(i))) break;
      continue;
    }
    if (h == 0 || !hex(at(i + 1))) break;
    i++;
  }
  if (i >= len()) pend(s);
  if (isWord(at(i)) || at(i) == 58) return i;
  const ok = dbl ? groups >= 1 && groups <= 7 : groups == 8;
  if (ok) emit(D_IPV6, s, i);
  return i > c ? i : c + 1;
}
