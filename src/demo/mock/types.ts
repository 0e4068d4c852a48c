// Shapes shared by the mock provider's modules: what it records, and the knobs tests turn per request.
import type { ProviderKind } from '../../types.js';

/** One request as the mock saw it. `aborted`/`completed` change after the response ends. */
export interface ReceivedRequest {
  /** 1-based sequence number across the provider's lifetime (survives `clear()`). */
  seq: number;
  method: string;
  /** Path with query string, as sent. */
  path: string;
  /** Canonical route (`chat.completions`, `messages`, …) or `unknown`. */
  route: string;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Body text, truncated to `maxBodyChars` (see `bodyBytes` for the real size). */
  body: string;
  bodyBytes: number;
  /** HTTP status sent; undefined while pending, when hanging, or when reset before any response. */
  status?: number;
  /** The client closed the connection before the response was complete. */
  aborted: boolean;
  /** The mock finished writing the response. */
  completed: boolean;
  /** The mock destroyed the socket on purpose (`resetAfter`). */
  reset: boolean;
}

/** How the mock answers one request. Every field is optional; unset means the default behaviour. */
export interface MockBehaviour {
  /** Answer with this HTTP status (>= 400) and a provider-shaped error body; lower values are ignored. */
  status?: number;
  /** Message for the error body when `status` is set. */
  errorMessage?: string;
  /** Exact reply text (split into deltas by `chunkChars`, or by words when unset). */
  reply?: string;
  /** Exact deltas; wins over `reply`. */
  deltas?: string[];
  chunkChars?: number;
  /** Delay before the response headers. */
  latencyMs?: number;
  /** Delay between stream events. */
  tokenDelayMs?: number;
  /** Destroy the socket after N stream events (JSON: after N body bytes); 0 = before any response. */
  resetAfter?: number;
  /** Stop writing (but keep the socket open) after N stream events. */
  stallAfter?: number;
  /** Never answer. */
  hang?: boolean;
  /** Stream: insert a broken `data:` line before event N (1 = after the first). JSON: send broken JSON. */
  malformedAt?: number;
  /** `none` answers with text even when the request offers tools. */
  tools?: 'auto' | 'none';
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/** What a script sees: the recorded request plus its parsed JSON body (undefined when not JSON). */
export interface ScriptRequest extends ReceivedRequest {
  json: unknown;
}

export type MockScript = (req: ScriptRequest) => MockBehaviour | undefined | Promise<MockBehaviour | undefined>;

export interface MockProviderOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default delay before response headers. */
  latencyMs?: number;
  /** Default delay between stream events. */
  tokenDelayMs?: number;
  /** Default: true. When false, logs one line per request to stderr. */
  quiet?: boolean;
  /** Most requests kept in `received` (oldest dropped first). 0 disables recording. Default 1000. */
  maxReceived?: number;
  /** Longest body text kept per recorded request. Default 1 MiB. */
  maxBodyChars?: number;
  /** Default split size for reply text; unset splits by words. */
  chunkChars?: number;
}

export interface MockProvider {
  /** e.g. `http://127.0.0.1:40123` — append `/v1` for the OpenAI SDK's baseURL. */
  readonly url: string;
  readonly port: number;
  /** Recorded requests, oldest first (bounded by `maxReceived`). */
  readonly received: ReceivedRequest[];
  /** Requests currently being answered (including hanging ones). */
  readonly inFlight: number;
  /** Forgets recorded requests (queued behaviours and the script stay). */
  clear(): void;
  /** Back to a fresh provider: no records, no queued behaviours, no script. */
  reset(): void;
  /** Programmatic behaviour per request; wins over headers and queued behaviours. `undefined` removes it. */
  setScript(fn: MockScript | undefined): void;
  /** Behaviours used by the next requests, one each, in order (after headers, before the script). */
  enqueue(...behaviours: MockBehaviour[]): void;
  /** Resolves once no request is in flight (hanging requests count until their client leaves). */
  whenIdle(): Promise<void>;
  close(): Promise<void>;
}

/** A route's answer before the wire plan (delays, resets) is applied. */
export type MockReply =
  | { kind: 'json'; status: number; body: string }
  | { kind: 'sse'; events: string[] };

/** Everything a route handler needs; handlers are pure functions of it. */
export interface Exchange {
  json: Record<string, unknown>;
  behaviour: MockBehaviour;
  seq: number;
  /** Used for error bodies and `GET /v1/models` shape. */
  kind: ProviderKind;
}
