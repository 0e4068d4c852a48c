// Keyword/phrase detectors and custom-detector anchors become literal anchors of the matcher.
import type { CustomPatternDetector, KeywordDetector } from '../api.js';
import { AnchorFlag as F, AnchorKind as K, type AnchorSpec } from './types.js';

const wordChar = /[A-Za-z0-9_]/;

export function keywordAnchors(det: KeywordDetector): AnchorSpec[] {
  return det.keywords.map((text) => {
    let flags = det.caseInsensitive ? F.caseInsensitive : 0;
    // Whole words by default for alphabetic edges: "export" must not fire inside "exporter".
    if (det.wholeWord !== false) {
      if (wordChar.test(text[0] ?? '')) flags |= F.wordBefore;
      if (wordChar.test(text[text.length - 1] ?? '')) flags |= F.wordAfter;
    }
    return { text, kind: K.keyword, flags };
  });
}

export function customAnchors(det: CustomPatternDetector): AnchorSpec[] {
  const ci = (det.flags ?? '').includes('i');
  return (det.anchors ?? []).map((text) => ({ text, kind: K.custom, flags: ci ? F.caseInsensitive : 0 }));
}
