import type { Budgets } from './check.js';
import type { SweepAxis } from './sweep-spec.js';
export const USAGE: string;
export interface BenchOptions {
  help: boolean;
  quick: boolean;
  rates: number[];
  durationMs: number;
  connections: number;
  streams: number;
  latencyMs: number;
  targets: string[];
  micro: boolean;
  macro: boolean;
  repeat: number;
  peers: boolean;
  soak: boolean;
  soakMinutes: number;
  soakRate: number;
  check: boolean;
  budgets: Budgets;
  sweep: SweepAxis[] | undefined;
  /** `--threads 1,2`: server.threads settings measured after the macro rounds. */
  threads: number[] | undefined;
  /** `--db URL` or $SLUICE_AUDIT_DB: the audit store phase (bench/lib/audit-store.js) runs when set. */
  auditDb: string | undefined;
}
export function parseBenchArgs(argv: string[]): BenchOptions;
