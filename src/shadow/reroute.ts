// `route`: a plain-HTTP LLM call caught by the egress proxy is re-sent to Sluice's own gateway, which
// then authenticates, masks and audits it like any other call. Only API shapes the gateway serves map.
import type { GatewayAdvice } from './refuse.js';
import { pathOnly } from './paths.js';

const OPENAI_RESOURCES = ['/chat/completions', '/completions', '/responses', '/embeddings', '/moderations', '/models'];

export interface GatewayTarget {
  /** `http://sluice:8080` */
  origin: string;
  /** Path and query on the gateway, e.g. `/anthropic/v1/messages`. */
  path: string;
  kind: 'openai' | 'anthropic';
}

/** `/v1/chat/completions?x` → `${gateway}/v1/chat/completions?x`; `/v1/messages` → `${gateway}/anthropic/v1/messages`. */
export function gatewayTarget(target: string, advice: GatewayAdvice): GatewayTarget | null {
  if (!advice.gatewayUrl) return null;
  const path = pathOnly(target);
  // Providers mount the API under prefixes (`/openai/v1/...` on Groq): what follows the last `/v1` decides.
  const v1 = path.lastIndexOf('/v1/');
  if (v1 < 0) return null;
  const rest = path.slice(v1 + 3);
  const query = target.slice(path.length);
  const gw = new URL(advice.gatewayUrl);
  // A gateway mounted under a path (`https://corp/llm`) keeps that path in front of the route prefix.
  const base = gw.pathname.replace(/\/+$/, '');
  if (rest === '/messages' || rest === '/messages/count_tokens') {
    return { origin: gw.origin, path: `${base}${advice.routes.anthropic}${rest}${query}`, kind: 'anthropic' };
  }
  if (OPENAI_RESOURCES.some((r) => rest === r || rest.startsWith(`${r}/`))) {
    return { origin: gw.origin, path: `${base}${advice.routes.openai}${rest}${query}`, kind: 'openai' };
  }
  return null;
}
