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
  /** Set when the request's framing is ambiguous (e.g. two different Content-Lengths): answer 400 and close. */
  readonly framingError?: string;
  readonly aborted: boolean;
  /** True once a status line has been written. */
  readonly started: boolean;
  /**
   * The whole request body, bounded by `server.maxBodyBytes`. The exchange reads it from the first tick whether or
   * not anyone asks. Rejects with SLUICE_BODY_TOO_LARGE, or SLUICE_CLIENT_ABORTED when the client goes away first.
   */
  readBody(): Promise<Uint8Array>;
  /**
   * One-shot response. `close` closes the connection right after it. A response sent while the request body is
   * still arriving lets the client finish sending (the rest is dropped) so it can read the answer.
   */
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
