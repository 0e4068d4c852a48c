// `sluice shadow scan FILE… [--format table|json] [--config sluice.yaml]`
// Exit codes for cron/CI: 0 = no shadow calls, 1 = shadow calls found, 2 = usage or input error.
import { loadConfigFile, ConfigError } from '../config/load.js';
import { loadCatalogue, type SignatureCatalogue } from './catalogue.js';
import { createClassifier } from './classify.js';
import { formatJson, formatTable } from './report.js';
import { scanFiles } from './scan.js';

export const USAGE = `usage: sluice shadow scan FILE... [--format table|json] [--config sluice.yaml]

Reads Squid access logs, nginx/Apache common or combined logs, and JSON lines with host/url
fields (flow or DNS exports); "-" reads stdin and .gz files are decompressed. Reports calls to
LLM APIs by source and host. Exits 1 when any are found, 0 when none, 2 on usage errors.
`;

export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

interface ScanArgs {
  files: string[];
  format: 'table' | 'json';
  config?: string;
}

export async function shadowCommand(argv: string[], io: CliIo = process): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'help' || sub === '--help' || sub === '-h') {
    io.stdout.write(USAGE);
    return 0;
  }
  if (sub !== 'scan') return usage(io, sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`);
  const args = parseArgs(rest);
  if (typeof args === 'string') return usage(io, args);
  let catalogue: SignatureCatalogue;
  try {
    catalogue = args.config ? loadCatalogue(loadConfigFile(args.config).config.egress.signatures) : loadCatalogue();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`sluice shadow: ${err.message}\n`);
    return 2;
  }
  let report;
  try {
    report = await scanFiles(args.files, { classifier: createClassifier(catalogue) });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    io.stderr.write(`sluice shadow: cannot read ${e.path ?? 'input'} (${e.code ?? e.message})\n`);
    return 2;
  }
  io.stdout.write(args.format === 'json' ? formatJson(report) : formatTable(report));
  return report.shadow > 0 ? 1 : 0;
}

function parseArgs(argv: string[]): ScanArgs | string {
  const out: ScanArgs = { files: [], format: 'table' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (flag === '--format' || flag === '--config') {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') return `${flag} needs a value`;
      if (flag === '--config') out.config = v;
      else if (v === 'table' || v === 'json') out.format = v;
      else return `--format must be "table" or "json", not "${v}"`;
    } else if (a.startsWith('-') && a !== '-') {
      return `unknown option "${a}"`;
    } else {
      out.files.push(a);
    }
  }
  return out.files.length ? out : 'no log files given';
}

function usage(io: CliIo, problem: string): number {
  io.stderr.write(`sluice shadow: ${problem}\n${USAGE}`);
  return 2;
}
