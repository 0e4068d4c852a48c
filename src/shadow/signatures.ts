// Literal anchors for header and body signatures, found in one pass by the inspection engine — the same
// WASM matcher that masks request bodies — through a profile of `report`-only keyword detectors.
import { createHash } from 'node:crypto';
import type { InspectionProfile, KeywordDetector } from '../inspect/api.js';
import { createEngine } from '../inspect/engine.js';

export interface AnchorMatcher {
  /** Each anchor occurrence found in `bytes` (by index into `anchors`), with its byte offset. */
  find(bytes: Uint8Array): Array<{ anchor: number; start: number }>;
  readonly anchors: readonly string[];
}

const PREFIX = 'shadow.';

/** Anchors are matched case-insensitively; pass them lower-cased. */
export function createAnchorMatcher(anchors: readonly string[]): AnchorMatcher {
  const keywords: KeywordDetector[] = anchors.map((a, i) => ({
    id: `${PREFIX}${i}`,
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
  const engine = createEngine(profile);
  return {
    anchors,
    find: function findAnchors(bytes) {
      const { findings } = engine.inspect({ body: bytes, contentType: 'text', session: 'shadow' });
      const hits = findings.map((f) => ({ anchor: Number(f.detector.slice(PREFIX.length)), start: f.start }));
      // A non-overlapping matcher reports `bearer sk-` but not a shorter anchor inside it; add those back.
      const extra: Array<{ anchor: number; start: number }> = [];
      for (const h of hits) for (const i of implied[h.anchor]) extra.push({ anchor: i, start: h.start });
      return extra.length ? hits.concat(extra) : hits;
    },
  };
}

/** For each anchor, the other anchors it contains (found inside it whenever it is found). */
function impliedAnchors(anchors: readonly string[]): number[][] {
  return anchors.map((a, i) => anchors.flatMap((b, j) => (j !== i && b.length < a.length && a.includes(b) ? [j] : [])));
}
