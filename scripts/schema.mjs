// Writes what comes from the schemas (after `npm run build:ts`): the JSON Schema files editors use
// (schema/sluice.schema.json, schema/policy.schema.json) and the reference tables in docs/configuration.md and
// docs/policy.md.   node scripts/schema.mjs          write them
//                   node scripts/schema.mjs --check  exit 1 when a file differs (test/config/schema-files.test.ts)
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toJsonSchema } from '@valibot/to-json-schema';
import { ConfigSchema } from '../dist/config/schema.js';
import { policySchema } from '../dist/policy/schema.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// `${VAR}` / `${VAR:-default}` stand where any value may: the loader types them by the key (docs/configuration.md).
const ENV = { type: 'string', pattern: '^\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$', description: 'An environment variable: ${NAME} or ${NAME:-default}.' };

function clean(node, env) {
  if (Array.isArray(node)) return node.map((n) => clean(n, env));
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, x] of Object.entries(node)) {
    if (k === 'x-secret') continue;
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(x).map(([name, p]) => [name, clean(p, env)])) : clean(x, env);
  }
  // A value other than a free string may be written as an environment variable in sluice.yaml.
  if (env && (['integer', 'number', 'boolean', 'array'].includes(out.type) || out.enum || out.pattern)) {
    const { description, default: def, examples, ...rest } = out;
    return { ...(description ? { description } : {}), ...(def !== undefined ? { default: def } : {}), ...(examples ? { examples } : {}), anyOf: [rest, ENV] };
  }
  return out;
}

export function configJsonSchema() {
  const s = toJsonSchema(ConfigSchema, { errorMode: 'ignore', typeMode: 'input' });
  return { $schema: s.$schema, title: 'sluice.yaml', ...clean(s, true) };
}

export function policyJsonSchema() {
  const s = toJsonSchema(policySchema(() => undefined), { errorMode: 'ignore', typeMode: 'input' });
  return { $schema: s.$schema, title: 'Sluice policy file', ...clean(s, false) };
}

// ---- reference tables -------------------------------------------------------------------------------------------

const code = (x) => `\`${typeof x === 'string' && x !== '' ? x : JSON.stringify(x)}\``;
const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(n) {
  if (!n) return 'any';
  if (n.anyOf) {
    const own = n.anyOf.filter((o) => o.pattern !== ENV.pattern);
    return [...new Set(own.map(typeOf))].join(' or ');
  }
  if (n.enum) return n.enum.map(code).join(' | ');
  if ('const' in n) return code(n.const);
  if (n.type === 'integer') {
    if (n.minimum !== undefined && n.maximum !== undefined) return `integer ${n.minimum}–${n.maximum}`;
    return n.minimum !== undefined ? `integer ≥ ${n.minimum}` : 'integer';
  }
  if (n.type === 'string') return n.minLength ? 'non-empty string' : 'string';
  if (n.type === 'array') return `list of ${typeOf(n.items).replace(/^list of /, 'lists of ').replace(/^(mapping|string|non-empty string|integer|boolean)\b/, '$1s')}${n.minItems ? ' (not empty)' : ''}`;
  if (n.type === 'object') return n.properties ? 'mapping' : `mapping of string → ${typeOf(n.additionalProperties)}`;
  return n.type ?? 'any';
}

/** The mapping a node describes (itself, a list's items, or one branch of a union), to list its keys. */
function mappingOf(n) {
  if (!n) return undefined;
  if (n.type === 'object' && n.properties) return n;
  if (n.type === 'array') return mappingOf(n.items);
  if (n.anyOf) for (const o of n.anyOf) { const m = mappingOf(o); if (m) return m; }
  return undefined;
}

function rows(node, prefix, out) {
  const required = new Set(node.required ?? []);
  for (const [key, p] of Object.entries(node.properties ?? {})) {
    const path = `${prefix}${key}`;
    const listy = p.type === 'array' || p.anyOf?.some((o) => o.type === 'array');
    const def = required.has(key) ? '**required**' : p.default === undefined ? '—' : code(p.default);
    const example = p.examples?.length ? code(p.examples[0]) : p.default !== undefined && !mappingOf(p) ? code(p.default) : '';
    out.push(`| \`${path}\` | ${cell(typeOf(p))} | ${cell(def)} | ${cell(example)} | ${cell(p.description ?? '')} |`);
    const m = mappingOf(p);
    if (m) rows(m, `${path}${listy ? '[]' : ''}.`, out);
  }
  return out;
}

const HEAD = ['| key | type | default | example | meaning |', '|---|---|---|---|---|'];

export function configReference() {
  const s = configJsonSchema();
  const parts = [];
  for (const [section, p] of Object.entries(s.properties)) {
    const m = mappingOf(p);
    parts.push(`### \`${section}\`\n\n${p.description ?? ''}\n\n${[...HEAD, ...(m ? rows(m, '', []) : [`| \`${section}\` | ${cell(typeOf(p))} | — | | |`])].join('\n')}\n`);
  }
  return parts.join('\n');
}

export function policyReference() {
  return `${[...HEAD, ...rows(policyJsonSchema(), '', [])].join('\n')}\n`;
}

// ---- files ------------------------------------------------------------------------------------------------------

const BEGIN = '<!-- BEGIN GENERATED by scripts/schema.mjs: do not edit -->';
const END = '<!-- END GENERATED -->';

function between(file, body) {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file}: no ${BEGIN} … ${END} block`);
  return `${text.slice(0, a + BEGIN.length)}\n\n${body}\n${text.slice(b)}`;
}

/** Every generated file: path → the content it must have. */
export function generated() {
  return {
    'schema/sluice.schema.json': `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
    'schema/policy.schema.json': `${JSON.stringify(policyJsonSchema(), null, 2)}\n`,
    'docs/configuration.md': between('docs/configuration.md', configReference()),
    'docs/policy.md': between('docs/policy.md', policyReference()),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [file, content] of Object.entries(generated())) {
    const abs = join(ROOT, file);
    let now = '';
    try {
      now = readFileSync(abs, 'utf8');
    } catch {
      // written below
    }
    if (now === content) continue;
    stale++;
    if (check) console.error(`${file} is out of date: run npm run schema`);
    else {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, content);
      console.log(`wrote ${file}`);
    }
  }
  process.exitCode = check && stale ? 1 : 0;
}
