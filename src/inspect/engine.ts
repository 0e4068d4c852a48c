// The inspection engine: createEngine(profile) compiles once (cached by profile.key) and inspects
// whole bodies synchronously — inline on the main thread or inside a pool worker, same code.
import type { Finding, FindingSummary } from '../types.js';
import type { AuditCopies, InspectionProfile, InspectRequest, InspectResult, IssuedToken, RequestMeta, TextScanner } from './api.js';
import { getMatcher, type Matcher } from './matcher.js';
import { compileProfile, type CompiledProfile } from './compile.js';
import { findMatches, type Match } from './find.js';
import { JsonMap, applyEdits, type Edit } from './json-map.js';
import { readMeta } from './meta.js';
import { replacement, rewrites } from './actions.js';
import { createStreamScanner } from './stream.js';
import { leaked, leakProfile, strictProfile } from './audit-profiles.js';

export interface InspectionEngine {
  readonly key: string;
  /** Bytes a stream scanner may hold back at most. */
  readonly holdBack: number;
  inspect(req: Omit<InspectRequest, 'profile'> & { profile?: InspectionProfile }): InspectResult;
  createTextScanner(opts?: { holdBack?: number; session?: string }): TextScanner & { tokens: IssuedToken[] };
}

const CACHE_LIMIT = 64;
const cache = new Map<string, InspectionEngine>();
const decoder = new TextDecoder();

export function createEngine(profile: InspectionProfile): InspectionEngine {
  const hit = cache.get(profile.key);
  if (hit) {
    // Refresh LRU position.
    cache.delete(profile.key);
    cache.set(profile.key, hit);
    return hit;
  }
  const engine = buildEngine(compileProfile(profile));
  cache.set(profile.key, engine);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return engine;
}

/**
 * The copies of a masked body the audit record may keep, made here (in the pool's worker for large bodies) so the
 * main thread never scans a large body again. Each is one more pass over the masked body, where what was rewritten
 * is already gone: usually a walk and a scan that find nothing, and then the masked body itself.
 */
function auditCopies(profile: InspectionProfile, r: InspectResult, contentType: 'json' | 'text', session: string): AuditCopies {
  const copy = (p: InspectionProfile): Uint8Array => createEngine(p).inspect({ body: r.body, contentType, session }).body;
  return { leak: leaked(r.summary, profile) ? copy(leakProfile(profile)) : r.body, strict: copy(strictProfile(profile)) };
}

function summaryOf(c: CompiledProfile, counts: Map<number, number>): FindingSummary[] {
  const out: FindingSummary[] = [];
  for (const [code, count] of counts) {
    const slot = c.slots.get(code)!;
    const same = out.find((s) => s.detector === slot.id && s.action === slot.action);
    if (same) same.count += count;
    else out.push({ detector: slot.id, type: slot.type, action: slot.action, count });
  }
  return out;
}

/** createEngine(req.profile).inspect(req). */
export function inspectBody(req: InspectRequest): InspectResult {
  return createEngine(req.profile).inspect(req);
}

function buildEngine(c: CompiledProfile): InspectionEngine {
  return {
    key: c.key,
    holdBack: c.holdBack,
    inspect: function inspect(req) {
      const result = inspectWith(c, getMatcher(), req.body, req.contentType, req.session);
      if (req.auditCopies && req.profile) result.audit = auditCopies(req.profile, result, req.contentType, req.session);
      return result;
    },
    createTextScanner: function createTextScanner(opts = {}) {
      // A configured hold-back may raise the engine's, never lower it: below the longest match (PEM keys, JWTs)
      // a secret split across deltas would be released before it is complete.
      return createStreamScanner(c, opts.session ?? '', Math.max(opts.holdBack ?? 0, c.holdBack));
    },
  };
}

interface Sink {
  findings: Finding[];
  edits: Edit[];
  tokens: IssuedToken[];
  /** Findings per matcher code (one slot each): the summary without a string key per finding. */
  counts: Map<number, number>;
}

/** Findings and edits for selected matches; `place` maps a scan span to body edits. */
function collect(c: CompiledProfile, text: Uint8Array, matches: Match[], session: string, place: (m: Match, r: string | null) => { start: number; end: number; edits: Edit[] }): Sink {
  const sink: Sink = { findings: [], edits: [], tokens: [], counts: new Map() };
  let last = 0;
  for (const m of matches) {
    const slot = c.slots.get(m.code)!;
    const repl = rewrites(slot.action) ? replacement(slot, decoder.decode(text.subarray(m.start, m.end)), c.hmacKey, session, sink.tokens) : null;
    const p = place(m, repl);
    sink.findings.push({ detector: slot.id, type: slot.type, action: slot.action, start: p.start, end: p.end });
    sink.counts.set(m.code, (sink.counts.get(m.code) ?? 0) + 1);
    for (const e of p.edits) {
      if (e.start < last) continue;
      sink.edits.push(e);
      last = e.end;
    }
  }
  return sink;
}

export function inspectWith(c: CompiledProfile, m: Matcher, body: Uint8Array, contentType: 'json' | 'text', session: string): InspectResult {
  m.use(c.table);
  const inPtr = m.loadBytes(body);
  let meta: RequestMeta = { validJson: false };
  let sink: Sink;
  const walk = contentType === 'json' ? m.walkJson(body.length) : { length: -1 };
  if (walk.length >= 0) {
    const atoms = m.jsonAtoms();
    const events = m.jsonMeta();
    const found = findMatches(c, m, m.textPtr(), walk.length, false);
    const text = m.bytes().subarray(m.textPtr(), m.textPtr() + walk.length);
    const map = new JsonMap(atoms, found.matches.length > 0 ? m.jsonTokens() : new Uint32Array(0));
    sink = collect(c, text, found.matches, session, (x, r) => ({
      start: map.origStart(x.start),
      end: map.origEnd(x.end),
      edits: r === null ? [] : map.edits(x.start, x.end, r),
    }));
    meta = readMeta(events, body);
  } else {
    // Not JSON (or not valid JSON): still scanned, as text.
    const found = findMatches(c, m, inPtr, body.length, false);
    const text = m.bytes().subarray(inPtr, inPtr + body.length);
    sink = collect(c, text, found.matches, session, (x, r) => ({
      start: x.start,
      end: x.end,
      edits: r === null ? [] : [{ start: x.start, end: x.end, text: r }],
    }));
  }
  const changed = sink.edits.length > 0;
  return { body: changed ? applyEdits(body, sink.edits) : body, changed, findings: sink.findings, summary: summaryOf(c, sink.counts), tokens: sink.tokens, meta };
}
