// Issue 12's fuzz suite in `npm test`: 5,000 generated inputs over the REST API, workflow
// documents, jq (the engine and the API), the WebSocket and SSE protocol, against `baton start`
// as a child process — then the same health checks as `npm run fuzz`. A new seed each run
// (FUZZ_SEED replays one); any failure fails the test with its shrunk counterexample, saved under
// tests/fuzz/failures/ for `npx tsx tests/fuzz/replay.ts FILE`.
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runFuzz, TARGET_NAMES } from './suite.ts';

const INPUTS = 5_000;

it(`sends ${INPUTS} generated inputs: no answer >= 500, no crash, healthy afterwards`, async () => {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
  const summary = await runFuzz({
    inputs: INPUTS,
    // ~50 s on the quiet 2-core machine; the bound leaves room for a loaded one (npm test runs files side by side).
    timeLimitMs: 240_000,
    shrinkLimitMs: 30_000,
    seed,
    targets: [...TARGET_NAMES],
    outDir: fileURLToPath(new URL('./failures/', import.meta.url)),
    hangMs: 30_000,
    log: () => undefined,
  });
  const report = `seed ${seed} (FUZZ_SEED=${seed} replays it): ${JSON.stringify({ failures: summary.failures, health: summary.health.problems, fuzzerErrors: summary.fuzzerErrors, perTarget: summary.perTarget }, null, 1).slice(0, 20_000)}`;
  expect(summary.failures, report).toEqual([]);
  expect(summary.responses5xx, report).toBe(0);
  expect(summary.crashes, report).toBe(0);
  expect(summary.health.problems, report).toEqual([]);
  expect(summary.fuzzerErrors, report).toEqual([]);
  expect(summary.inputs, report).toBe(INPUTS);
  expect(summary.ok).toBe(true);
}, 420_000);
