// The `approvals` section of sluice.yaml: its part of the one config schema, the types and the defaults.
import * as v from 'valibot';
import { def, httpUrl, int, obj, opt, req, section, text } from '../config/kit.js';
import { parseSection } from '../config/problems.js';
import { WEBHOOK_DEFAULTS } from './webhook.js';

const MIN_SECRET_CHARS = 16;
const WEEK_SECONDS = 7 * 24 * 3600;

export const ApprovalsSchema = section({
  defaultTimeoutSeconds: def(int(1, WEEK_SECONDS), 600, 'Used when the policy rule sets no timeout.'),
  retainSeconds: def(int(60, WEEK_SECONDS), 3600, 'Settled approvals stay readable, and approved tickets redeemable, this long after the decision.'),
  maxRecords: def(int(1, 10_000_000), 10_000, 'Approvals kept, pending or settled; when all are pending, new ones are refused (503).'),
  maxGrants: def(int(1, 1_000_000), 1_000, 'Standing grants kept.'),
  maxGrantMinutes: def(int(1, 7 * 24 * 60), 480, 'Upper bound a reviewer may give a standing grant.'),
  promptBytes: def(int(256, 1024 * 1024), 4096, 'Bytes of masked prompt text kept on an approval for the reviewer.'),
  rejoinSeconds: def(int(0, 3600), 30, "A held request's client went away (an SDK timeout): its approval waits this long for the retry to join it before it is cancelled; 0 cancels at once."),
  publicUrl: opt(httpUrl(), { description: "Sluice's address as reviewers reach it; notifications then link to the approval.", examples: ['https://sluice.example.com'] }),
  webhook: opt(
    obj({
      url: req(httpUrl(), { description: 'Where new approvals are POSTed.', examples: ['https://hooks.example.com/sluice'] }),
      // The message never quotes the value: it is a secret.
      secret: req(v.pipe(text(), v.minLength(MIN_SECRET_CHARS, `must be at least ${MIN_SECRET_CHARS} characters`)), { description: 'HMAC-SHA256 key for `x-sluice-signature`.', examples: ['${SLUICE_WEBHOOK_SECRET}'], secret: true }),
      maxAttempts: def(int(1, 20), WEBHOOK_DEFAULTS.maxAttempts, 'Deliveries tried per notification.'),
      baseDelayMs: def(int(1, 60_000), WEBHOOK_DEFAULTS.baseDelayMs, 'First back-off; doubled per attempt, with jitter, capped at 60 s.'),
      timeoutMs: def(int(100, 120_000), WEBHOOK_DEFAULTS.timeoutMs, 'Per attempt: connect and response headers.'),
    }),
    'Notify reviewers of held requests (signed POST).',
  ),
}, 'Held requests and their reviewers (docs/approvals.md).');

export type ApprovalsConfig = v.InferOutput<typeof ApprovalsSchema>;

export const APPROVALS_DEFAULTS = Object.freeze(v.parse(ApprovalsSchema, undefined));

/** Validates an `approvals` section given in code; throws a ConfigError listing every problem. */
export function validateApprovalsConfig(raw: unknown, at = 'approvals'): ApprovalsConfig {
  return Object.freeze(parseSection(ApprovalsSchema, raw, at.split('.')));
}
