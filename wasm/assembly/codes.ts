// Builtin detector codes: the index of each id in BUILTIN_DETECTORS (src/inspect/api.ts). Keep in sync.
export const D_CARD: u32 = 0;
export const D_SSN: u32 = 1;
export const D_EMAIL: u32 = 2;
export const D_PHONE: u32 = 3;
export const D_IBAN: u32 = 4;
export const D_IPV4: u32 = 5;
export const D_IPV6: u32 = 6;
