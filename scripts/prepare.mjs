// `npm install` / `npm ci` in a clone builds (tsc + asc). Without dev dependencies (`--omit=dev`) the compilers are
// absent: say so and skip instead of failing on `asc: not found`. Operators install the packed tarball (npm pack),
// which carries dist/ and the compiled WASM and needs no build (docs/deploy.md).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const has = (pkg) => {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
};

if (!has('typescript') || !has('assemblyscript')) {
  const built = existsSync(new URL('../dist/cli/index.js', import.meta.url)) && existsSync(new URL('../build/matcher.wasm', import.meta.url));
  process.stderr.write(
    `sluice: dev dependencies are not installed, so nothing is built here${built ? ' (dist/ and build/ are already present)' : ''}.\n` +
      (built ? '' : 'sluice: for a production install use the packed tarball (`npm pack`, then `npm install --omit=dev ./sluice-*.tgz`; docs/deploy.md),\n        or run `npm ci` with dev dependencies first.\n'),
  );
  process.exit(0);
}
const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
