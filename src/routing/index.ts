// Model routing for one gateway pipeline (docs/routing.md): undefined when `routes.models` is empty.
import type { SluiceConfig } from '../config/schema.js';
import type { Upstream } from '../upstream/pools.js';
import type { Metrics } from '../observe/metrics.js';
import type { PolicyStep } from '../ports.js';
import { createModelRouter } from './router.js';
import { createRoutingStep, type RoutingStep } from './step.js';

export type { RoutingStep } from './step.js';

/** Each HTTP thread builds its own (its own upstream pools, in-flight counts, breakers): call once per pipeline. */
export function createRouting(config: SluiceConfig, upstreams: ReadonlyMap<string, Upstream>, policy: PolicyStep, metrics: Metrics): RoutingStep | undefined {
  if (Object.keys(config.routes.models).length === 0) return undefined;
  const router = createModelRouter(config.routes, upstreams, { onOpen: (t) => metrics.circuitOpened.inc({ connection: t.connection, model: t.model }) });
  return createRoutingStep(router, policy, metrics);
}
