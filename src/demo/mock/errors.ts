// Error bodies in each provider's own shape, so SDKs raise their usual typed errors against the mock.
import type { ProviderKind } from '../../types.js';
import type { HeaderBag } from './behaviour.js';
import type { MockReply } from './types.js';

const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const OPENAI_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  429: 'rate_limit_exceeded',
};

const OPENAI_CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'invalid_api_key',
  404: 'not_found',
  429: 'rate_limit_exceeded',
};

export function errorReply(kind: ProviderKind, status: number, message: string): MockReply {
  if (kind === 'anthropic') {
    const type = ANTHROPIC_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
    return { kind: 'json', status, body: JSON.stringify({ type: 'error', error: { type, message } }) };
  }
  const type = OPENAI_TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
  const code = OPENAI_CODES[status] ?? null;
  return { kind: 'json', status, body: JSON.stringify({ error: { message, type, param: null, code } }) };
}

/** Which shape to answer in when the route does not say: Anthropic SDKs always send `anthropic-version`. */
export function kindOf(headers: HeaderBag, routeKind: ProviderKind | undefined): ProviderKind {
  if (routeKind !== undefined) return routeKind;
  return headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
}
