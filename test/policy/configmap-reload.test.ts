// Hot reload from a Kubernetes ConfigMap volume: the kubelet writes a new timestamped folder, then renames a fresh
// `..data` symlink over the old one; the policy files are symlinks through `..data` and never change name themselves.
import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createPolicyStore, type PolicyStore } from '../../src/policy/load.js';

const policy = (id: string) => `version: 1\nrules:\n  - id: ${id}\n    match: { groups: [g] }\n    connections: [openai]\n`;

let dir: string | undefined;
let store: PolicyStore | undefined;
afterEach(async () => {
  store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What the kubelet's atomic writer does for one update. */
async function kubeletWrite(root: string, version: string, files: Record<string, string>): Promise<void> {
  const ts = join(root, `..${version}`);
  await mkdir(ts);
  for (const [name, text] of Object.entries(files)) await writeFile(join(ts, name), text);
  await symlink(`..${version}`, join(root, '..data_tmp'));
  await rename(join(root, '..data_tmp'), join(root, '..data'));
}

it('reloads when a ConfigMap update swaps the ..data symlink', async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-configmap-'));
  await kubeletWrite(dir, '2026_12_01_10_00_00.1', { 'default.yaml': policy('before') });
  await symlink('..data/default.yaml', join(dir, 'default.yaml'));
  const reloaded: string[] = [];
  store = await createPolicyStore(dir, { watch: true, debounceMs: 20, onReload: (p) => reloaded.push(p.rules[0].id) });
  expect(store.current().rules[0].id).toBe('before');

  await kubeletWrite(dir, '2026_12_01_10_05_00.2', { 'default.yaml': policy('after') });
  const deadline = Date.now() + 5000;
  while (store.current().rules[0].id !== 'after' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(store.current().rules[0].id).toBe('after');
  expect(reloaded).toContain('after');
});
