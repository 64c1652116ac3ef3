import { defineConfig } from 'vitest/config';

// `npm test` runs the suite in two passes (BATON_TESTS): `parallel`, the files that mostly wait on
// I/O, two at a time; then `serial`, the files that measure responsiveness or kill services under
// time bounds (chaos, isolation, fuzz), one at a time, so that no other file's load changes what
// they measure. Without BATON_TESTS every file runs, one at a time.
const SERIAL = ['tests/chaos/**/*.test.ts', 'tests/isolation/**/*.test.ts', 'tests/fuzz/**/*.test.ts'];
const ALL = ['tests/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'packages/*/tests/**/*.test.ts', 'services/*/src/**/*.test.ts', 'services/*/tests/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/tests/**/*.test.ts'];
const pass = process.env.BATON_TESTS;
if (pass !== undefined && pass !== 'parallel' && pass !== 'serial') throw new Error(`BATON_TESTS must be "parallel" or "serial", not ${JSON.stringify(pass)}`);

export default defineConfig({
  test: {
    include: pass === 'serial' ? SERIAL : ALL,
    exclude: pass === 'parallel' ? ['**/node_modules/**', ...SERIAL] : ['**/node_modules/**'],
    maxWorkers: pass === 'parallel' ? 2 : 1,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['tests/global-setup.ts'],
    reporters: ['default'],
  },
});
