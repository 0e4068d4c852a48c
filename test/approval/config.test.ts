import { describe, expect, it } from 'vitest';
import { APPROVALS_DEFAULTS, validateApprovalsConfig } from '../../src/approval/config.js';
import { ConfigError } from '../../src/config/problems.js';

function problems(raw: unknown): string[] {
  try {
    validateApprovalsConfig(raw);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('approvals config', () => {
  it('fills frozen defaults for an empty section', () => {
    const cfg = validateApprovalsConfig({});
    expect(cfg).toEqual({ ...APPROVALS_DEFAULTS });
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(cfg.webhook).toBeUndefined();
  });

  it('accepts a full section, with webhook defaults filled', () => {
    const cfg = validateApprovalsConfig({
      defaultTimeoutSeconds: 300,
      publicUrl: 'https://sluice.example.com',
      webhook: { url: 'https://hooks.example.com/x', secret: 'a-long-enough-secret' },
    });
    expect(cfg).toMatchObject({ defaultTimeoutSeconds: 300, publicUrl: 'https://sluice.example.com' });
    expect(cfg.webhook).toEqual({ url: 'https://hooks.example.com/x', secret: 'a-long-enough-secret', maxAttempts: 5, baseDelayMs: 500, timeoutMs: 5000 });
  });

  it.each([
    [{ timeout: 5 }, 'approvals.timeout: unknown key (expected one of: defaultTimeoutSeconds, retainSeconds, maxRecords, maxGrants, maxGrantMinutes, promptBytes, rejoinSeconds, publicUrl, webhook)'],
    [{ defaultTimeoutSeconds: 0 }, 'approvals.defaultTimeoutSeconds: expected an integer from 1 to 604800, found 0'],
    [{ retainSeconds: 'long' }, 'approvals.retainSeconds: expected an integer from 60 to 604800, found "long"'],
    [{ maxGrantMinutes: 100_000 }, 'approvals.maxGrantMinutes: expected an integer from 1 to 10080, found 100000'],
    [{ promptBytes: 10 }, 'approvals.promptBytes: expected an integer from 256 to 1048576, found 10'],
    [{ publicUrl: 'ftp://x' }, 'approvals.publicUrl: expected an http(s) URL, found "ftp://x"'],
    [{ webhook: { secret: 'a-long-enough-secret' } }, 'approvals.webhook.url: is required'],
    [{ webhook: { url: 'not a url', secret: 'a-long-enough-secret' } }, 'approvals.webhook.url: expected an http(s) URL, found "not a url"'],
    [{ webhook: { url: 'https://h/x' } }, 'approvals.webhook.secret: is required'],
    [{ webhook: { url: 'https://h/x', secret: 'short' } }, 'approvals.webhook.secret: must be at least 16 characters, found a value that is not shown (secret)'],
    [{ webhook: { url: 'https://h/x', secret: 'a-long-enough-secret', maxAttempts: 0 } }, 'approvals.webhook.maxAttempts: expected an integer from 1 to 20, found 0'],
    [{ webhook: { url: 'https://h/x', secret: 'a-long-enough-secret', retries: 3 } }, 'approvals.webhook.retries: unknown key (expected one of: url, secret, maxAttempts, baseDelayMs, timeoutMs)'],
  ])('%j → %s', (raw, message) => {
    expect(problems(raw)).toEqual([message]);
  });

  it('never quotes the webhook secret in a message', () => {
    expect(problems({ webhook: { url: 'https://h/x', secret: 'tiny-secret' } }).join('\n')).not.toContain('tiny-secret');
  });
});
