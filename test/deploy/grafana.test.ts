// deploy/grafana/sluice-dashboard.json queries only metrics Sluice exports, and covers what issue 17 asks for.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observe/metrics.js';

const REPO = join(import.meta.dirname, '../..');
const dashboard = JSON.parse(readFileSync(join(REPO, 'deploy/grafana/sluice-dashboard.json'), 'utf8')) as {
  uid: string;
  panels: Array<{ title: string; description: string; targets: Array<{ expr: string }> }>;
};

describe('Grafana dashboard', () => {
  it('queries only metric names /metrics exports', async () => {
    const exported = new Set<string>();
    for (const m of await createMetrics({ process: true }).snapshot()) {
      exported.add(m.name);
      if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(m.name + s);
    }
    const used = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\b(?:sluice|process|nodejs)_[a-z0-9_]+/g) ?? [])));
    expect(used.size).toBeGreaterThan(15);
    for (const name of used) expect(exported.has(name), name).toBe(true);
  });

  it('has the panels operators need, each explained', () => {
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join('\n');
    for (const want of ['requests per second', 'overhead p50 / p99', 'time to first token', 'tokens per second by group', 'tokens per second by job', 'findings', 'approvals', 'shadow-ai']) {
      expect(titles).toContain(want);
    }
    for (const p of dashboard.panels) expect(p.description.length, p.title).toBeGreaterThan(20);
  });

  it('is documented panel by panel', () => {
    const doc = readFileSync(join(REPO, 'docs/observability.md'), 'utf8');
    for (const p of dashboard.panels) expect(doc, p.title).toContain(p.title);
  });
});
