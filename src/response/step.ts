// The response step the gateway plugs in (ports.ts ResponseStep): engine per inspection profile,
// then the filter that fits the response (filters.ts).
import type { InspectionConfig } from '../config/schema.js';
import type { InspectionProfile, InspectResult, TextScanner } from '../inspect/api.js';
import { createEngine } from '../inspect/engine.js';
import type { ResponseStep } from '../ports.js';
import { responseFilter } from './filters.js';

export interface ResponseStepOptions {
  /** Compiled engines kept (one per inspection profile). */
  maxEngines: number;
  maxBufferedBytes: number;
  maxEventChars: number;
  maxAuditChars: number;
  sessionLookup?: (session: string, token: string) => string | undefined;
}

export const RESPONSE_DEFAULTS: Readonly<ResponseStepOptions> = Object.freeze({
  maxEngines: 256,
  maxBufferedBytes: 32 * 1024 * 1024,
  maxEventChars: 4 * 1024 * 1024,
  maxAuditChars: 256 * 1024,
});

interface ScannerSource {
  createTextScanner(opts?: { holdBack?: number }): TextScanner;
  inspect(req: { body: Uint8Array; contentType: 'json' | 'text'; session: string }): InspectResult;
}

export function createResponseStep(cfg: InspectionConfig, options: Partial<ResponseStepOptions> = {}): ResponseStep {
  const o = { ...RESPONSE_DEFAULTS, ...options };
  const engines = new Map<string, ScannerSource>();
  const scannerOpts = cfg.responseHoldBack > 0 ? { holdBack: cfg.responseHoldBack } : undefined;

  // Compiling an engine is the expensive part; profiles are few and keyed by content hash.
  function engineFor(profile: InspectionProfile): ScannerSource {
    const cached = engines.get(profile.key);
    if (cached !== undefined) return cached;
    if (engines.size >= o.maxEngines) engines.delete(engines.keys().next().value as string);
    const created: ScannerSource = createEngine(profile);
    engines.set(profile.key, created);
    return created;
  }

  return {
    filterFor: function responseFilterFor(ctx, profile, _status, headers) {
      if (!cfg.maskResponses || profile === undefined) return null;
      const engine = engineFor(profile);
      const session = ctx.identity?.session ?? '';
      return responseFilter(ctx, headers, {
        ...o,
        newScanner: () => engine.createTextScanner(scannerOpts),
        inspectJson: (body) => engine.inspect({ body, contentType: 'json', session }),
      });
    },
  };
}
