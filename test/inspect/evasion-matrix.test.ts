// The README's evasion matrix is the engine's: regenerated here from the built engine and compared.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';

test('README evasion matrix is up to date (npm run gen:evasions)', async () => {
  const root = new URL('../../', import.meta.url);
  const { matrix } = (await import(new URL('scripts/evasion-matrix.mjs', root).href)) as { matrix(): string };
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const block = readme.slice(readme.indexOf('<!-- evasion-matrix:start'), readme.indexOf('<!-- evasion-matrix:end -->') + '<!-- evasion-matrix:end -->'.length);
  const want = matrix();
  expect(block === want, 'README.md evasion matrix differs from the engine: run npm run gen:evasions').toBe(true);
  // The claims the issue makes must hold in it: the scripts and separators it names are caught for cards.
  expect(want).toMatch(/\| decimal digits of every script[^\n]*\| ✓ \| ✓ \| ✓ \| ✓ \|/);
  expect(want).toMatch(/\| an invisible character after every character[^\n]*\| ✓ \| ✓ \| ✓ \| ✓ \|/);
}, 60_000);
