// The console's stylesheet and script: read once at start, served under content-hashed names so browsers may
// cache them forever and a new version is a new URL.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';

export interface Asset {
  path: string;
  body: string;
  contentType: string;
}

export interface ConsoleAssets {
  css: Asset;
  js: Asset;
  byPath: Map<string, Asset>;
}

export const ASSET_BASE = '/sluice/console/assets/';

function load(file: string, contentType: string): Asset {
  const body = readFileSync(join(packageRoot(), 'src', 'console', 'assets', file), 'utf8');
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const dot = file.lastIndexOf('.');
  return { path: `${ASSET_BASE}${file.slice(0, dot)}.${hash}${file.slice(dot)}`, body, contentType };
}

export function loadAssets(): ConsoleAssets {
  const css = load('console.css', 'text/css; charset=utf-8');
  const js = load('console.js', 'text/javascript; charset=utf-8');
  return { css, js, byPath: new Map([[css.path, css], [js.path, js]]) };
}
