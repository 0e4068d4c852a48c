// `npm run bench [-- options]`: micro benchmarks, then Sluice against direct, a naive Node proxy, nginx
// and (optionally) Portkey, measured in the same run on this machine. See docs/benchmarks.md.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseBenchArgs, USAGE } from './lib/args.js';
import { checkInputs, decideCheck } from './lib/check.js';
import { foldMacro } from './lib/fold.js';
import { describeMachine, machineNote } from './lib/machine.js';
import { macroRound } from './lib/macro.js';
import { runSoak } from './lib/memory.js';
import { runMicro } from './lib/micro.js';
import { renderText, writeResults } from './lib/report.js';
import { REPO } from './lib/sluice-config.js';
import { startStack } from './lib/stack.js';
import { runSweep, sweepAdvice } from './lib/sweep.js';
import { threadsPhase } from './lib/threads.js';
import { auditStorePhase } from './lib/audit-store.js';
import { chatBodies } from './lib/payload.js';

const log = (line) => process.stdout.write(`${line}\n`);

function requireBuild() {
  const missing = ['dist/main.js', 'dist/demo/mock-cli.js', 'dist/config/load.js'].filter((f) => !existsSync(join(REPO, f)));
  if (missing.length > 0) {
    log(`bench: ${missing.join(', ')} missing: run \`npm run build\` first`);
    process.exit(2);
  }
}

/** Upper bound on the whole run; past it the harness kills its children and exits (never runs forever). */
function watchdog(opts) {
  const phaseS = opts.durationMs / 1000 + 3;
  const perRound = (opts.rates.length + 1) * 5 * phaseS + 5 * 30 + 120 + (opts.threads?.length ?? 0) * (phaseS + 30) + (opts.auditDb ? 300 : 0);
  const sweepS = opts.sweep ? opts.sweep.reduce((n, a) => n * a.values.length, 1) * (2 * phaseS + 15) : 0;
  const limitS = 3 * (perRound * opts.repeat + sweepS + (opts.soak ? opts.soakMinutes * 60 : 0)) + 300;
  setTimeout(() => {
    log(`bench: still running after ${Math.round(limitS)} s, giving up`);
    process.exit(3);
  }, limitS * 1000).unref();
}

async function macro(opts, result) {
  log('\nstarting targets (each in its own process):');
  const stack = await startStack(opts, log);
  result.targets = stack.status;
  try {
    const rounds = [];
    for (let i = 0; i < opts.repeat; i++) {
      if (opts.repeat > 1) log(`\nround ${i + 1}/${opts.repeat}`);
      rounds.push(await macroRound(stack, opts, log));
    }
    Object.assign(result, foldMacro(rounds));
    if (opts.threads) {
      log(`\nserver.threads (${opts.threads.join(', ')}), closed loop:`);
      result.threads = await threadsPhase(stack, opts, log);
    }
    if (opts.auditDb) {
      log('\naudit store (PostgreSQL): Sluice with audit.sinks [file, postgres] vs [file], then an outage:');
      try {
        result.auditStore = await auditStorePhase({
          url: opts.auditDb, files: stack.sluiceFiles, token: stack.token, log,
          requests: opts.quick ? 2000 : 4000, repeat: opts.quick ? 1 : 3, connections: Math.min(opts.connections, 32), outage: opts.quick ? 3000 : 8000,
        });
      } catch (err) {
        // Never the URL (it may hold a password).
        result.notes.push(`audit store phase failed: ${err.message.split('\n')[0].replace(/postgres(ql)?:\/\/\S+/g, '(database URL)')}`);
        log(`  FAILED: ${result.notes.at(-1)}`);
      }
    }
    const sluice = stack.find('sluice');
    if (opts.soak && sluice) {
      log(`\nsoak: ${opts.soakMinutes} min at ${opts.soakRate} req/s through Sluice`);
      result.soak = await runSoak({ proc: sluice.proc, target: sluice, bodies: chatBodies(), rate: opts.soakRate, minutes: opts.soakMinutes, log });
    }
  } finally {
    await stack.stop();
  }
  for (const t of result.targets) if (t.name === 'sluice' && t.status !== 'ok') result.notes.push(`Sluice did not run: ${t.reason.split('\n')[0]}`);
}

async function main() {
  let opts;
  try {
    opts = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    log(`bench: ${err.message}\n${USAGE}`);
    process.exit(2);
  }
  if (opts.help) return log(USAGE);
  requireBuild();
  watchdog(opts);
  const machine = describeMachine();
  const result = { startedAt: new Date().toISOString(), argv: process.argv.slice(2), options: opts, machine, notes: [] };
  log(`Sluice benchmark on ${machineNote(machine)}`);
  if (!existsSync(join(REPO, 'build/matcher.wasm'))) result.notes.push('build/matcher.wasm is missing (`npm run build:wasm`): inspection ran without the WASM matcher, if at all');

  if (opts.micro) {
    log('\nmicro benchmarks (tinybench, one process per file):');
    result.micro = await runMicro({ quick: opts.quick, log });
  }
  if (opts.sweep) {
    log(`\nsweep (${opts.durationMs / 1000} s per phase, Sluice restarted per setting):`);
    result.sweep = await runSweep(opts, log);
  } else if (opts.macro) {
    await macro(opts, result);
  }
  if (opts.check) result.check = decideCheck(checkInputs(result), opts.budgets);

  log(`\n${renderText(result)}`);
  if (result.sweep) log(`\n${sweepAdvice(result.sweep)}`);
  const files = writeResults(result, join(REPO, 'bench/results'));
  log(`\nresults: ${files.json}\n         ${files.md}`);
  if (result.check) {
    log(`\ncheck:\n${result.check.lines.map((l) => `  ${l}`).join('\n')}`);
    if (!result.check.ok) process.exitCode = 1;
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    log(`bench: ${err.stack ?? err}`);
    process.exit(1);
  },
);
