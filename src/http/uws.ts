// Load uWebSockets.js and tell whether the native binary loaded (it silently falls back to a slow JS version).
import { createRequire } from 'node:module';
import type * as UWS from 'uWebSockets.js';

export type UwsModule = typeof UWS;

export interface LoadedUws {
  uws: UwsModule;
  native: boolean;
}

export function loadUws(): LoadedUws {
  const require = createRequire(import.meta.url);
  // The package prints its own warning when it falls back; we decide below whether to run at all.
  const uws = require('uWebSockets.js') as UwsModule;
  const native = Object.keys(require.cache).some((k) => /uws_[a-z0-9]+_[a-z0-9]+_\d+\.node$/.test(k));
  return { uws, native };
}
