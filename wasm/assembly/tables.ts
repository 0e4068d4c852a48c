// Byte-class tables shared by every scanner: one load answers "is this a digit / word / hex / … byte".

export const CLS: usize = memory.data(256);
export const CS: usize = memory.data(256);

export const C_DIGIT: u32 = 1;
export const C_UPPER: u32 = 2;
export const C_LOWER: u32 = 4;
export const C_WORD: u32 = 8;
export const C_HEX: u32 = 16;
export const C_LOCAL: u32 = 32;
export const C_DOMAIN: u32 = 64;
export const C_SPACE: u32 = 128;

// Charsets a token anchor may extend over (pattern record `charset` byte is a bit of this table).
export const CS_ALNUM: u32 = 1;
export const CS_B64URL: u32 = 2;
export const CS_UPDIG: u32 = 4;
export const CS_WORD: u32 = 8;
export const CS_ALNUMDASH: u32 = 16;
export const CS_B64: u32 = 32;
export const CS_PEM: u32 = 64;

function has(list: string, b: i32): bool {
  for (let i = 0; i < list.length; i++) if (list.charCodeAt(i) == b) return true;
  return false;
}

export function initTables(): void {
  for (let b = 0; b < 256; b++) {
    const digit = b >= 48 && b <= 57;
    const upper = b >= 65 && b <= 90;
    const lower = b >= 97 && b <= 122;
    const alnum = digit || upper || lower;
    let c: u32 = 0;
    if (digit) c |= C_DIGIT;
    if (upper) c |= C_UPPER;
    if (lower) c |= C_LOWER;
    if (alnum || b == 95) c |= C_WORD;
    if (digit || (b >= 65 && b <= 70) || (b >= 97 && b <= 102)) c |= C_HEX;
    if (alnum || has("._%+-", b)) c |= C_LOCAL;
    if (alnum || b == 45) c |= C_DOMAIN;
    if (b == 32 || b == 9 || b == 10 || b == 13) c |= C_SPACE;
    let s: u32 = 0;
    if (alnum) s |= CS_ALNUM | CS_PEM;
    if (alnum || b == 95 || b == 45) s |= CS_B64URL;
    if (digit || upper) s |= CS_UPDIG;
    if (alnum || b == 95) s |= CS_WORD;
    if (alnum || b == 45) s |= CS_ALNUMDASH;
    if (alnum || b == 43 || b == 47) s |= CS_B64;
    // Backslash: a key inside a JSON string (tool-call arguments) carries its line breaks as `\n`.
    if (has("+/=\r\n\t :,-\\", b)) s |= CS_PEM;
    store<u8>(CLS + <usize>b, <u8>c);
    store<u8>(CS + <usize>b, <u8>s);
  }
}

@inline export function cls(b: u32): u32 {
  return <u32>load<u8>(CLS + <usize>b);
}

@inline export function inSet(b: u32, set: u32): bool {
  return (<u32>load<u8>(CS + <usize>b) & set) != 0;
}

@inline export function isWord(b: u32): bool {
  return (cls(b) & C_WORD) != 0;
}

@inline export function lower(b: u32): u32 {
  return b - 65 < 26 ? b | 32 : b;
}
