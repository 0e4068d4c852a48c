// `sluice token`: mint a demo token. Prints only the token on stdout so `$(sluice token ...)` works.
import { parseArgs } from 'node:util';
import { DEMO_DIR_DEFAULT, mintDemoToken } from '../demo/issuer.js';

export interface TokenCommandIo {
  stdout?: { write(s: string): unknown };
  stderr?: { write(s: string): unknown };
  /** Demo directory when `--dir` is not given (the gateway's `demo.dir`). */
  dir?: string;
}

export const USAGE = `Usage: sluice token --group <name> [--group <name>...] [--sub <subject>] [--job <job>] [--ttl <seconds>] [--dir <demo dir>]
Mints a token from the local demo issuer (issuer "sluice-demo", audience "sluice").
`;

export async function tokenCommand(argv: string[], io: TokenCommandIo = {}): Promise<number> {
  const out = io.stdout ?? process.stdout;
  const err = io.stderr ?? process.stderr;
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        group: { type: 'string', short: 'g', multiple: true },
        sub: { type: 'string', default: 'demo-user' },
        job: { type: 'string' },
        ttl: { type: 'string', default: '3600' },
        dir: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    err.write(`sluice token: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out.write(USAGE);
    return 0;
  }
  const groups = (values.group ?? []).flatMap((g) => g.split(',')).map((g) => g.trim()).filter((g) => g !== '');
  if (groups.length === 0) {
    err.write(`sluice token: at least one --group is required\n${USAGE}`);
    return 2;
  }
  if (!/^\d+$/.test(values.ttl)) {
    err.write('sluice token: --ttl must be a whole number of seconds\n');
    return 2;
  }
  try {
    const token = await mintDemoToken(values.dir ?? io.dir ?? DEMO_DIR_DEFAULT, {
      subject: values.sub,
      groups,
      job: values.job,
      ttlSeconds: Number(values.ttl),
    });
    out.write(`${token}\n`);
    return 0;
  } catch (e) {
    err.write(`sluice token: ${(e as Error).message}\n`);
    return 1;
  }
}
