// The `approvals` section of sluice.yaml: frozen defaults, validation with messages naming the key.
import { Reader } from '../config/check.js';
import { WEBHOOK_DEFAULTS, type WebhookOptions } from './webhook.js';

export interface ApprovalsConfig {
  /** Used when the policy rule sets no timeout (issue 7: default 10 minutes). */
  defaultTimeoutSeconds: number;
  /** Settled approvals stay readable, and approved tickets redeemable, this long after the decision. */
  retainSeconds: number;
  /** Approvals kept in memory, pending or settled; when all are pending, new ones are refused (503). */
  maxRecords: number;
  maxGrants: number;
  /** Upper bound a reviewer may give a standing grant. */
  maxGrantMinutes: number;
  /** Bytes of masked prompt text kept on an approval for the reviewer. */
  promptBytes: number;
  /** Sluice's address as reviewers reach it; when set, notifications carry a link to the approval. */
  publicUrl?: string;
  webhook?: Required<Omit<WebhookOptions, 'maxInFlight'>>;
}

export const APPROVALS_DEFAULTS = Object.freeze({
  defaultTimeoutSeconds: 600,
  retainSeconds: 3600,
  maxRecords: 10_000,
  maxGrants: 1_000,
  maxGrantMinutes: 480,
  promptBytes: 4096,
});

const KEYS = ['defaultTimeoutSeconds', 'retainSeconds', 'maxRecords', 'maxGrants', 'maxGrantMinutes', 'promptBytes', 'publicUrl', 'webhook'];
const WEBHOOK_KEYS = ['url', 'secret', 'maxAttempts', 'baseDelayMs', 'timeoutMs'];
const MIN_SECRET_CHARS = 16;

/** Throws ConfigError listing every problem. */
export function validateApprovalsConfig(raw: unknown, at = 'approvals'): ApprovalsConfig {
  const r = new Reader();
  const cfg = readApprovalsConfig(raw, r, [at]);
  r.done();
  return cfg;
}

/** Same, reporting into a caller's Reader (so the file name and line prefix the messages). */
export function readApprovalsConfig(raw: unknown, r: Reader, p: string[]): ApprovalsConfig {
  const o = r.obj(raw, p, KEYS);
  const d = APPROVALS_DEFAULTS;
  const cfg: ApprovalsConfig = {
    defaultTimeoutSeconds: r.int(o.defaultTimeoutSeconds, [...p, 'defaultTimeoutSeconds'], d.defaultTimeoutSeconds, 1, 7 * 24 * 3600),
    retainSeconds: r.int(o.retainSeconds, [...p, 'retainSeconds'], d.retainSeconds, 60, 7 * 24 * 3600),
    maxRecords: r.int(o.maxRecords, [...p, 'maxRecords'], d.maxRecords, 1, 10_000_000),
    maxGrants: r.int(o.maxGrants, [...p, 'maxGrants'], d.maxGrants, 1, 1_000_000),
    maxGrantMinutes: r.int(o.maxGrantMinutes, [...p, 'maxGrantMinutes'], d.maxGrantMinutes, 1, 7 * 24 * 60),
    promptBytes: r.int(o.promptBytes, [...p, 'promptBytes'], d.promptBytes, 256, 1024 * 1024),
  };
  const publicUrl = r.optStr(o.publicUrl, [...p, 'publicUrl']);
  if (publicUrl !== undefined && httpUrl(r, publicUrl, [...p, 'publicUrl'])) cfg.publicUrl = publicUrl;
  if (o.webhook !== undefined && o.webhook !== null) cfg.webhook = readWebhook(r, o.webhook, [...p, 'webhook']);
  return Object.freeze(cfg);
}

function readWebhook(r: Reader, v: unknown, p: string[]): ApprovalsConfig['webhook'] {
  const o = r.obj(v, p, WEBHOOK_KEYS);
  const url = r.str(o.url, [...p, 'url']);
  if (url !== '') httpUrl(r, url, [...p, 'url']);
  const secret = r.str(o.secret, [...p, 'secret']);
  // The message never quotes the value: it is a secret.
  if (secret !== '' && secret.length < MIN_SECRET_CHARS) r.fail([...p, 'secret'], `must be at least ${MIN_SECRET_CHARS} characters`);
  return Object.freeze({
    url,
    secret,
    maxAttempts: r.int(o.maxAttempts, [...p, 'maxAttempts'], WEBHOOK_DEFAULTS.maxAttempts, 1, 20),
    baseDelayMs: r.int(o.baseDelayMs, [...p, 'baseDelayMs'], WEBHOOK_DEFAULTS.baseDelayMs, 1, 60_000),
    timeoutMs: r.int(o.timeoutMs, [...p, 'timeoutMs'], WEBHOOK_DEFAULTS.timeoutMs, 100, 120_000),
  });
}

function httpUrl(r: Reader, v: string, p: string[]): boolean {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    r.fail(p, 'expected an http(s) URL');
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    r.fail(p, 'expected an http(s) URL');
    return false;
  }
  return true;
}
