// Schema pieces shared by the catalogue and rules: detector declarations, regexes and conditions.
import { isMap, isScalar, type Node } from 'yaml';
import { BUILTIN_DETECTORS } from '../inspect/api.js';
import {
  at, child, readBool, readEnum, readInt, readMap, readSeq, readString, readStringList, report, requireField,
  lineOf, type Reader,
} from './yaml-read.js';
import type { PatternValidator } from './pattern.js';
import {
  DEFAULT_APPROVAL_TIMEOUT_SECONDS,
  type ConditionSpec, type DetectorRef, type DetectorSpec, type PolicyAction, type RegexSpec, type SourceLoc,
} from './types.js';

export const ACTIONS = ['mask', 'redact', 'tokenize', 'hash', 'block', 'approve', 'report', 'off'] as const;
export const DETECTOR_ID = /^[A-Za-z][A-Za-z0-9_-]*$/;
const DETECTOR_ID_HINT = 'letters, digits, _ and -, starting with a letter';
export const DEFAULT_REGEX_MAX_LENGTH = 256;
const MAX_REGEX_LENGTH = 4096;

export const loc = (r: Reader, node: Node | null, key: string): SourceLoc => ({ file: r.file, line: lineOf(r, node), key });

const isBuiltin = (id: string): boolean => (BUILTIN_DETECTORS as readonly string[]).includes(id);

const REGEX_KEYS = ['pattern', 'flags', 'maxLength', 'anchors'] as const;

/** A regex as a bare string (defaults) or `{pattern, flags, maxLength, anchors}`. */
export function readRegex(r: Reader, node: Node | null, key: string, validate: PatternValidator): RegexSpec | undefined {
  if (isScalar(node) && typeof node.value === 'string') return checkRegex(r, node, key, { pattern: node.value, flags: '', maxLength: DEFAULT_REGEX_MAX_LENGTH }, validate);
  const f = readMap(r, node, key, REGEX_KEYS);
  if (!f || !requireField(r, f, node, key, 'pattern')) return undefined;
  return readRegexFields(r, f, node, key, validate);
}

function readRegexFields(r: Reader, f: Map<string, { key: Node; value: Node | null }>, node: Node | null, key: string, validate: PatternValidator): RegexSpec | undefined {
  const get = (name: string) => f.get(name);
  const pattern = readString(r, at(get('pattern')!), child(key, 'pattern'));
  const flags = get('flags') ? readString(r, at(get('flags')!), child(key, 'flags'), /^[ims]+$/, 'a combination of i, m, s') : '';
  const maxLength = get('maxLength') ? readInt(r, at(get('maxLength')!), child(key, 'maxLength'), 1, MAX_REGEX_LENGTH) : DEFAULT_REGEX_MAX_LENGTH;
  const anchors = get('anchors') ? readStringList(r, at(get('anchors')!), child(key, 'anchors')) : undefined;
  if (pattern === undefined || flags === undefined || maxLength === undefined || (get('anchors') && !anchors)) return undefined;
  const spec: RegexSpec = { pattern, flags, maxLength, ...(anchors ? { anchors } : {}) };
  return checkRegex(r, at(get('pattern')!), child(key, 'pattern'), spec, validate);
}

function checkRegex(r: Reader, node: Node | null, key: string, spec: RegexSpec, validate: PatternValidator): RegexSpec | undefined {
  const problem = validate(spec.pattern, spec.flags);
  if (problem) {
    report(r, node, key, problem);
    return undefined;
  }
  return spec;
}

const DETECTOR_KEYS = ['id', 'type', 'action', 'pattern', 'flags', 'maxLength', 'anchors', 'keywords', 'caseInsensitive', 'wholeWord'];
const KIND_KEYS: Record<DetectorSpec['kind'], readonly string[]> = {
  builtin: ['id', 'action'],
  regex: ['id', 'type', 'action', ...REGEX_KEYS],
  keywords: ['id', 'type', 'action', 'keywords', 'caseInsensitive', 'wholeWord'],
};

/** One `detectors:` catalogue entry: a built-in's default action, a custom regex or a keyword list. */
export function readDetector(r: Reader, node: Node | null, key: string, validate: PatternValidator): DetectorSpec | undefined {
  const f = readMap(r, node, key, DETECTOR_KEYS);
  if (!f || !requireField(r, f, node, key, 'id')) return undefined;
  const id = readString(r, at(f.get('id')!), child(key, 'id'), DETECTOR_ID, DETECTOR_ID_HINT);
  if (id === undefined) return undefined;
  const kind = isBuiltin(id) ? 'builtin' : f.has('pattern') ? 'regex' : f.has('keywords') ? 'keywords' : undefined;
  if (!kind) {
    report(r, node, key, `"${id}" is not a built-in detector, so it needs \`pattern\` (regex) or \`keywords\``);
    return undefined;
  }
  let ok = true;
  for (const [name, field] of f) {
    if (KIND_KEYS[kind].includes(name)) continue;
    report(r, field.key, child(key, name), `not allowed for a ${kind === 'builtin' ? 'built-in' : kind} detector`);
    ok = false;
  }
  const action = f.has('action') ? readEnum(r, at(f.get('action')!), child(key, 'action'), ACTIONS) : undefined;
  if (!ok || (f.has('action') && !action)) return undefined;
  const where = loc(r, at(f.get('id')!), child(key, 'id'));
  const common = { id, at: where, ...(action ? { action: action as PolicyAction } : {}) };
  if (kind === 'builtin') return { kind, ...common };
  const type = f.has('type') ? readString(r, at(f.get('type')!), child(key, 'type'), DETECTOR_ID, DETECTOR_ID_HINT) : id;
  if (type === undefined) return undefined;
  if (kind === 'regex') {
    const re = readRegexFields(r, f, node, key, validate);
    return re && { kind, type, ...common, ...re };
  }
  const keywords = readStringList(r, at(f.get('keywords')!), child(key, 'keywords'));
  const ci = f.has('caseInsensitive') ? readBool(r, at(f.get('caseInsensitive')!), child(key, 'caseInsensitive')) : true;
  const ww = f.has('wholeWord') ? readBool(r, at(f.get('wholeWord')!), child(key, 'wholeWord')) : undefined;
  if (!keywords || ci === undefined || (f.has('wholeWord') && ww === undefined)) return undefined;
  return { kind, type, keywords, caseInsensitive: ci, ...(ww === undefined ? {} : { wholeWord: ww }), ...common };
}

export function readDetectorRefs(r: Reader, node: Node | null, key: string): DetectorRef[] | undefined {
  const items = readSeq(r, node, key);
  if (!items) return undefined;
  const refs: DetectorRef[] = [];
  for (const [item, k] of items) {
    const id = readString(r, item, k, DETECTOR_ID, DETECTOR_ID_HINT);
    if (id === undefined) return undefined;
    refs.push({ id, at: loc(r, item, k) });
  }
  return refs;
}

const TRIGGERS = ['detectors', 'keywords', 'regex', 'models', 'tools'] as const;
const CONDITION_KEYS = { approve: [...TRIGGERS, 'mode', 'timeoutSeconds'], block: [...TRIGGERS, 'message'] };

/** `approve:`/`block:` take one condition or a list of them. */
export function readConditions(r: Reader, node: Node | null, key: string, kind: 'approve' | 'block', validate: PatternValidator): ConditionSpec[] | undefined {
  const items = isMap(node) ? [[node, key] as [Node, string]] : readSeq(r, node, key);
  if (!items) return undefined;
  const out: ConditionSpec[] = [];
  for (const [item, k] of items) {
    const c = readCondition(r, item, k, kind, validate);
    if (!c) return undefined;
    out.push(c);
  }
  return out;
}

function readCondition(r: Reader, node: Node | null, key: string, kind: 'approve' | 'block', validate: PatternValidator): ConditionSpec | undefined {
  const f = readMap(r, node, key, CONDITION_KEYS[kind]);
  if (!f) return undefined;
  if (!TRIGGERS.some((t) => f.has(t))) {
    report(r, node, key, `needs at least one of: ${TRIGGERS.join(', ')}`);
    return undefined;
  }
  const field = (name: string) => at(f.get(name)!);
  const list = (name: string) => (f.has(name) ? readStringList(r, field(name), child(key, name)) : []);
  const detectors = f.has('detectors') ? readDetectorRefs(r, field('detectors'), child(key, 'detectors')) : [];
  const keywords = list('keywords');
  const models = list('models');
  const tools = list('tools');
  const regexItems = f.has('regex') ? readSeq(r, field('regex'), child(key, 'regex')) : [];
  const regex = regexItems?.map(([n, k]) => readRegex(r, n, k, validate));
  const mode = f.has('mode') ? readEnum(r, field('mode'), child(key, 'mode'), ['hold', 'ticket'] as const) : 'hold';
  const timeoutSeconds = f.has('timeoutSeconds') ? readInt(r, field('timeoutSeconds'), child(key, 'timeoutSeconds'), 1, 86_400) : DEFAULT_APPROVAL_TIMEOUT_SECONDS;
  const message = f.has('message') ? readString(r, field('message'), child(key, 'message')) : undefined;
  if (!detectors || !keywords || !models || !tools || !regex || regex.some((x) => !x) || !mode || !timeoutSeconds) return undefined;
  if (f.has('message') && message === undefined) return undefined;
  return {
    detectors, keywords, models, tools, regex: regex as RegexSpec[], mode, timeoutSeconds,
    ...(message === undefined ? {} : { message }),
    at: loc(r, node, key),
  };
}
