// Per-stream masking state: one scanner (plus restore stage) per choice/content block and field.
// Released text flows scanner → audit tap (masked, never restored) → restore → client.
import type { Finding } from '../types.js';
import type { TextScanner } from '../inspect/api.js';
import { createRestoreStage, type RestoreFn, type RestoreStage } from './restore.js';

export type MaskText = (s: string) => { out: string; findings: Finding[] };

export interface MaskingOptions {
  /** A fresh streaming scanner for one field of the response. */
  newScanner: () => TextScanner;
  /** Replaces Sluice-issued tokens with their original values (only when policy allows restore). */
  restore?: RestoreFn;
  /** Longest token `restore` can recognise, `<` and `>` included. Default 64. */
  maxTokenChars?: number;
  /** Findings as they are made (types for audit/metrics; no raw values). */
  onFindings?: (findings: Finding[]) => void;
  /** Masked text as released, before restore: what the audit record may keep. */
  onText?: (masked: string) => void;
}

export interface FieldStream {
  push(text: string): string;
  end(): string;
}

export interface Flushed<T> {
  key: string;
  meta: T;
  text: string;
}

export interface FieldSet<T = undefined> {
  /**
   * The stream for `key`, created on first use. `json` marks the inside of a JSON string; `meta`
   * is kept with the stream and handed back by `flush` (what a synthesized event needs).
   */
  get(key: string, json: boolean, meta?: T): FieldStream;
  /** Ends and forgets every stream whose key starts with `prefix`, in creation order. */
  flush(prefix: string): Array<Flushed<T>>;
  /** One-shot masking (and restore) of a complete text, for `.done` events and whole objects. */
  once(text: string, json: boolean): string;
  readonly size: number;
}

export function createFieldSet<T = undefined>(opts: MaskingOptions): FieldSet<T> {
  const streams = new Map<string, { stream: FieldStream; meta: T }>();
  const maxTokenChars = opts.maxTokenChars ?? 64;

  function report(r: { out: string; findings: Finding[] }): string {
    if (r.findings.length > 0) opts.onFindings?.(r.findings);
    if (r.out !== '') opts.onText?.(r.out);
    return r.out;
  }

  function create(json: boolean): FieldStream {
    const scanner = opts.newScanner();
    const restore: RestoreStage | undefined =
      opts.restore === undefined ? undefined : createRestoreStage(opts.restore, { json, maxTokenChars });
    return {
      push: function pushField(text) {
        const out = report(scanner.push(text));
        return restore === undefined ? out : restore.push(out);
      },
      end: function endField() {
        const out = report(scanner.end());
        return restore === undefined ? out : restore.push(out) + restore.end();
      },
    };
  }

  return {
    get: function getField(key, json, meta) {
      let s = streams.get(key);
      if (s === undefined) {
        s = { stream: create(json), meta: meta as T };
        streams.set(key, s);
      }
      return s.stream;
    },
    flush: function flushFields(prefix) {
      const out: Array<Flushed<T>> = [];
      for (const [key, s] of streams) {
        if (!key.startsWith(prefix)) continue;
        streams.delete(key);
        out.push({ key, meta: s.meta, text: s.stream.end() });
      }
      return out;
    },
    once: function maskOnce(text, json) {
      const s = create(json);
      return s.push(text) + s.end();
    },
    get size() {
      return streams.size;
    },
  };
}
