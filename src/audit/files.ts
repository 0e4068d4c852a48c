// Audit file naming and listing: `audit-<UTC timestamp>.jsonl`, fixed width, so name order is write order.
import { readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

const NAME = /^audit-(\d{8}T\d{9}Z)\.jsonl$/;

export function isAuditFile(name: string): boolean {
  return NAME.test(name);
}

export function stampOf(date: Date): string {
  // 2025-01-02T03:04:05.678Z → 20250102T030405678Z
  return date.toISOString().replace(/[-:.]/g, '');
}

/** Time encoded in a file name (used for age-based rotation of a reopened file). */
export function timeOfName(name: string): number {
  const m = NAME.exec(name);
  if (!m) return Number.NaN;
  const s = m[1];
  const iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.slice(15, 18)}Z`;
  return Date.parse(iso);
}

/** A name strictly after `after` (clock steps back or two rotations in one millisecond still sort correctly). */
export function nextFileName(now: Date, after: string | undefined): string {
  let t = now.getTime();
  if (after !== undefined) t = Math.max(t, timeOfName(after) + 1);
  return `audit-${stampOf(new Date(t))}.jsonl`;
}

export function listAuditFilesSync(dir: string): string[] {
  return readdirSync(dir).filter(isAuditFile).sort();
}

export async function listAuditFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter(isAuditFile).sort();
}

export function auditPath(dir: string, name: string): string {
  return join(dir, name);
}
