// The shipped policy and every example load, validate, and decide as their comments say.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/policy/evaluate.js';
import { formatIssue, loadPolicySources } from '../../src/policy/load.js';
import type { Policy } from '../../src/policy/types.js';
import { found, req, who } from './helpers.js';

async function load(file: string): Promise<Policy> {
  const r = loadPolicySources([{ file, text: await readFile(file, 'utf8') }]);
  if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
  return r.policy;
}

describe('shipped policies', () => {
  it.each([
    ['policies/default.yaml'],
    ['examples/high-volume-streaming.yaml'],
    ['examples/langgraph-agents.yaml'],
    ['examples/strict-single-model.yaml'],
  ])('%s loads and validates', async (file) => {
    expect((await load(file)).rules.length).toBeGreaterThan(0);
  });

  it('high-volume streaming: job from the header, per-job quotas, no approvals', async () => {
    const p = await load('examples/high-volume-streaming.yaml');
    const d = evaluate(p, who('svc-flink', ['streaming-jobs']), req({ jobHeader: 'fraud-scoring', promptText: 'export everything' }), [found('email', 'report', 3)]);
    expect(d).toMatchObject({ outcome: 'allow', restoreTokens: true });
    expect(d.rules).toEqual(['pipelines', 'fraud-scoring']);
    expect(d.quotas.map((q) => q.key)).toContain('pipelines|job:fraud-scoring|1m');
  });

  it.each([
    ['an exporting prompt waits (hold)', req({ promptText: 'export the orders table' }), [], 'approve', 'hold'],
    ['a shell tool waits (hold)', req({ tools: ['run_shell'] }), [], 'approve', 'hold'],
    ['a production host gets a ticket', req(), [found('prod_hosts', 'report')], 'approve', 'ticket'],
    ['a destructive command is blocked', req({ promptText: 'then RM -rf / please' }), [], 'block', undefined],
    ['a leaked AWS key is blocked', req(), [found('aws_secret_key', 'block')], 'block', undefined],
    ['a plain question is allowed', req({ promptText: 'summarise this ticket' }), [], 'allow', undefined],
  ])('langgraph agents: %s', async (_n, meta, findings, outcome, mode) => {
    const p = await load('examples/langgraph-agents.yaml');
    const d = evaluate(p, who('graph-1', ['agents'], 'triage-graph'), meta, findings);
    expect(d.outcome).toBe(outcome);
    expect(d.approval?.mode).toBe(mode);
  });

  it.each([
    ['the one model, justified', req({ connection: 'anthropic', model: 'claude-sonnet-4-5', justification: 'contract review for matter 2231-B' }), 'allow'],
    ['another model', req({ connection: 'anthropic', model: 'claude-opus-4', justification: 'contract review for matter 2231-B' }), 'block'],
    ['another connection', req({ connection: 'openai', model: 'claude-sonnet-4-5' }), 'block'],
    ['any tool', req({ connection: 'anthropic', model: 'claude-sonnet-4-5', tools: ['search'], justification: 'contract review for matter 2231-B' }), 'block'],
  ])('strict single model: %s → %s', async (_n, meta, outcome) => {
    const p = await load('examples/strict-single-model.yaml');
    expect(evaluate(p, who('lee', ['legal']), meta, []).outcome).toBe(outcome);
  });
});
