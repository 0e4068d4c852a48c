// Policy work per request: evaluate() (pure) for the shipped policy's groups, the profile lookup that
// precedes scanning, and a quota check, all against the compiled code in dist/.
import { join } from 'node:path';
import { Bench } from 'tinybench';

const REPO = join(import.meta.dirname, '../..');
const FINDINGS = [
  { detector: 'card', type: 'card', action: 'mask', count: 2 },
  { detector: 'email', type: 'email', action: 'mask', count: 3 },
];

export async function run({ time }) {
  const { loadPolicyDir, evaluate, createProfiler, createMemoryQuotaStore } = await import('../../dist/policy/index.js');
  const loaded = await loadPolicyDir(join(REPO, 'policies'));
  if (!loaded.ok) throw new Error(`policies/ did not load: ${loaded.issues.map((i) => i.message).join('; ')}`);
  const policy = loaded.policy;
  const who = (groups, job) => ({ subject: 'bench', groups, job, session: 's-1', via: 'jwt' });
  const meta = { connection: 'openai', route: 'chat.completions', model: 'gpt-4o-mini', bodyBytes: 4096 };
  const analysts = who(['analysts']);
  const jobs = who(['streaming-jobs'], 'flink-enrich');
  const agents = who(['agents']);
  const denied = who(['nobody']);
  const profiler = createProfiler({ secret: '0123456789abcdef0123456789abcdef' });
  const quotas = createMemoryQuotaStore();
  const bindings = evaluate(policy, analysts, meta, FINDINGS).quotas;

  const bench = new Bench({ name: 'policy', time });
  bench
    .add('evaluate: analysts, 2 finding types', () => evaluate(policy, analysts, meta, FINDINGS))
    .add('evaluate: analysts, as the gateway calls it (no explanation)', () => evaluate(policy, analysts, meta, FINDINGS, { explain: false }))
    .add('evaluate: streaming job', () => evaluate(policy, jobs, meta, FINDINGS))
    .add('evaluate: agents (approval rules)', () => evaluate(policy, agents, { ...meta, promptText: 'summarise the tickets' }, FINDINGS))
    .add('evaluate: denied caller', () => evaluate(policy, denied, meta, []))
    .add('profileFor (cached)', () => profiler.profileFor(policy, analysts, 'openai'))
    .add('quota check (memory store)', async () => {
      await quotas.check(bindings);
    });
  return bench;
}
