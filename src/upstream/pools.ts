// One undici Pool per connection: keep-alive, timeouts, TLS verification on by default.
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import type { ConnectionConfig } from '../config/schema.js';

export interface Upstream {
  conn: ConnectionConfig;
  pool: Pool;
  origin: string;
  /** Path prefix of the base URL, e.g. `/v1` for `https://api.openai.com/v1`. */
  basePath: string;
  /** Requests dispatched and not finished (on a connection or queued for one). */
  inFlight: number;
}

export function createUpstreams(connections: readonly ConnectionConfig[]): Map<string, Upstream> {
  const map = new Map<string, Upstream>();
  for (const conn of connections) {
    const url = new URL(conn.baseUrl);
    const pool = new Pool(url.origin, {
      connections: conn.connections,
      pipelining: 1,
      keepAliveTimeout: conn.keepAliveTimeoutMs,
      headersTimeout: conn.headersTimeoutMs,
      bodyTimeout: conn.bodyTimeoutMs,
      connect: {
        timeout: conn.connectTimeoutMs,
        rejectUnauthorized: conn.rejectUnauthorized,
        ...(conn.caFile ? { ca: readFileSync(conn.caFile) } : {}),
      },
    });
    map.set(conn.name, { conn, pool, origin: url.origin, basePath: url.pathname.replace(/\/+$/, ''), inFlight: 0 });
  }
  return map;
}

export async function closeUpstreams(upstreams: Map<string, Upstream>): Promise<void> {
  await Promise.all([...upstreams.values()].map((u) => u.pool.close().catch(() => u.pool.destroy())));
}
