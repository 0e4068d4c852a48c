// The Sluice the benchmark measures: the shipped default policy with masking on, the demo issuer, a temp
// audit dir — the same stack as test/helpers/stack.ts, written to a temp dir for the child process.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { demoIssuerEntry, ensureDemoIssuer, mintDemoToken } from '../../dist/demo/issuer.js';
import { applyCell } from './sweep-spec.js';

export const REPO = resolve(import.meta.dirname, '../..');
/** Far above anything a benchmark sends, so quotas are evaluated on every request but never trip. */
const BENCH_QUOTA = 1_000_000_000_000;
/** HMAC key for tokenize/hash (hex, as policies.secret requires); fixed so runs are comparable. */
const BENCH_SECRET = '5eed'.repeat(16);

/**
 * The shipped policies with every quota limit raised: at 2,000 req/s from one subject the default
 * 600 req/min would answer 429 and the benchmark would measure the quota path instead of the proxy.
 */
export function benchPolicies(srcDir, outDir) {
  mkdirSync(outDir, { recursive: true });
  for (const name of readdirSync(srcDir).filter((n) => /\.ya?ml$/.test(n))) {
    const doc = parseDocument(readFileSync(join(srcDir, name), 'utf8'));
    for (const rule of doc.get('rules')?.items ?? []) {
      for (const quota of rule.get('quotas')?.items ?? []) {
        for (const key of ['requests', 'tokens']) if (quota.has(key)) quota.set(key, BENCH_QUOTA);
      }
    }
    writeFileSync(join(outDir, name), doc.toString());
  }
}

/** Raw config (before validation) pointing at `mockUrl`; `cell` applies sweep overrides. */
export function benchConfig({ dir, mockUrl, demoEntry, cell = {} }) {
  const conn = (name, provider, credential, extra = {}) => ({
    name,
    provider,
    baseUrl: `${mockUrl}/v1`,
    credential,
    // 1,000 concurrent slow streams need 1,000 upstream sockets; the default (128) would queue them.
    pool: { connections: 1100 },
    ...extra,
  });
  const raw = {
    server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 2000 },
    demo: { enabled: false },
    identity: { issuers: [demoEntry], allowJobHeader: true },
    connections: [conn('openai', 'openai', 'sk-bench-upstream-openai', { default: true }), conn('anthropic', 'anthropic', 'sk-ant-bench-upstream')],
    inspection: { inlineBelowBytes: 65536, pool: { minThreads: 1, maxThreads: 2 } },
    policies: { dir: join(dir, 'policies'), watch: false, secret: BENCH_SECRET },
    audit: { dir: join(dir, 'audit'), fsync: 'group' },
    logging: { level: 'silent' },
  };
  return applyCell(raw, cell);
}

/** Temp dir with policies and demo issuer; `write(cell)` writes a config file and returns its path. */
export async function prepareSluice(mockUrl) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  benchPolicies(join(REPO, 'policies'), join(dir, 'policies'));
  const demoDir = join(dir, 'demo');
  const demo = await ensureDemoIssuer(demoDir);
  let n = 0;
  return {
    dir,
    token: (groups = ['analysts'], subject = 'bench-analyst') => mintDemoToken(demoDir, { subject, groups, ttlSeconds: 6 * 3600 }),
    write(cell = {}) {
      const file = join(dir, `sluice-${n++}.yaml`);
      const raw = benchConfig({ dir, mockUrl, demoEntry: demoIssuerEntry(demo), cell });
      // A fresh audit dir per start keeps one run's log from growing into the next one's numbers.
      writeFileSync(file, stringify({ ...raw, audit: { ...raw.audit, dir: join(dir, `audit-${n}`) } }));
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
