import { defineConfig } from 'vitest/config';
import type { TestProjectInlineConfiguration } from 'vitest/config';

// `npm test` runs the suite in two passes (BATON_TESTS=all: both in one `vitest run`, so that the
// global setup — service bundles, PGlite template — is done once): first `parallel`, the files
// that mostly wait on I/O, two at a time; then `serial`, the files that measure responsiveness or
// kill services under time bounds (chaos, isolation, fuzz), one at a time, once every parallel file
// has ended, so that no other file's load changes what they measure. BATON_TESTS=parallel or
// =serial runs one pass. Without BATON_TESTS every file runs, one at a time.
//
// The unit tests (UNIT: the pure core package, the tests next to the sources, the chaos checks on
// hand-made snapshots) run in workers that are not reset between files (isolate: false): they
// change no global state, so all they share is the modules they import, which then load once per
// worker instead of once per file — most of such a file's time. So do the integration files of the
// parallel pass (project `integration`): each starts what it needs (servers, clusters, databases)
// in its hooks and stops it in afterAll, and loading the services' modules into a fresh worker was
// ~4 s of each file (import time of 22 web/runtime files: 90 s isolated, 18 s shared). A file
// that sets process-wide state or measures time in milliseconds (ISOLATED) gets a worker of its
// own (project `isolated`). tests/fuzz/wire.test.ts (sockets only, no clock) runs in the parallel pass.
// tests/runtime/rate-limits-cluster.test.ts times calls to a few hundred milliseconds as they arrive
// at its target: under the parallel pass's load a late trip crowded one 2 s window once in five CI
// runs on a slow machine (stop 39), so it runs here.
const SERIAL = ['tests/chaos/**/!(checks).test.ts', 'tests/isolation/**/*.test.ts', 'tests/fuzz/**/!(wire).test.ts', 'tests/runtime/rate-limits-cluster.test.ts'];
const UNIT = ['packages/core/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tests/chaos/checks.test.ts'];
/**
 * Files kept in a fresh worker each:
 * - the limiter's unit test, with a tolerance of a few milliseconds: its first reservation (which
 *   connects to Redis) must land within 50 ms, and a worker that ran other files made it 77 ms once;
 * - files that set process-wide state: the tracers of a process (tests/tracing), handlers of
 *   uncaught errors (tests/hostile, tests/fuzz/wire.test.ts, the store's connection tests), the
 *   PGlite template's variable (the store's template tests).
 */
const ISOLATED = [
  'packages/bus/src/limiter/limiter.test.ts',
  'tests/tracing/**/*.test.ts',
  'tests/hostile/**/*.test.ts',
  'tests/fuzz/wire.test.ts',
  'packages/store/tests/postgres-connection.test.ts',
  'packages/store/tests/pglite-template.test.ts',
];
/**
 * The rest of the store and engine suites (timing-heavy: leases, resends, schedules) share workers
 * among themselves (project `suites`), not with the integration files and the services' modules
 * those load: they set no process-wide state, and passed shared; a fresh worker per file was
 * about 1 s of imports each (store + engine alone, two workers: 83 s isolated, 67–71 s shared).
 */
const SUITES = ['packages/store/tests/**/*.test.ts', 'packages/engine/tests/**/*.test.ts'];
const INTEGRATION = ['tests/**/*.test.ts', 'packages/*/tests/**/*.test.ts', 'services/*/tests/**/*.test.ts', 'apps/*/tests/**/*.test.ts'];
const ALL = ['tests/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'packages/*/tests/**/*.test.ts', 'services/*/src/**/*.test.ts', 'services/*/tests/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/tests/**/*.test.ts'];
const EXCLUDE = ['**/node_modules/**'];
const pass = process.env.BATON_TESTS;
if (pass !== undefined && pass !== 'all' && pass !== 'parallel' && pass !== 'serial') throw new Error(`BATON_TESTS must be "all", "parallel" or "serial", not ${JSON.stringify(pass)}`);

const common = { testTimeout: 30_000, hookTimeout: 60_000, pool: 'forks' } as const;
// A project would run the root's global setup again (vitest runs the root project's in any case).
const project = { ...common, globalSetup: [] };

const parallelPass: TestProjectInlineConfiguration[] = [
  { test: { ...project, name: 'integration', include: INTEGRATION, exclude: [...EXCLUDE, ...SERIAL, ...ISOLATED, ...SUITES, 'packages/core/**', 'tests/chaos/checks.test.ts'], isolate: false, maxWorkers: 2, sequence: { groupOrder: 0 } } },
  { test: { ...project, name: 'suites', include: SUITES, exclude: [...EXCLUDE, ...SERIAL, ...ISOLATED], isolate: false, maxWorkers: 2, sequence: { groupOrder: 0 } } },
  { test: { ...project, name: 'isolated', include: ISOLATED, exclude: [...EXCLUDE, ...SERIAL], maxWorkers: 2, sequence: { groupOrder: 0 } } },
  { test: { ...project, name: 'unit', include: UNIT, exclude: [...EXCLUDE, ...ISOLATED], isolate: false, maxWorkers: 2, sequence: { groupOrder: 0 } } },
];
const serialPass: TestProjectInlineConfiguration[] = [{ test: { ...project, name: 'serial', include: SERIAL, exclude: EXCLUDE, maxWorkers: 1, sequence: { groupOrder: 1 } } }];

export default defineConfig({
  test: {
    ...common,
    include: ALL,
    exclude: EXCLUDE,
    maxWorkers: 1,
    globalSetup: ['tests/global-setup.ts'],
    reporters: ['default'],
    ...(pass === undefined ? {} : { projects: [...(pass === 'serial' ? [] : parallelPass), ...(pass === 'parallel' ? [] : serialPass)] }),
  },
});
