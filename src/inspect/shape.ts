// Request shape: refuse (400, provider-shaped) a body whose members have types the provider API does not accept,
// before anything leaves. Policy reads `model`/`stream` as strings/booleans; a provider (or a lenient
// OpenAI-compatible server) must never act on a value Sluice could not read: `{"model":["gpt-4o"]}`,
// `{"model":{"id":…}}`, a top-level array, `"stream":"true"`. Types only, from the walker's meta (no parse).
import type { RouteMatch } from '../context.js';
import { SluiceError } from '../errors.js';
import type { JsonKind, RequestMeta } from './api.js';

type Allowed = readonly JsonKind[];

const STRING: Allowed = ['string'];
const ARRAY: Allowed = ['array'];
const BOOL_OR_NULL: Allowed = ['boolean', 'null'];
const OBJECT_OR_NULL: Allowed = ['object', 'null'];
const TEXT_OR_LIST: Allowed = ['string', 'array'];

/** Per route: the top-level members Sluice checks and the JSON types the provider's API accepts for each. */
const ROUTES: Readonly<Record<string, Readonly<Record<string, Allowed>>>> = {
  'chat.completions': { model: STRING, messages: ARRAY, stream: BOOL_OR_NULL, stream_options: OBJECT_OR_NULL, tools: ARRAY, functions: ARRAY },
  completions: { model: STRING, prompt: [...TEXT_OR_LIST, 'null'], stream: BOOL_OR_NULL, stream_options: OBJECT_OR_NULL },
  responses: { model: STRING, input: TEXT_OR_LIST, instructions: ['string', 'null'], stream: BOOL_OR_NULL, tools: ARRAY },
  embeddings: { model: STRING, input: TEXT_OR_LIST },
  moderations: { model: STRING, input: TEXT_OR_LIST },
  messages: { model: STRING, messages: ARRAY, system: TEXT_OR_LIST, stream: ['boolean'], tools: ARRAY },
  'messages.count_tokens': { model: STRING, messages: ARRAY, system: TEXT_OR_LIST, tools: ARRAY },
};

/** Every member any route checks: the walker's meta records the type of these. */
export const SHAPE_MEMBERS: ReadonlySet<string> = new Set(Object.values(ROUTES).flatMap((r) => Object.keys(r)));

const article = (k: JsonKind): string => (k === 'object' || k === 'array' ? `an ${k}` : k === 'null' ? 'null' : `a ${k}`);
const expected = (ks: Allowed): string => ks.map(article).join(' or ');

function bad(message: string, param: string | null): SluiceError {
  return new SluiceError('SLUICE_BAD_REQUEST', message, { details: { param } });
}

/**
 * Throws the provider-shaped 400 for a body the provider would read differently from Sluice, or refuse:
 * not JSON, not a JSON object, a decisive member named twice, or a member of the wrong type.
 */
export function assertRequestShape(route: RouteMatch, meta: RequestMeta): void {
  if (!meta.validJson) throw new SluiceError('SLUICE_BAD_JSON', 'Request body is not valid JSON');
  if (meta.duplicateKey) throw bad(`Request body names "${meta.duplicateKey}" more than once`, meta.duplicateKey);
  const shape = meta.shape;
  if (!shape) return;
  if (shape.top !== 'object') throw bad(`Request body must be a JSON object, not ${article(shape.top)}`, null);
  const spec = ROUTES[route.route];
  if (!spec) return;
  for (const [member, allowed] of Object.entries(spec)) {
    const kind = shape.members[member];
    if (kind !== undefined && !allowed.includes(kind)) throw bad(`"${member}" must be ${expected(allowed)}, not ${article(kind)}`, member);
  }
}
