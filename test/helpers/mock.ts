// Test conveniences around the mock provider: lifecycle hooks, SDK clients pointed at it, raw SSE parsing.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll } from 'vitest';
import { startMockProvider, type MockProvider, type MockProviderOptions } from '../../src/demo/mock-provider.js';

export { startMockProvider } from '../../src/demo/mock-provider.js';
export type {
  MockBehaviour,
  MockProvider,
  MockProviderOptions,
  MockScript,
  ReceivedRequest,
  ScriptRequest,
} from '../../src/demo/mock-provider.js';
export { behaviourToHeaders as mockHeaders } from '../../src/demo/mock/behaviour.js';

/** Starts a mock for the enclosing `describe` (quiet, port 0) and closes it after; call the getter inside tests. */
export function useMockProvider(options: MockProviderOptions = {}): () => MockProvider {
  let provider: MockProvider | undefined;
  beforeAll(async () => {
    provider = await startMockProvider(options);
  });
  afterAll(async () => {
    await provider?.close();
  });
  return function mock(): MockProvider {
    if (provider === undefined) throw new Error('mock provider not started: call useMockProvider() at describe level');
    return provider;
  };
}

/** No retries: a test asserting an error status must see it once, not after the SDK's backoff. */
export function openaiFor(baseUrl: string, opts: { apiKey?: string; headers?: Record<string, string> } = {}): OpenAI {
  return new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: opts.apiKey ?? 'sk-test-key', maxRetries: 0, defaultHeaders: opts.headers });
}

export function anthropicFor(baseUrl: string, opts: { apiKey?: string; headers?: Record<string, string> } = {}): Anthropic {
  return new Anthropic({ baseURL: baseUrl, apiKey: opts.apiKey ?? 'sk-ant-test-key', maxRetries: 0, defaultHeaders: opts.headers });
}

export interface SseEvent {
  event: string | undefined;
  data: string;
}

/** Splits an SSE body into events (enough for the mock's and Sluice's framing: `event:` and `data:` lines). */
export function parseSse(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    out.push({ event, data: data.join('\n') });
  }
  return out;
}

/** Polls until `check` is true (e.g. a `received[i].aborted` flag set when the socket closes). */
export async function waitFor(check: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
