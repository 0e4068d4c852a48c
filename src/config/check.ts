// Tiny typed readers for validating plain objects with exact messages (`server.port: expected an integer`).

import { ConfigError, type Problem } from './problems.js';

export { ConfigError };

/** `['identity', 'issuers[0]', 'audience']` → `['identity', 'issuers', 0, 'audience']` */
export const splitPath = (path: string[]): Array<string | number> =>
  path.flatMap((k) => {
    const m = /^(.+)\[(\d+)\]$/.exec(k);
    return m ? [m[1], Number(m[2])] : /^\d+$/.test(k) ? [Number(k)] : [k];
  });

export class Reader {
  readonly problems: Problem[] = [];
  constructor(
    private readonly lineOf: (path: string[]) => number | undefined = () => undefined,
    private readonly file = '',
    private readonly sink?: (path: string[], message: string) => void,
  ) {}

  fail(path: string[], message: string): void {
    if (this.sink) return this.sink(path, message);
    const line = this.lineOf(path);
    this.problems.push({ ...(this.file ? { file: this.file } : {}), ...(line ? { line } : {}), path: splitPath(path), message });
  }

  /** Reads an object, rejecting keys not in `known`. */
  obj(v: unknown, path: string[], known: readonly string[]): Record<string, unknown> {
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.fail(path, 'expected a mapping');
      return {};
    }
    for (const k of Object.keys(v)) if (!known.includes(k)) this.fail([...path, k], `unknown key (expected one of: ${known.join(', ')})`);
    return v as Record<string, unknown>;
  }

  str(v: unknown, path: string[], def?: string): string {
    if (v === undefined || v === null) {
      if (def === undefined) this.fail(path, 'is required');
      return def ?? '';
    }
    if (typeof v !== 'string') {
      this.fail(path, 'expected a string');
      return def ?? '';
    }
    return v;
  }

  optStr(v: unknown, path: string[]): string | undefined {
    return v === undefined || v === null ? undefined : this.str(v, path);
  }

  int(v: unknown, path: string[], def: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    if (v === undefined || v === null) return def;
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      this.fail(path, 'expected an integer');
      return def;
    }
    if (n < min || n > max) {
      this.fail(path, `must be between ${min} and ${max}`);
      return def;
    }
    return n;
  }

  bool(v: unknown, path: string[], def: boolean): boolean {
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') {
      this.fail(path, 'expected true or false');
      return def;
    }
    return v;
  }

  oneOf<T extends string>(v: unknown, path: string[], options: readonly T[], def?: T): T {
    if ((v === undefined || v === null) && def !== undefined) return def;
    if (typeof v !== 'string' || !options.includes(v as T)) {
      this.fail(path, `expected one of: ${options.join(', ')}`);
      return def ?? options[0];
    }
    return v as T;
  }

  arr(v: unknown, path: string[]): unknown[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.fail(path, 'expected a list');
      return [];
    }
    return v;
  }

  strMap(v: unknown, path: string[]): Record<string, string> {
    const o = this.obj(v, path, Object.keys((v as object) ?? {}));
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(o)) out[k] = this.str(x, [...path, k]);
    return out;
  }

  done(): void {
    if (this.problems.length) throw new ConfigError(this.problems);
  }
}
