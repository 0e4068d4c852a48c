// Which HTTP front end runs: native uWebSockets.js where a build loads on this host, else node:http. Both implement the
// same ClientExchange seam, so the gateway behind them is the same. `server.engine: auto|uws|node` (or $SLUICE_ENGINE).
import type { ServerConfig } from '../config/schema.js';
import type { ClientExchange } from './exchange.js';
import { parserHeaderLimit, startNodeServer } from './node-server.js';
import { startHttpServer, type HttpServer } from './server.js';
import { UWS_BUILDS, hostGlibc, tryLoadUws, type LoadedUws, type UwsBuild } from './uws.js';

export type EngineName = 'uws' | 'node';
export type EngineSetting = 'auto' | EngineName;
export const ENGINE_SETTINGS: readonly EngineSetting[] = Object.freeze(['auto', 'uws', 'node'] as const);

export interface EngineInfo {
  name: EngineName;
  /** What exactly runs, e.g. "uWebSockets.js 20.30.0 (@trufflesuite/uws-js-unofficial@20.30.0-unofficial.0)". */
  build: string;
  /** Why this one: the setting, and for auto what did not load. */
  reason: string;
}

export interface EngineChoice extends EngineInfo {
  uws?: LoadedUws;
}

export interface FrontEnd extends HttpServer {
  readonly engine: EngineInfo;
}

export interface ChooseOptions {
  env?: NodeJS.ProcessEnv;
  builds?: readonly UwsBuild[];
  /** server.maxHeaderBytes: the front end must let heads this large through so the gateway answers its own 431. */
  maxHeaderBytes?: number;
}


/** Picks the engine without starting anything. Throws when `uws` is demanded and no native build loads. */
export function chooseEngine(setting: EngineSetting, opts: ChooseOptions = {}): EngineChoice {
  const env = opts.env ?? process.env;
  let wanted = setting;
  let source = `server.engine: ${setting}`;
  const fromEnv = env.SLUICE_ENGINE;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!(ENGINE_SETTINGS as readonly string[]).includes(fromEnv)) throw new Error(`SLUICE_ENGINE must be one of ${ENGINE_SETTINGS.join(', ')}, not "${fromEnv}"`);
    wanted = fromEnv as EngineSetting;
    source = `$SLUICE_ENGINE=${fromEnv}`;
  }
  const node: EngineInfo = { name: 'node', build: `node:http (Node ${process.versions.node})`, reason: source };
  if (wanted === 'node') return node;
  // uWS ≥ 20.5x answers heads above $UWS_HTTP_MAX_HEADERS_SIZE (default 4 KiB) with its own HTML 431, read once when
  // the binary loads: raise it to match server.maxHeaderBytes unless the operator set it.
  if (opts.maxHeaderBytes !== undefined && !process.env.UWS_HTTP_MAX_HEADERS_SIZE) process.env.UWS_HTTP_MAX_HEADERS_SIZE = String(parserHeaderLimit(opts.maxHeaderBytes));
  const errors: string[] = [];
  for (const b of opts.builds ?? UWS_BUILDS) {
    const r = tryLoadUws(b);
    if ('uws' in r) return { name: 'uws', build: r.build, reason: `${source}; native build for Node ${process.versions.node} loaded`, uws: r };
    errors.push(r.error);
  }
  const why = errors.join('; ');
  if (wanted === 'uws') throw new Error(`${source}, but no native uWebSockets.js build loads on Node ${process.versions.node}${glibcNote()}: ${why}`);
  return { ...node, reason: `${source}: no native uWebSockets.js build loads on Node ${process.versions.node}${glibcNote()} (${why})` };
}

function glibcNote(): string {
  const g = process.platform === 'linux' ? hostGlibc() : undefined;
  return g ? ` with glibc ${g}` : '';
}

/**
 * Whether several threads can each listen on the one port with this engine. uWS sets SO_REUSEPORT itself; node:http
 * needs `reusePort` on listen (Node ≥ 22.12 or ≥ 23.1) and a kernel that balances it (Linux). Where false, run one
 * HTTP thread for this engine.
 */
export function engineSupportsThreads(engine: EngineName, version: string = process.versions.node, platform: NodeJS.Platform = process.platform): boolean {
  if (engine === 'uws') return true;
  if (platform !== 'linux') return false;
  const [major, minor] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

export interface StartFrontEndOptions extends ChooseOptions {
  /** Share the port with other threads' listeners (node engine: SO_REUSEPORT; see engineSupportsThreads). */
  reusePort?: boolean;
}

/** Chooses the engine for `cfg.engine` and starts it: the one call main.ts makes. */
export async function startFrontEnd(cfg: ServerConfig, handle: (x: ClientExchange) => void, opts: StartFrontEndOptions = {}): Promise<FrontEnd> {
  const choice = chooseEngine(cfg.engine, { maxHeaderBytes: cfg.maxHeaderBytes, ...opts });
  const engine: EngineInfo = { name: choice.name, build: choice.build, reason: choice.reason };
  const server = choice.uws ? await startHttpServer(cfg, handle, choice.uws) : await startNodeServer(cfg, handle, { reusePort: opts.reusePort });
  return Object.assign(server, { engine });
}
