// The docs run the local CLI directly: `npx sluice` copies the project into npm's cache and rebuilds it, or fetches
// an unrelated registry package named sluice (issue 15). Only the README's sentence explaining that may name it.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from '../helpers/stack.js';

it('no doc, example or message tells anyone to run `npx sluice`', () => {
  const files = ['README.md', 'sluice.yaml', ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const offenders = files.flatMap((f) =>
    readFileSync(join(REPO, f), 'utf8')
      .split('\n')
      .map((line, i) => ({ f, i: i + 1, line }))
      .filter(({ line }) => /npx sluice\b/.test(line) && !line.includes('`npx sluice`')),
  );
  expect(offenders.map((o) => `${o.f}:${o.i}: ${o.line.trim()}`)).toEqual([]);
});
