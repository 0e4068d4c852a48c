import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalize, sha256Hex } from '../../src/audit/canonical.js';
import { canonicalRecord } from '../../src/audit/serialize.js';
import { captureBytes } from '../../src/audit/record.js';
import { normalize, seal } from '../../src/audit/seal.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { loadPublicKey } from '../../src/audit/keys.js';
import { createAuditWriter } from '../../src/audit/writer.js';
import { auditFiles, fileLines, memoryLogger, sampleRecord, tmpDir } from './helpers.js';

// Written by the writer before the fixed-shape serializer (recursive canonicalize, string lines): checkpoints
// signed with the key whose public half sits beside it, records of every kind, escapes and non-ASCII text.
const FIXTURE = join(import.meta.dirname, 'fixtures/v1-log');
const fixtureLines = () => {
  const dir = join(FIXTURE, 'log');
  return readdirSync(dir).flatMap((f) => fileLines(join(dir, f)));
};

/** The seal of before this change, verbatim: the reference the fast path must match byte for byte. */
function referenceLine(body: object, seq: number, prev: string): string {
  const canonical = canonicalize({ ...body, seq, prev });
  return `${canonical.slice(0, -1)},"hash":"${sha256Hex(canonical)}"}\n`;
}

describe('fixed-shape record serialization', () => {
  it('re-seals every record of a log written before it to the same bytes', () => {
    const lines = fixtureLines();
    expect(lines.length).toBeGreaterThan(6);
    for (const line of lines) {
      const { seq, prev, hash, ...body } = JSON.parse(line);
      const sealed = seal(body, seq, prev);
      expect(sealed.hash).toBe(hash);
      expect(sealed.line.toString('utf8')).toBe(`${line}\n`);
    }
  });

  it('leaves that log verifiable, and a writer continuing it keeps one valid chain', async () => {
    const publicKey = loadPublicKey(join(FIXTURE, 'pub.pem'));
    const before = await verifyAuditLog({ dir: join(FIXTURE, 'log'), publicKey });
    expect(before).toMatchObject({ ok: true, errors: 0 });
    expect(before.signaturesVerified).toBeGreaterThan(0);

    const dir = join(tmpDir(), 'log');
    cpSync(join(FIXTURE, 'log'), dir, { recursive: true });
    const w = createAuditWriter({ dir, logger: memoryLogger() });
    for (let i = 1; i <= 5; i++) w.append(sampleRecord(i));
    await w.close();
    const after = await verifyAuditLog({ dir, publicKey });
    expect(after).toMatchObject({ ok: true, errors: 0, records: before.records + 5 });
    expect(auditFiles(dir).length).toBeGreaterThan(0);
  });

  it('matches the generic canonicalizer on normalized records of any content', () => {
    const text = fc.string({ unit: 'binary', maxLength: 80 });
    const num = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(-0));
    const capture = fc.record({ mode: fc.constantFrom('full', 'truncated', 'none'), bytes: fc.nat(), text }, { requiredKeys: ['mode', 'bytes'] });
    const draft = fc.record(
      {
        kind: fc.constantFrom('exchange', 'auth_failure', 'shadow', 'gap'),
        time: text,
        requestId: fc.option(text),
        identity: fc.option(fc.record({ subject: text, groups: fc.array(text, { maxLength: 3 }), job: fc.option(text), session: text })),
        source: fc.option(text),
        model: fc.option(text),
        stream: fc.option(fc.boolean()),
        justification: fc.option(text),
        findings: fc.array(fc.record({ detector: text, type: text, action: fc.constantFrom('mask', 'redact', 'block'), count: fc.nat() }), { maxLength: 3 }),
        request: capture,
        response: capture,
        usage: fc.option(fc.record({ input: num, output: num, total: num }, { requiredKeys: [] })),
        status: fc.option(fc.integer({ min: 100, max: 599 })),
        aborted: fc.boolean(),
        latency: fc.option(fc.record({ authMs: fc.option(num), inspectMs: fc.option(num), upstreamMs: fc.option(num), approvalMs: fc.option(num), totalMs: fc.option(num), overheadMs: fc.option(num) })),
        detail: fc.option(fc.dictionary(text, fc.oneof(text, fc.integer(), fc.boolean()), { maxKeys: 4 })),
      },
      { requiredKeys: ['kind'] },
    );
    fc.assert(
      fc.property(draft, fc.nat(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }), (d, seq, prev) => {
        const body = normalize(d as Parameters<typeof normalize>[0], new Date(0));
        expect(canonicalRecord(body, seq, prev)).toBe(canonicalize({ ...body, seq, prev }));
        expect(seal(body, seq, prev).line.toString('utf8')).toBe(referenceLine(body, seq, prev));
      }),
      { numRuns: 200 },
    );
  });

  it('writes a body kept as bytes exactly as the JSON string of its decoded text', () => {
    const decoder = new TextDecoder('utf-8', { fatal: false });
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 100 }).map((t) => new Uint8Array(Buffer.from(t))),
      fc.string({ unit: 'binary', maxLength: 40 }).map((t) => new Uint8Array(Buffer.from(`\ufeff${t}`))),
    );
    const opts = fc.record({ mode: fc.constantFrom('full' as const, 'truncated' as const, 'none' as const), truncateBytes: fc.integer({ min: 1, max: 120 }) });
    fc.assert(
      fc.property(bytes, opts, (b, o) => {
        const kept = captureBytes(b, o);
        // What the record meant before bytes could be kept: the decoded text (cut at the same boundary).
        const asText = kept.raw ? { mode: kept.mode, bytes: kept.bytes, text: decoder.decode(kept.raw) } : kept;
        const body = normalize({ kind: 'exchange', request: kept, response: kept }, new Date(0));
        const textual = normalize({ kind: 'exchange', request: asText, response: asText }, new Date(0));
        expect(seal(body, 3, '0'.repeat(64)).line.toString('utf8')).toBe(referenceLine(textual, 3, '0'.repeat(64)));
        expect(canonicalRecord(body, 3, '0'.repeat(64))).toBe(canonicalize({ ...textual, seq: 3, prev: '0'.repeat(64) }));
        // A body the decoder would alter (invalid UTF-8, a BOM) is decoded up front instead.
        if (kept.raw) expect(Buffer.compare(Buffer.from(decoder.decode(kept.raw)), Buffer.from(kept.raw))).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('decodes kept bytes whenever the record takes the generic path', () => {
    const raw = new Uint8Array(Buffer.from('{"a":"\u00e9\n"}'));
    const body = { ...normalize({ kind: 'exchange', request: { mode: 'full', bytes: raw.length, raw } }, new Date(0)), extra: 1 };
    const textual = { ...body, request: { mode: 'full', bytes: raw.length, text: new TextDecoder().decode(raw) } };
    expect(canonicalRecord(body, 1, 'x')).toBe(canonicalize({ ...textual, seq: 1, prev: 'x' }));
    expect(seal(body as never, 1, 'x').line.toString()).toBe(referenceLine(textual, 1, 'x'));
  });

  it.each([
    ['an unknown top-level member', (b: Record<string, unknown>) => Object.assign(b, { extra: { z: 1, a: [2] } })],
    ['an unknown member in a nested shape', (b: Record<string, unknown>) => Object.assign(b, { identity: { subject: 's', groups: [], job: null, session: 'x', tenant: 't' } })],
    ['a value of another type than expected', (b: Record<string, unknown>) => Object.assign(b, { status: 'teapot', usage: { input: { deep: true } }, findings: 'none' })],
    ['a member that is undefined', (b: Record<string, unknown>) => Object.assign(b, { model: undefined, latency: { totalMs: undefined, authMs: 1 } })],
  ])('falls back to the generic form for %s', (_name, edit) => {
    const body = edit({ ...normalize(sampleRecord(3), new Date(0)) }) as object;
    expect(canonicalRecord(body, 7, 'ab'.repeat(32))).toBe(canonicalize({ ...body, seq: 7, prev: 'ab'.repeat(32) }));
  });

  it('refuses what canonicalize refuses', () => {
    const body = { ...normalize(sampleRecord(1), new Date(0)), latency: { totalMs: Number.NaN } };
    expect(() => canonicalRecord(body, 1, '0'.repeat(64))).toThrow(/Cannot canonicalize/);
    expect(() => canonicalRecord({ ...body, latency: null, findings: [undefined] }, 1, '0'.repeat(64))).toThrow(/Cannot canonicalize/);
  });

  it('keeps each sealed line intact when records outgrow a slab', () => {
    const big = { ...normalize(sampleRecord(1), new Date(0)), request: { mode: 'full' as const, bytes: 200_000, text: 'é'.repeat(100_000) } };
    const body = (i: number) => (i % 100 === 0 ? big : normalize(sampleRecord(i), new Date(0)));
    // ~700 bytes each: several 256 KiB slabs, with huge records (a buffer of their own) in between.
    const sealed = Array.from({ length: 1200 }, (_, i) => seal(body(i), i + 1, '0'.repeat(64)));
    sealed.forEach((s, i) => expect(s.line.toString('utf8')).toBe(referenceLine(body(i), i + 1, '0'.repeat(64))));
  });
});
