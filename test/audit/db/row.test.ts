// shipRowOf() (the shipper's columns without parsing the bodies) against rowOf() (JSON.parse of the whole line), on
// lines sealed as the writer seals them, including bodies that spell the markers shipRowOf() searches for.
import { describe, expect, it, vi } from 'vitest';
import { normalize, seal } from '../../../src/audit/seal.js';
import { GENESIS_HASH, type AuditRecordInput } from '../../../src/audit/record.js';
import { rowOf, shipRowOf } from '../../../src/audit/db/row.js';

const now = new Date('2024-05-01T12:00:00.000Z');
const marker = '},"requestId":"x","response":{"bytes":1},"route":"r","seq":7,"prev":"' + 'f'.repeat(64) + '","request":{';

function sealed(input: AuditRecordInput | Parameters<typeof normalize>[0], seq = 5): Buffer {
  const line = seal(normalize(input, now), seq, 'a'.repeat(64)).line;
  return Buffer.from(line.subarray(0, line.length - 1)); // without the newline, as the shipper cuts it
}

const base: AuditRecordInput = {
  kind: 'exchange',
  requestId: 'req-1',
  identity: { subject: 'ann', groups: ['g'], job: 'spark', session: 's1' },
  model: 'gpt-4o-mini',
  decision: 'masked',
  findings: [
    { detector: 'card', type: 'pii', action: 'mask', count: 2 },
    { detector: 'email', type: 'pii', action: 'mask', count: 1 },
    { detector: 'card', type: 'pii', action: 'mask', count: 1 },
  ],
  status: 200,
};

const cases: Array<{ name: string; input: AuditRecordInput | Parameters<typeof normalize>[0] }> = [
  { name: 'an exchange with text bodies', input: { ...base, request: { mode: 'full', bytes: 20, text: '{"messages":[{"role":"user","content":"hi"}]}' }, response: { mode: 'truncated', bytes: 9000, text: 'ok\n\t"quoted"\\' } } },
  { name: 'bodies spelling every marker', input: { ...base, request: { mode: 'full', bytes: 1, text: marker }, response: { mode: 'full', bytes: 1, text: marker + marker } } },
  { name: 'raw (undecoded) bodies with markers and non-ASCII', input: { ...base, request: { mode: 'full', bytes: 1, raw: Buffer.from(`{"a":"${marker} é 😀"}`) }, response: { mode: 'full', bytes: 1, raw: Buffer.from('{"choices":[]}') } } },
  { name: 'no identity, no bodies, no status', input: { kind: 'auth_failure', requestId: null, status: null } },
  { name: 'detail, routing and cost around the markers', input: { ...base, detail: { prev: 'x', route: 'y', requestId: 'z' }, routing: { logical: 'm', connection: 'c', model: 'm', attempts: [] }, cost: { amount: 1, currency: 'USD', price: 'p' } } },
  { name: 'a checkpoint', input: { kind: 'checkpoint', checkpoint: { seq: 4, hash: 'b'.repeat(64), kid: 'k1', jws: 'e.y.j' } } },
];

describe('shipRowOf', () => {
  it.each(cases)('$name: the columns rowOf() parses, the line byte for byte', ({ input }) => {
    const line = sealed(input);
    const full = rowOf(line.toString('utf8'));
    expect(full).toBeDefined();
    const { line: text, ...columns } = full!;
    const parse = vi.spyOn(JSON, 'parse');
    const row = shipRowOf(line);
    // The bodies were cut out, not parsed: one parse, of the rest.
    const parsed = parse.mock.calls.map((c) => String(c[0]));
    parse.mockRestore();
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).not.toContain('"request":');
    expect(parsed[0]).not.toContain('"response":');
    expect(row).toEqual({ ...columns, bytes: line });
    expect(row!.bytes.toString('utf8')).toBe(text);
  });

  it('a line of another shape (keys in another order) still gets its columns, by the full parse', () => {
    const line = Buffer.from(JSON.stringify({ seq: 3, time: now.toISOString(), kind: 'exchange', prev: GENESIS_HASH, hash: 'c'.repeat(64), status: 201, request: { text: 'x' } }));
    const row = shipRowOf(line);
    expect(row).toMatchObject({ seq: 3, kind: 'exchange', status: 201, prev: GENESIS_HASH, bytes: line });
  });

  it('invalid UTF-8 is sent as rowOf() decodes it (replacement characters), which PostgreSQL accepts', () => {
    const good = sealed({ ...base, request: { mode: 'full', bytes: 2, text: 'AB' } });
    const at = good.indexOf('AB');
    const bad = Buffer.from(good);
    bad[at] = 0xff;
    const row = shipRowOf(bad);
    expect(row?.bytes.toString('utf8')).toBe(bad.toString('utf8'));
    expect(row?.bytes.includes(0xff)).toBe(false);
  });

  it('not a record: undefined', () => {
    expect(shipRowOf(Buffer.from('{"seq":1'))).toBeUndefined();
    expect(shipRowOf(Buffer.from('{"seq":1,"prev":"' + 'a'.repeat(64) + '","request":{}}\u0000'))).toBeUndefined();
    expect(shipRowOf(Buffer.from('[]'))).toBeUndefined();
  });
});
