// Raw HTTP/1.1 over a real socket, for framing tests that no well-behaved client would send.
import { connect } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RawResult {
  /** Everything the server sent, latin1. */
  text: string;
  /** The server closed the connection within the wait. */
  closed: boolean;
  /** Status codes of every response seen, in order. */
  statuses: number[];
  ms: number;
}

/** Sends `parts` (a pause of `gapMs` between them) and collects what comes back for up to `waitMs`. */
export function rawExchange(url: string, parts: Array<string | Buffer>, opts: { waitMs?: number; gapMs?: number } = {}): Promise<RawResult> {
  const { port, hostname } = new URL(url);
  const waitMs = opts.waitMs ?? 1500;
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = connect(Number(port), hostname);
    let text = '';
    let closed = false;
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
      resolve({ text, closed, statuses, ms: Date.now() - t0 });
    };
    const timer = setTimeout(done, waitMs);
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => {
      closed = true;
      done();
    });
    let i = 0;
    const next = () => {
      if (i >= parts.length || s.destroyed) return;
      s.write(parts[i++]);
      if (i < parts.length) setTimeout(next, opts.gapMs ?? 50);
    };
    s.on('connect', next);
  });
}

export interface AuditLine {
  kind: string;
  seq: number;
  requestId: string | null;
  decision: string | null;
  status: number | null;
  error: string | null;
  aborted?: boolean;
  [k: string]: unknown;
}

/** Every record in an audit directory, in file and line order. */
export function auditRecords(dir: string): AuditLine[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
  return files.flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditLine),
  );
}
