// deploy/kubernetes/ against the Kubernetes OpenAPI schema (kubernetes-models, shipped with the package: no cluster
// and no network), plus what a schema cannot see: the pieces refer to each other correctly and stay in step with
// deploy/sluice.yaml and policies/.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { REPO } from '../helpers/stack.js';

const require = createRequire(import.meta.url);
const DIR = join(REPO, 'deploy/kubernetes');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [k: string]: unknown;
}
const manifests: Array<Manifest & { file: string }> = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((file) => parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => ({ ...(d.toJS() as Manifest), file })));
const find = (kind: string, name = 'sluice') => {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name}`);
  return m as any; // eslint-disable-line @typescript-eslint/no-explicit-any
};

/** The kubernetes-models class for a manifest: `kubernetes-models/<group>/<version>/<Kind>` (core: `v1/<Kind>`). */
function validate(m: Manifest): void {
  const path = `kubernetes-models/${m.apiVersion}/${m.kind}`;
  const Model = require(path)[m.kind] as new (o: unknown) => { validate(): void };
  new Model(m).validate();
}

describe('Kubernetes manifests', () => {
  it('are the expected objects', () => {
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'ConfigMap/sluice-config', 'ConfigMap/sluice-policies', 'Deployment/sluice', 'HorizontalPodAutoscaler/sluice',
      'PodDisruptionBudget/sluice', 'Secret/sluice-secrets', 'Service/sluice',
    ]);
    const kustomization = parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0].toJS() as { resources: string[] };
    expect(kustomization.resources.sort()).toEqual([...new Set(manifests.map((m) => m.file))].sort());
  });

  it.each(manifests.map((m) => [`${m.kind}/${m.metadata.name}`, m] as const))('%s validates against the Kubernetes schema', (_n, m) => {
    expect(() => validate(m)).not.toThrow();
  });

  it('the schema alone lets a misspelt field through; the typed check below catches it', () => {
    const d = structuredClone(find('Deployment'));
    d.spec.template.spec.containers[0].readinessProbe.httpGet.prot = 8080;
    expect(() => validate(d)).not.toThrow(); // Kubernetes' OpenAPI schema allows unknown fields
    const h = structuredClone(find('HorizontalPodAutoscaler'));
    h.spec.minReplicas = 'three';
    expect(() => validate(h)).toThrow(); // but not wrong types
  });

  it('has no field the Kubernetes types do not know (kubernetes-models type definitions, strict tsc)', () => {
    // Object literals typed as IDeployment etc.: tsc's excess-property check names any unknown field, at any depth.
    mkdirSync(join(REPO, '.sluice'), { recursive: true });
    const dir = mkdtempSync(join(REPO, '.sluice', 'k8s-types-'));
    try {
      const file = (name: string, ms: Manifest[]) => {
        const kinds = [...new Set(ms.map((m) => `${m.apiVersion}/${m.kind}`))];
        const imports = kinds.map((k) => `import type { I${k.split('/').at(-1)} } from 'kubernetes-models/${k}';`);
        const consts = ms.map((m, i) => `export const m${i}: I${m.kind} = ${JSON.stringify(m, (k, v) => (k === 'file' ? undefined : v))};`);
        writeFileSync(join(dir, name), [...imports, ...consts, ''].join('\n'));
        return join(dir, name);
      };
      const typo = structuredClone(find('Deployment'));
      typo.spec.template.spec.containers[0].readinessProbe.httpGet.prot = 8080;
      const real = file('manifests.ts', manifests);
      const bad = file('typo.ts', [typo]);
      const program = ts.createProgram([real, bad], {
        strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
      });
      const problems = (f: string) => ts.getPreEmitDiagnostics(program, program.getSourceFile(f)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
      expect(problems(real)).toEqual([]);
      expect(problems(bad).join('\n')).toMatch(/'"?prot"?' does not exist in type 'IHTTPGetAction'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('probes, PDB, HPA and Service point at the gateway', () => {
    const d = find('Deployment');
    const pod = d.spec.template;
    const c = pod.spec.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.ports).toContainEqual({ name: 'http', containerPort: 8080 });
    for (const other of [find('PodDisruptionBudget').spec.selector.matchLabels, d.spec.selector.matchLabels, find('Service').spec.selector]) {
      expect(pod.metadata.labels).toMatchObject(other);
    }
    expect(find('HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'sluice' });
    expect(find('HorizontalPodAutoscaler').spec.metrics[0].resource.name).toBe('cpu');
    expect(c.resources.requests.cpu).toBeTruthy(); // HPA utilisation needs a CPU request
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it('policies are a directory mount (subPath mounts never see ConfigMap updates, so no hot reload)', () => {
    const c = find('Deployment').spec.template.spec.containers[0];
    const mount = c.volumeMounts.find((v: { mountPath: string }) => v.mountPath === '/etc/sluice/policies');
    expect(mount).toBeDefined();
    expect(mount.subPath).toBeUndefined();
    const vol = find('Deployment').spec.template.spec.volumes.find((v: { name: string }) => v.name === mount.name);
    expect(vol.configMap.name).toBe('sluice-policies');
  });

  it('the ConfigMaps carry deploy/sluice.yaml and policies/, and the config validates with the pod environment', () => {
    const conf = find('ConfigMap', 'sluice-config').data['sluice.yaml'];
    expect(conf).toBe(readFileSync(join(REPO, 'deploy/sluice.yaml'), 'utf8'));
    expect(find('ConfigMap', 'sluice-policies').data['default.yaml']).toBe(readFileSync(join(REPO, 'policies/default.yaml'), 'utf8'));
    // The container's environment: plain values, and Secret keys resolved from the Secret manifest.
    const secret = find('Secret', 'sluice-secrets').stringData as Record<string, string>;
    const env: Record<string, string> = {};
    for (const e of find('Deployment').spec.template.spec.containers[0].env) {
      if (e.value !== undefined) env[e.name] = e.value;
      else {
        const ref = e.valueFrom.secretKeyRef;
        expect(ref.name).toBe('sluice-secrets');
        expect(secret).toHaveProperty(ref.key);
        env[e.name] = secret[ref.key];
      }
    }
    const { config } = parseConfig(conf, '/etc/sluice/sluice.yaml', env);
    expect(config.demo.enabled).toBe(false);
    expect(config.stores.redis?.url).toBe(secret.REDIS_URL);
    expect(config.policies.dir).toBe('/etc/sluice/policies');
    expect(config.server.shutdownGraceMs / 1000).toBeLessThan(find('Deployment').spec.template.spec.terminationGracePeriodSeconds);
  });
});
