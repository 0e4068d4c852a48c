import { describe, expect, it } from 'vitest';
import { loadPolicyDir, formatIssue } from '../../src/policy/load.js';
import { mkdtemp, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const shipped = [
  ['policies/default.yaml'],
  ['examples/high-volume-streaming.yaml'],
  ['examples/langgraph-agents.yaml'],
  ['examples/strict-single-model.yaml'],
];

describe('shipped policies load and validate', () => {
  it.each(shipped)('%s', async (file) => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-policy-'));
    await copyFile(file, join(dir, 'policy.yaml'));
    const result = await loadPolicyDir(dir);
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([]);
    expect(result.ok && result.policy.rules.length).toBeGreaterThan(0);
  });
});
