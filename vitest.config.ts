import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two test files at a time. Vitest's default is one fewer than the cores: one on a 2-core machine, where most of
    // an e2e file's time is spent waiting on sockets, timers and child processes. Two took the whole suite from 312 to
    // 252 s on the project's 2-core VM (same load, one comparison), which helps keep CI within its 30 minutes.
    maxWorkers: 2,
    reporters: ['default', './test/helpers/totals-reporter.ts'],
  },
});
