// Loading a policy directory, merging files, and hot reload that keeps the old policy on a bad file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SluiceError } from '../../src/errors.js';
import { createPolicyStore, formatIssue, loadPolicyDir, type PolicyStore } from '../../src/policy/load.js';
import type { Policy, PolicyIssue } from '../../src/policy/types.js';

const good = (id: string) => `version: 1\nrules:\n  - id: ${id}\n    match: { groups: [g] }\n    connections: [openai]\n`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-policy-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadPolicyDir', () => {
  it('merges every *.yaml in name order; other files are ignored', async () => {
    await writeFile(join(dir, 'b.yaml'), good('second'));
    await writeFile(join(dir, 'a.yaml'), 'version: 1\ndetectors:\n  - { id: cust, pattern: "C-[0-9]+", maxLength: 9 }\n');
    await writeFile(join(dir, 'c.yml'), `version: 1\nrules:\n  - { id: third, match: { groups: [g] }, detectors: { cust: mask } }\n`);
    await writeFile(join(dir, 'notes.txt'), 'not: [valid');
    const r = await loadPolicyDir(dir);
    if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
    expect(r.policy.rules.map((x) => x.id)).toEqual(['second', 'third']);
    expect(r.policy.files).toEqual([join(dir, 'a.yaml'), join(dir, 'b.yaml'), join(dir, 'c.yml')]);
    expect(r.policy.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names both files for a rule id defined twice', async () => {
    await writeFile(join(dir, 'a.yaml'), good('same'));
    await writeFile(join(dir, 'b.yaml'), `# second\n${good('same')}`);
    const r = await loadPolicyDir(dir);
    expect(r.ok ? [] : r.issues.map(formatIssue)).toEqual([
      `${join(dir, 'b.yaml')}:4:9: rules[0].id: duplicate rule id "same" (first defined at ${join(dir, 'a.yaml')}:3)`,
    ]);
  });

  it.each([
    ['an empty directory', async () => dir, 'no policy files found (*.yaml); refusing to run without policy'],
    ['a missing directory', async () => join(dir, 'nope'), 'cannot read policy directory (ENOENT)'],
  ])('refuses %s', async (_n, target, message) => {
    const r = await loadPolicyDir(await target());
    expect(r.ok ? [] : r.issues.map((i) => i.message)).toEqual([message]);
  });
});

describe('createPolicyStore', () => {
  let store: PolicyStore | undefined;
  afterEach(() => store?.close());

  it('throws a SluiceError listing the problems when the first load fails', async () => {
    await writeFile(join(dir, 'p.yaml'), 'version: 3\n');
    const err = await createPolicyStore(dir, { watch: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as SluiceError).message).toContain(`${join(dir, 'p.yaml')}:1:10: version: expected 1 (the only policy format so far), found 3`);
  });

  it('reload() swaps in a valid policy and keeps the old one when a file is bad', async () => {
    await writeFile(join(dir, 'p.yaml'), good('v1'));
    const errors: PolicyIssue[][] = [];
    store = await createPolicyStore(dir, { watch: false, onError: (i) => errors.push(i) });
    const first = store.current();
    await writeFile(join(dir, 'p.yaml'), good('v2'));
    expect((await store.reload()).ok).toBe(true);
    expect(store.current().rules[0].id).toBe('v2');
    await writeFile(join(dir, 'p.yaml'), good('v3').replace('connections', 'conections'));
    expect((await store.reload()).ok).toBe(false);
    expect(store.current().rules[0].id).toBe('v2');
    expect(store.current()).not.toBe(first);
    expect(errors.map((e) => e.map(formatIssue))).toEqual([[`${join(dir, 'p.yaml')}:5:5: rules[0].conections: unknown key, did you mean "connections"? (expected one of: id, description, match, connections, models, detectors, restoreTokens, approve, block, justification, maxBodyBytes, quotas, allowJobHeader, reviewers)`]]);
  });

  it('hot-reloads on file changes and keeps the old policy on a malformed file', async () => {
    await writeFile(join(dir, 'p.yaml'), good('v1'));
    let onReload: (p: Policy) => void = () => undefined;
    let onError: (i: PolicyIssue[]) => void = () => undefined;
    store = await createPolicyStore(dir, { debounceMs: 20, onReload: (p) => onReload(p), onError: (i) => onError(i) });
    const next = <T>(set: (fn: (v: T) => void) => void, done: (v: T) => boolean = () => true) =>
      new Promise<T>((resolve) => set((v) => done(v) && resolve(v)));

    // A burst of writes (debounced; timing decides how many reloads) ends with the final content in force.
    const reloaded = next<Policy>((fn) => (onReload = fn), (p) => p.rules[0].id === 'v2');
    for (const id of ['a', 'b', 'v2']) await writeFile(join(dir, 'p.yaml'), good(id));
    expect((await reloaded).rules[0].id).toBe('v2');
    expect(store.current().rules[0].id).toBe('v2');

    const failed = next<PolicyIssue[]>((fn) => (onError = fn));
    await writeFile(join(dir, 'p.yaml'), 'version: 1\nrules: [\n');
    const issues = await failed;
    expect(issues[0]).toMatchObject({ file: join(dir, 'p.yaml'), key: '(root)' });
    expect(store.current().rules[0].id).toBe('v2');

    const fixed = next<Policy>((fn) => (onReload = fn));
    await writeFile(join(dir, 'p.yaml'), good('v3'));
    expect((await fixed).rules[0].id).toBe('v3');
  });
});
