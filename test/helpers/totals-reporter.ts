// Prints the plain totals line CI records: `N passed, N failed[, N skipped]`, after one `FAILED: file > test: error`
// line per failure (CI collects those lines into its closing summary, which is the part of a long log that is read).
import type { Reporter, TestModule } from 'vitest/node';

export default class TotalsReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const lines: string[] = [];
    for (const m of modules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const r = t.result();
        if (r.state === 'passed') passed++;
        else if (r.state === 'failed') {
          failedHere++;
          lines.push(`FAILED: ${m.moduleId.replace(process.cwd() + '/', '')} > ${t.fullName}: ${firstLine(r.errors?.[0]?.message)}`);
        } else skipped++;
      }
      // A file whose setup or import failed has no failed test of its own but must still count as a failure.
      if (m.state() === 'failed' && failedHere === 0) {
        failedHere = 1;
        lines.push(`FAILED: ${m.moduleId.replace(process.cwd() + '/', '')}: ${firstLine(m.errors()[0]?.message)}`);
      }
      failed += failedHere;
    }
    for (const e of errors) lines.push(`FAILED: unhandled error: ${firstLine((e as { message?: string })?.message)}`);
    failed += errors.length;
    if (lines.length > 0) process.stdout.write(`\n${lines.join('\n')}\n`);
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}

function firstLine(message: string | undefined): string {
  return (message ?? 'no message').split('\n')[0]!.slice(0, 300);
}
