// The route table: path → handler. Paths match from their last `/v1/`, so prefixed base URLs
// (`/openai/v1/...`, as a gateway connection might use) reach the same handlers.
import type { ProviderKind } from '../../types.js';
import { countTokens, messages } from './anthropic.js';
import { chatCompletions } from './openai-chat.js';
import { completions } from './openai-completions.js';
import { embeddings, models } from './openai-misc.js';
import { responses } from './openai-responses.js';
import type { Exchange, MockReply } from './types.js';

export interface MockRoute {
  name: string;
  method: 'GET' | 'POST';
  /** Undefined: the caller's headers decide (GET /v1/models serves both SDKs). */
  kind: ProviderKind | undefined;
  handle(x: Exchange): MockReply;
}

const route = (name: string, method: 'GET' | 'POST', kind: ProviderKind | undefined, handle: MockRoute['handle']): MockRoute =>
  Object.freeze({ name, method, kind, handle });

const ROUTES: ReadonlyMap<string, MockRoute> = new Map([
  ['/v1/chat/completions', route('chat.completions', 'POST', 'openai', chatCompletions)],
  ['/v1/completions', route('completions', 'POST', 'openai', completions)],
  ['/v1/responses', route('responses', 'POST', 'openai', responses)],
  ['/v1/embeddings', route('embeddings', 'POST', 'openai', embeddings)],
  ['/v1/models', route('models', 'GET', undefined, models)],
  ['/v1/messages', route('messages', 'POST', 'anthropic', messages)],
  ['/v1/messages/count_tokens', route('messages.count_tokens', 'POST', 'anthropic', countTokens)],
]);

/** `/openai/v1/chat/completions?x=1` → `/v1/chat/completions`. */
export function canonicalPath(url: string): string {
  const q = url.indexOf('?');
  let path = q === -1 ? url : url.slice(0, q);
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  const v1 = path.lastIndexOf('/v1/');
  return v1 > 0 ? path.slice(v1) : path;
}

export function findRoute(url: string): MockRoute | undefined {
  return ROUTES.get(canonicalPath(url));
}
