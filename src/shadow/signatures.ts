// Literal anchors for header and body signatures, found in one pass by the inspection engine — the same
// WASM matcher that masks request bodies — through a profile of `report`-only keyword detectors.
import { createHash } from 'node:crypto';
import type { InspectionProfile, KeywordDetector } from '../inspect/api.js';

export interface AnchorMatcher {
  /** Each anchor occurrence found in `bytes` (by index into `anchors`), with its byte offset. */
  find(bytes: Uint8Array): Array<{ anchor: number; start: number }>;
  readonly anchors: readonly string[];
}

interface Engine {
  inspect(req: { body: Uint8Array; contentType: 'json' | 'text'; profile: InspectionProfile; session: string }): {
    findings: Array<{ detector: string; start: number }>;
  };
}
type EngineFactory = (profile: InspectionProfile) => Engine;

// The engine module is written in parallel with this one; until it lands, a JS substring scan stands in.
const ENGINE_MODULE = '../inspect/engine.js';
const createEngine: EngineFactory | undefined = await import(ENGINE_MODULE).then(
  (m: { createEngine?: EngineFactory }) => m.createEngine,
  () => undefined,
);

/** Anchors are matched case-insensitively; pass them lower-cased. */
export function createAnchorMatcher(anchors: readonly string[]): AnchorMatcher {
  const keywords: KeywordDetector[] = anchors.map((a, i) => ({
    id: `shadow.${i}`,
    type: 'shadow_signature',
    keywords: [a],
    caseInsensitive: true,
    wholeWord: false,
    action: 'report',
  }));
  const profile: InspectionProfile = {
    key: `shadow:${createHash('sha256').update(JSON.stringify(anchors)).digest('hex').slice(0, 32)}`,
    builtins: [],
    custom: [],
    keywords,
    // `report` never hashes or tokenizes; the engine still expects a key.
    secret: '00',
  };
  const implied = impliedAnchors(anchors);
  const scan = createEngine ? engineScan(createEngine(profile), profile) : substringScan(anchors);
  return {
    anchors,
    find: function findAnchors(bytes) {
      const hits = scan(bytes);
      // A non-overlapping matcher reports `bearer sk-` but not a shorter anchor inside it; add those back.
      const extra: Array<{ anchor: number; start: number }> = [];
      for (const h of hits) for (const i of implied[h.anchor]) extra.push({ anchor: i, start: h.start });
      return extra.length ? hits.concat(extra) : hits;
    },
  };
}

function engineScan(engine: Engine, profile: InspectionProfile): (bytes: Uint8Array) => Array<{ anchor: number; start: number }> {
  return function engineAnchors(bytes) {
    const { findings } = engine.inspect({ body: bytes, contentType: 'text', profile, session: 'shadow' });
    return findings.map((f) => ({ anchor: Number(f.detector.slice(7)), start: f.start }));
  };
}

function substringScan(anchors: readonly string[]): (bytes: Uint8Array) => Array<{ anchor: number; start: number }> {
  const needles = anchors.map((a) => Buffer.from(a, 'latin1'));
  return function substringAnchors(bytes) {
    const hay = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1').toLowerCase();
    const out: Array<{ anchor: number; start: number }> = [];
    needles.forEach((n, i) => {
      const at = hay.indexOf(n.toString('latin1'));
      if (at >= 0) out.push({ anchor: i, start: at });
    });
    return out;
  };
}

/** For each anchor, the other anchors it contains (found inside it whenever it is found). */
function impliedAnchors(anchors: readonly string[]): number[][] {
  return anchors.map((a, i) => anchors.flatMap((b, j) => (j !== i && b.length < a.length && a.includes(b) ? [j] : [])));
}
