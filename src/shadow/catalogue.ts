// The signature catalogue: the shipped data file plus `egress.signatures` from sluice.yaml.
// An entry in config with the id of a shipped one replaces it; new ids are added.
import builtin from './catalogue.json' with { type: 'json' };
import { ConfigError, parseSection } from '../config/problems.js';
import { SignaturesSchema, type SignatureCatalogue } from './catalogue-schema.js';

export type { SignatureCatalogue, HostSignature, PathSignature, HeaderSignature, BodySignature } from './catalogue-schema.js';

/** The shipped catalogue merged with an extension (already validated by the schema). */
export function loadCatalogue(extra?: Partial<SignatureCatalogue>): SignatureCatalogue {
  const base = shipped();
  return {
    hosts: merge(base.hosts, extra?.hosts),
    paths: merge(base.paths, extra?.paths),
    headers: merge(base.headers, extra?.headers),
    body: merge(base.body, extra?.body),
  };
}

let shippedCatalogue: SignatureCatalogue | undefined;

// The data file goes through the same schema as config, once: a bad edit fails loudly at start.
function shipped(): SignatureCatalogue {
  if (shippedCatalogue) return shippedCatalogue;
  const { version, ...sections } = builtin;
  if (version !== 1) throw new ConfigError([{ file: 'src/shadow/catalogue.json', path: ['version'], message: 'expected 1' }]);
  shippedCatalogue = parseSection(SignaturesSchema, sections, []);
  return shippedCatalogue;
}

/** Parses and merges a raw extension in one step (tests, the CLI); throws ConfigError listing every problem. */
export function catalogueWith(raw: unknown, label = 'egress.signatures'): SignatureCatalogue {
  return loadCatalogue(parseSection(SignaturesSchema, raw, label.split('.')));
}

function merge<T extends { id: string }>(base: T[], extra: T[] | undefined): T[] {
  if (!extra?.length) return base;
  const ids = new Set(extra.map((e) => e.id));
  return [...base.filter((b) => !ids.has(b.id)), ...extra];
}

export { ConfigError };
