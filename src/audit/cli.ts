// `sluice audit verify|search|replay|tail`: exit code 0 = ok, 1 = problems found / nothing matched, 2 = usage.
import { parseArgs } from 'node:util';
import { SluiceError } from '../errors.js';
import { consoleIo, emit, type CliIo } from './io.js';
import { loadPublicKey } from './keys.js';
import { runReplay } from './replay.js';
import { parseTime, runSearch, type SearchFilter } from './search.js';
import { runTail } from './tail.js';
import { verifyAuditLog } from './verify.js';

const DEFAULT_DIR = process.env.SLUICE_AUDIT_DIR ?? './audit';

export const USAGE = `usage:
  sluice audit verify [--dir D] [--public-key F]
  sluice audit verify --db URL [--table T] [--instance I] [--dir D] [--public-key F]
                      (every instance's chain in the database; with --dir, also that folder's records against it)
  sluice audit search [--dir D | --db URL [--table T]] [--subject S] [--job J] [--session S] [--decision D]
                      [--detector ID] [--kind K] [--since T] [--until T] [--json]   (T: ISO-8601 or 30m, 2h, 7d)
  sluice audit replay <session> [--dir D | --db URL [--table T]]   (--db: the session across every instance)
  sluice audit ship --db URL [--table T] [--dir D] [--instance I]  (copy a stopped instance's folder, exactly once)
  sluice audit tail [--dir D] [--lines N|all] [--follow]
  (--db defaults to $SLUICE_AUDIT_DB)
`;

type Sub = (args: string[], io: CliIo) => Promise<number>;

const SUBCOMMANDS: Record<string, Sub> = { verify, search, replay, tail, ship };

export async function auditCommand(argv: string[], io: CliIo = consoleIo()): Promise<number> {
  const [name, ...rest] = argv;
  const sub = name === undefined ? undefined : SUBCOMMANDS[name];
  if (!sub) {
    await emit(io.stderr, USAGE);
    return 2;
  }
  try {
    return await sub(rest, io);
  } catch (err) {
    const usage = (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') || (err instanceof SluiceError && err.code === 'SLUICE_BAD_REQUEST');
    await emit(io.stderr, `sluice audit ${name}: ${(err as Error).message}\n`);
    if (usage) await emit(io.stderr, USAGE);
    return usage ? 2 : 1;
  }
}

const dirOption = { dir: { type: 'string', default: DEFAULT_DIR } } as const;
const dbOptions = { db: { type: 'string' }, table: { type: 'string' } } as const;
const db = () => import('./db/cli.js');
/** --db given (or $SLUICE_AUDIT_DB): read the shared store instead of the local files. */
const wantsDb = (values: { db?: string }) => values.db !== undefined || process.env.SLUICE_AUDIT_DB !== undefined;

async function verify(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { dir: { type: 'string' }, ...dbOptions, instance: { type: 'string' }, 'public-key': { type: 'string' } } });
  const publicKey = values['public-key'] ? loadPublicKey(values['public-key']) : undefined;
  if (wantsDb(values)) {
    const d = await db();
    return d.verifyFromDb(d.dbTarget(values), { publicKey, instance: values.instance, dir: values.dir }, io);
  }
  values.dir ??= DEFAULT_DIR;
  const report = await verifyAuditLog({ dir: values.dir, publicKey });
  for (const i of report.issues) {
    await emit(io.stdout, `${i.file}:${i.line}: ${i.severity} ${i.code}: ${i.message}\n`);
  }
  const hidden = report.errors - report.issues.filter((i) => i.severity === 'error').length;
  if (hidden > 0) await emit(io.stdout, `… and ${hidden} more error(s)\n`);
  const summary = `${report.files} file(s), ${report.records} record(s), last seq ${report.lastSeq}, ${report.checkpoints} checkpoint(s), ${report.signaturesVerified} signature(s) verified`;
  await emit(io.stdout, report.ok ? `OK: ${summary}\n` : `FAILED: ${report.errors} error(s) in ${summary}\n`);
  return report.ok ? 0 : 1;
}

async function search(args: string[], io: CliIo): Promise<number> {
  const str = { type: 'string' } as const;
  const { values } = parseArgs({
    args,
    options: { ...dirOption, ...dbOptions, subject: str, job: str, session: str, decision: str, detector: str, kind: str, since: str, until: str, json: { type: 'boolean' } },
  });
  const now = Date.now();
  const filter: SearchFilter = {
    subject: values.subject,
    job: values.job,
    session: values.session,
    decision: values.decision,
    detector: values.detector,
    kind: values.kind,
    since: values.since === undefined ? undefined : parseTime(values.since, now),
    until: values.until === undefined ? undefined : parseTime(values.until, now),
  };
  if (wantsDb(values)) {
    const d = await db();
    return (await d.searchFromDb(d.dbTarget(values), filter, values.json === true, io)) > 0 ? 0 : 1;
  }
  const n = await runSearch(values.dir, filter, values.json === true, io);
  return n > 0 ? 0 : 1;
}

async function replay(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { ...dirOption, ...dbOptions }, allowPositionals: true });
  if (positionals.length !== 1) throw new SluiceError('SLUICE_BAD_REQUEST', 'expected exactly one session id');
  if (wantsDb(values)) {
    const d = await db();
    return (await d.replayFromDb(d.dbTarget(values), positionals[0], io)) > 0 ? 0 : 1;
  }
  return (await runReplay(values.dir, positionals[0], io)) > 0 ? 0 : 1;
}

async function ship(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { ...dirOption, ...dbOptions, instance: { type: 'string' } } });
  const d = await db();
  return d.shipFolder(d.dbTarget(values), values.dir, values.instance, io);
}

async function tail(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { ...dirOption, follow: { type: 'boolean', short: 'f' }, lines: { type: 'string', short: 'n', default: '10' } } });
  const lines = values.lines === 'all' ? 'all' : Number(values.lines);
  if (lines !== 'all' && !(Number.isInteger(lines) && lines >= 0)) throw new SluiceError('SLUICE_BAD_REQUEST', '--lines must be a whole number or "all"');
  if (!values.follow || io.signal) {
    await runTail(values.dir, { follow: values.follow === true, lines }, io);
    return 0;
  }
  // Following from a terminal or a shipper: stop cleanly on SIGINT/SIGTERM.
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    await runTail(values.dir, { follow: true, lines }, { ...io, signal: ac.signal });
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
  return 0;
}
