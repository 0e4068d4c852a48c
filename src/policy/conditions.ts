// Does an approve/block condition hold? Triggers of different kinds must all hold (AND);
// within one kind any listed entry suffices (OR). Keywords and regexes are read from the findings of
// the detectors generated for them, or from the prompt text when the caller passes it.
import { anyGlob } from './glob.js';
import type { CompiledCondition } from './types.js';

export interface ConditionInput {
  /** Finding counts by detector id. */
  found: ReadonlyMap<string, number>;
  model?: string;
  tools?: readonly string[];
  promptText?: string;
}

/** Returns the reasons it holds (one per trigger kind), or undefined when it does not. */
export function conditionHolds(c: CompiledCondition, input: ConditionInput): string[] | undefined {
  const because: string[] = [];
  if (c.detectors.length > 0) {
    const hit = c.detectors.filter((id) => (input.found.get(id) ?? 0) > 0);
    if (hit.length === 0) return undefined;
    because.push(`detector ${hit.map((id) => `${id}×${input.found.get(id)}`).join(', ')} found`);
  }
  if (c.keywords.length > 0) {
    const r = keywordsHold(c, input);
    if (!r) return undefined;
    because.push(r);
  }
  if (c.regexDetectors.length > 0) {
    const hit = c.regexDetectors.findIndex((d, j) => (input.found.get(d.id) ?? 0) > 0 || (input.promptText !== undefined && c.regexTests[j](input.promptText)));
    if (hit === -1) return undefined;
    because.push(`prompt matches pattern #${hit + 1}`);
  }
  if (c.models.length > 0) {
    if (input.model === undefined || !anyGlob(c.models, input.model)) return undefined;
    because.push(`model "${input.model}" is listed`);
  }
  if (c.tools.length > 0) {
    const hit = (input.tools ?? []).filter((t) => anyGlob(c.tools, t));
    if (hit.length === 0) return undefined;
    because.push(`tool ${hit.map((t) => `"${t}"`).join(', ')} requested`);
  }
  return because;
}

function keywordsHold(c: CompiledCondition, input: ConditionInput): string | undefined {
  const id = c.keywordDetector?.id;
  if (id !== undefined && (input.found.get(id) ?? 0) > 0) return 'prompt contains a listed keyword';
  if (input.promptText === undefined) return undefined;
  const kw = c.keywords.find((k) => containsKeyword(input.promptText as string, k));
  return kw === undefined ? undefined : `prompt contains "${kw}"`;
}

const WORD = /[\p{L}\p{N}_]/u;

/** Case-insensitive; whole-word at an edge that is a word character (the engine's default for keywords). */
export function containsKeyword(text: string, keyword: string): boolean {
  const hay = text.toLowerCase();
  const needle = keyword.toLowerCase();
  const wordStart = WORD.test(needle[0]);
  const wordEnd = WORD.test(needle[needle.length - 1]);
  for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + 1)) {
    const before = i > 0 ? hay[i - 1] : '';
    const after = hay[i + needle.length] ?? '';
    if (wordStart && before && WORD.test(before)) continue;
    if (wordEnd && after && WORD.test(after)) continue;
    return true;
  }
  return false;
}
