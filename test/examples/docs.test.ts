// The examples and guides (issue 20) stay connected: every example folder is one the runner knows (so `npm run
// examples` runs it or says why not), and every relative link in the examples' READMEs and docs/guides/ resolves.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from '../helpers/stack.js';
// @ts-expect-error: a plain ESM module without type declarations
import { EXAMPLES } from '../../examples/runner/examples.mjs';

const exampleDirs = readdirSync(join(REPO, 'examples')).filter((d) => existsSync(join(REPO, 'examples', d, 'README.md')));

it('every example folder with a README is run (or reported) by npm run examples', () => {
  expect(exampleDirs.sort()).toEqual((EXAMPLES as Array<{ name: string }>).map((e) => e.name).sort());
});

it('relative links in the examples and guides point at files that exist', () => {
  const docs = [
    'examples/README.md',
    ...exampleDirs.map((d) => `examples/${d}/README.md`),
    ...readdirSync(join(REPO, 'docs/guides')).map((f) => `docs/guides/${f}`),
  ];
  const broken: string[] = [];
  for (const doc of docs) {
    const text = readFileSync(join(REPO, doc), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target) || target.startsWith('#')) continue;
      const path = join(REPO, dirname(doc), target.split('#')[0]);
      if (!existsSync(path) || (target.endsWith('/') && !statSync(path).isDirectory())) broken.push(`${doc}: ${target}`);
    }
  }
  expect(broken).toEqual([]);
});
