// A whole Sluice on real sockets for end-to-end tests: mock provider, demo issuer, temp audit dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import type { SluiceConfig } from '../../src/config/schema.js';
import { startSluice, type Sluice } from '../../src/main.js';
import { silentLogger } from '../../src/observe/logger.js';
import { ensureDemoIssuer, demoIssuerEntry, mintDemoToken } from '../../src/demo/issuer.js';
import { startMockProvider, type MockProvider, type MockProviderOptions } from '../../src/demo/mock-provider.js';

export interface Stack {
  sluice: Sluice;
  mock: MockProvider;
  /** Gateway base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  dir: string;
  auditDir: string;
  token(groups: string[], sub?: string, job?: string): Promise<string>;
  close(): Promise<void>;
}

export interface StackOptions {
  policiesDir?: string;
  mock?: MockProviderOptions;
  /** Extra raw config merged over the defaults (top-level sections are merged one level deep). */
  config?: Record<string, Record<string, unknown> | unknown[]>;
  override?: (c: SluiceConfig) => SluiceConfig;
  /** Demo mode (the demo issuer's browser sign-in for the console): main.ts then trusts the demo issuer itself. */
  demoMode?: boolean;
}

export const REPO = resolve(import.meta.dirname, '../..');

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const mock = await startMockProvider({ quiet: true, ...opts.mock });
  const dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-'));
  const demoDir = join(dir, 'demo');
  const demo = await ensureDemoIssuer(demoDir);
  const base: Record<string, Record<string, unknown> | unknown[]> = {
    // Two HTTP threads by default (what a 2-core machine runs); SLUICE_TEST_THREADS=1 runs the suite on the main thread.
    server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 2000, threads: Number(process.env.SLUICE_TEST_THREADS ?? 2) },
    demo: opts.demoMode ? { enabled: true, dir: demoDir, mockProviderPort: 0 } : { enabled: false },
    identity: { issuers: opts.demoMode ? [] : [demoIssuerEntry(demo)], allowJobHeader: true },
    connections: [
      { name: 'openai', provider: 'openai', baseUrl: `${mock.url}/v1`, credential: 'sk-upstream-openai-secret', default: true },
      { name: 'anthropic', provider: 'anthropic', baseUrl: `${mock.url}/v1`, credential: 'sk-ant-upstream-secret' },
    ],
    inspection: { pool: { minThreads: 1, maxThreads: 2 } },
    policies: { dir: opts.policiesDir ?? join(REPO, 'policies'), watch: false, secret: 'e2e-secret-0123456789abcdef' },
    audit: { dir: join(dir, 'audit'), fsync: 'group', payloads: 'full' },
    logging: { level: 'silent' },
  };
  for (const [k, v] of Object.entries(opts.config ?? {})) {
    base[k] = Array.isArray(v) ? v : { ...(base[k] as Record<string, unknown>), ...v };
  }
  const file = join(dir, 'sluice.yaml');
  const sluice = await startSluice(parseConfig(stringify(base), file), { logger: silentLogger(), override: opts.override });
  return {
    sluice,
    mock,
    url: sluice.url,
    dir,
    auditDir: join(dir, 'audit'),
    token: (groups, sub = 'alice', job) => mintDemoToken(demoDir, { subject: sub, groups, job }),
    async close() {
      await sluice.close();
      await mock.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
