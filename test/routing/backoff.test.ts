import { describe, expect, it } from 'vitest';
import { backoffMs, parseDuration, retryHintMs } from '../../src/routing/backoff.js';

describe('retry hints', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['retry-after seconds', { 'retry-after': '3' }, 3000],
    ['retry-after-ms wins', { 'retry-after-ms': '250', 'retry-after': '3' }, 250],
    ['retry-after as an HTTP date', { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, 5000],
    ['OpenAI: the exhausted limit', { 'x-ratelimit-reset-requests': '6m0s', 'x-ratelimit-remaining-requests': '12', 'x-ratelimit-reset-tokens': '1.5s', 'x-ratelimit-remaining-tokens': '0' }, 1500],
    ['OpenAI: no remaining given, the longest', { 'x-ratelimit-reset-requests': '20ms', 'x-ratelimit-reset-tokens': '2s' }, 2000],
    ['Anthropic reset timestamps', { 'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:07Z', 'anthropic-ratelimit-requests-remaining': '0' }, 7000],
    ['nothing', { 'content-type': 'application/json' }, undefined],
    ['garbage', { 'retry-after': 'soon' }, undefined],
  ])('%s', (_name, headers, expected) => {
    expect(retryHintMs(headers, now)).toBe(expected);
  });

  it('parses OpenAI durations and refuses what is not one', () => {
    expect(parseDuration('1h2m3.5s')).toBe(3_723_500);
    expect(parseDuration('20ms')).toBe(20);
    expect(parseDuration('6m0s')).toBe(360_000);
    expect(parseDuration('5 minutes')).toBeUndefined();
  });
});

describe('backoff', () => {
  it('doubles its cap per retry, up to the maximum, with full jitter', () => {
    expect(backoffMs(0, 100, 2000, () => 0.999)).toBe(99);
    expect(backoffMs(3, 100, 2000, () => 0.999)).toBe(799);
    expect(backoffMs(10, 100, 2000, () => 0.999)).toBe(1998);
    expect(backoffMs(3, 100, 2000, () => 0)).toBe(0);
  });
});
