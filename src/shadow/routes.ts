// `GET /sluice/shadow`: the egress proxy's shadow calls by source and host, for reviewers only.
import type { AdminRoutes } from '../ports.js';
import type { RequestContext } from '../context.js';
import { SluiceError, errorBody, toSluiceError } from '../errors.js';
import type { ShadowSummary } from './ledger.js';

export interface ShadowRoutesDeps {
  summary: () => ShadowSummary;
  /** Resolves when the caller may read shadow reports; throws SluiceError (401/403) otherwise. */
  authorizeReviewer: (ctx: RequestContext) => Promise<unknown>;
}

export const SHADOW_PATH = '/sluice/shadow';

export function createShadowRoutes(deps: ShadowRoutesDeps): AdminRoutes {
  return {
    handle: async function handleShadowRoute(ctx) {
      if (ctx.path !== SHADOW_PATH && ctx.path !== `${SHADOW_PATH}/`) return null;
      try {
        if (ctx.method !== 'GET') throw new SluiceError('SLUICE_METHOD_NOT_ALLOWED', `Method ${ctx.method} not allowed on ${SHADOW_PATH}`, { headers: { allow: 'GET' } });
        await deps.authorizeReviewer(ctx);
        return { status: 200, body: deps.summary() };
      } catch (err) {
        const e = toSluiceError(err);
        return { status: e.status, body: JSON.parse(errorBody(e, 'openai')) as unknown, headers: Object.entries(e.headers) };
      }
    },
  };
}
