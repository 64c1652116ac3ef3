// Issue 12's fuzz suite in `npm test`: 5,000 generated inputs over the REST API, workflow
// documents, jq (the engine and the API), the WebSocket and SSE protocol, against `baton start`
// as a child process — then the same health checks as `npm run fuzz`. A new seed each run
// (FUZZ_SEED replays one); any failure fails the test with its shrunk counterexample, saved under
// tests/fuzz/failures/ for `npx tsx tests/fuzz/replay.ts FILE`.
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runFuzz, TARGET_NAMES } from './suite.ts';

const INPUTS = 5_000;
/** The run's own bound, inside the test's: a run cut short still says its seed and where it was. */
const OWN_LIMIT_MS = 420_000;

it(`sends ${INPUTS} generated inputs: no answer >= 500, no crash, healthy afterwards`, async () => {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
  // Progress on stderr as it happens (CI's log keeps it) and in the failure of a run cut short.
  const lines: string[] = [];
  const log = (line: string) => {
    const stamped = `[fuzz ${new Date().toISOString().slice(11, 19)}] ${line}`;
    lines.push(stamped);
    process.stderr.write(`${stamped}\n`);
  };
  log(`seed ${seed} (FUZZ_SEED=${seed} replays it)`);
  let timer: NodeJS.Timeout | undefined;
  const cutShort = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the fuzz run did not end within ${OWN_LIMIT_MS / 1000} s — seed ${seed}; what it did:\n${lines.join('\n')}`)), OWN_LIMIT_MS);
  });
  const summary = await Promise.race([
    runFuzz({
      inputs: INPUTS,
      // ~50 s on the quiet 2-core machine; the bound leaves room for a loaded one (npm test runs files side by side).
      timeLimitMs: 240_000,
      shrinkLimitMs: 30_000,
      seed,
      targets: [...TARGET_NAMES],
      outDir: fileURLToPath(new URL('./failures/', import.meta.url)),
      hangMs: 30_000,
      log,
    }),
    cutShort,
  ]).finally(() => clearTimeout(timer));
  const report = `seed ${seed} (FUZZ_SEED=${seed} replays it): ${JSON.stringify({ failures: summary.failures, health: summary.health.problems, fuzzerErrors: summary.fuzzerErrors, perTarget: summary.perTarget }, null, 1).slice(0, 20_000)}`;
  expect(summary.failures, report).toEqual([]);
  expect(summary.responses5xx, report).toBe(0);
  expect(summary.crashes, report).toBe(0);
  expect(summary.health.problems, report).toEqual([]);
  expect(summary.fuzzerErrors, report).toEqual([]);
  expect(summary.inputs, report).toBe(INPUTS);
  expect(summary.ok).toBe(true);
}, OWN_LIMIT_MS + 20_000);
