// The gateway's view of one client exchange. Only src/http/ touches uWS; everything else uses this.

export interface ClientExchange {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** Lower-cased request headers (duplicates joined with `, `). */
  readonly headers: Record<string, string>;
  readonly remoteAddress: string;
  /** Total size of the request head's header lines, for the 431 check. */
  readonly headerBytes: number;
  readonly aborted: boolean;
  /** True once a status line has been written. */
  readonly started: boolean;
  /** Reads the whole request body (bounded); rejects with SLUICE_BODY_TOO_LARGE past `max`. */
  readBody(max: number): Promise<Uint8Array>;
  /** One-shot response. `close` asks the server to close the connection afterwards. */
  respond(status: number, headers: ReadonlyArray<readonly [string, string]>, body: string | Uint8Array, close?: boolean): void;
  /** Starts a streamed response (chunked). */
  start(status: number, headers: ReadonlyArray<readonly [string, string]>): void;
  /** Writes a chunk; false means the client is slow: wait for `onDrain` before writing more. */
  write(chunk: Uint8Array | string): boolean;
  onDrain(cb: () => void): void;
  end(chunk?: Uint8Array | string): void;
  /** Hard close (e.g. upstream broke mid-stream: the client must not see a clean end). */
  destroy(): void;
  onAbort(cb: () => void): void;
}
