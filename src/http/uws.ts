// Load a native uWebSockets.js build directly: never the package's slow JS fallback, and when a build cannot load,
// say why (no binary for this Node ABI, a newer glibc needed, not installed) for the engine choice at start.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as UWS from 'uWebSockets.js';

export type UwsModule = typeof UWS;

export interface LoadedUws {
  uws: UwsModule;
  native: boolean;
  /** e.g. "uWebSockets.js 20.30.0 (@trufflesuite/uws-js-unofficial)". */
  build: string;
}

export interface UwsBuild {
  /** The name it is installed under (an npm alias or the package's own name). */
  pkg: string;
  /** Folder of the .node binaries, from the package's main file. */
  binaries(main: string): string;
  /** Folder of its package.json, from the package's main file. */
  root(main: string): string;
}

/**
 * The builds Sluice knows, best first for the host. The trufflesuite build (uWS v20.30, Node 16/18/20 binaries) is
 * what CI tests on Node 20, so it is tried first; the btc-vision build (uWS v20.57, Node 20/22/24/25 binaries,
 * linked against glibc ≥ 2.38) is an optional dependency for Node 22+ on hosts whose glibc allows it.
 */
export const UWS_BUILDS: readonly UwsBuild[] = Object.freeze([
  { pkg: 'uWebSockets.js', binaries: (m: string) => join(dirname(m), '..', 'binaries'), root: (m: string) => join(dirname(m), '..') },
  { pkg: '@btc-vision/uwebsockets.js', binaries: (m: string) => dirname(m), root: (m: string) => dirname(m) },
]);

const require = createRequire(import.meta.url);

/** The loaded build, or the reason it does not load here. */
export function tryLoadUws(build: UwsBuild): LoadedUws | { error: string } {
  let main: string;
  try {
    main = require.resolve(build.pkg);
  } catch {
    return { error: `${build.pkg}: not installed` };
  }
  let name = build.pkg;
  let version = '?';
  try {
    const pkg = JSON.parse(readFileSync(join(build.root(main), 'package.json'), 'utf8')) as { name?: string; version?: string };
    name = pkg.name ?? name;
    version = pkg.version ?? version;
  } catch {
    // The version only decorates the message.
  }
  const label = `${name}@${version}`;
  const file = join(build.binaries(main), `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
  try {
    const uws = require(file) as UwsModule;
    return { uws, native: true, build: `uWebSockets.js ${version.replace(/-.*$/, '')} (${label})` };
  } catch (err) {
    return { error: `${label}: ${whyNot(err as NodeJS.ErrnoException)}` };
  }
}

function whyNot(err: NodeJS.ErrnoException): string {
  const msg = err.message ?? String(err);
  if (err.code === 'MODULE_NOT_FOUND') return `no binary for ${process.platform}-${process.arch} and Node ABI ${process.versions.modules} (Node ${process.versions.node})`;
  const glibc = /GLIBC_([\d.]+)' not found/.exec(msg);
  if (glibc) return `its binary needs glibc ≥ ${glibc[1]}, this host has ${hostGlibc() ?? 'another C library'}`;
  return msg.split('\n')[0];
}

/** The running glibc version, or undefined (musl, macOS, Windows). */
export function hostGlibc(): string | undefined {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime;
}

/** The first build that loads; throws with every reason when none does. */
export function loadUws(builds: readonly UwsBuild[] = UWS_BUILDS): LoadedUws {
  const errors: string[] = [];
  for (const b of builds) {
    const r = tryLoadUws(b);
    if ('uws' in r) return r;
    errors.push(r.error);
  }
  throw new Error(`no native uWebSockets.js build loads here: ${errors.join('; ')}`);
}
