import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'main/**/*.test.ts', 'host/**/*.test.ts', 'workers/**/*.test.ts', 'bin/**/*.test.ts', 'cli/**/*.test.ts', 'renderer/src/**/*.test.ts', 'tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default on a 2-core machine is one worker (cores − 1); most of the suite waits on child processes
    // (CLI, workers, SQLite), so two run side by side: 706 s → 430 s for the whole suite, every test passing.
    maxWorkers: 2,
    globalSetup: ['tests/unit/build-cli.setup.ts'],
  },
});
