// Locate files of the installed package, whether running from src/ (vitest) or dist/ (node).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot locate the Sluice package root');
    dir = up;
  }
  root = dir;
  return dir;
}

/** A compiled JS module in dist/ (workers must load JS even when the caller runs from TypeScript sources). */
export function distFile(rel: string): string {
  const file = join(packageRoot(), 'dist', rel);
  if (!existsSync(file)) throw new Error(`${rel} is not built: run \`npm run build\``);
  return file;
}
