// `npm run fuzz`: issue 12's fuzz suite against `baton start` as a child process; prints the JSON
// summary on stdout (progress on stderr) and exits 1 on any failure, 2 when the time budget ran
// out before every input was sent. Environment:
//   FUZZ_INPUTS (100000)        inputs in total, shared by the targets (tests/fuzz/README.md)
//   FUZZ_SECONDS (1800)         time budget of the lanes; shrinking and final checks come on top
//   FUZZ_SHRINK_SECONDS (120)   time to shrink the failures (all together)
//   FUZZ_SEED (random)          the seed (printed; the same seed, the same inputs)
//   FUZZ_TARGETS (all)          comma-separated: rest, workflows, jq, jq-api, websocket, sse
//   FUZZ_OUT (tests/fuzz/failures)  where failures are saved as JSON, for `npx tsx tests/fuzz/replay.ts FILE`
//   FUZZ_HANG_MS (30000)        an answer slower than this is a hang
import { fileURLToPath } from 'node:url';
import { runFuzz, TARGET_NAMES } from './suite.ts';
import type { TargetName } from './targets/index.ts';

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) {
    process.stderr.write(`${name} must be an integer (got ${JSON.stringify(raw)})\n`);
    process.exit(2);
  }
  return value;
}

function targets(): TargetName[] {
  const raw = process.env.FUZZ_TARGETS;
  if (!raw) return [...TARGET_NAMES];
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(TARGET_NAMES as readonly string[]).includes(n));
  if (unknown.length) {
    process.stderr.write(`FUZZ_TARGETS: unknown ${unknown.join(', ')} (known: ${TARGET_NAMES.join(', ')})\n`);
    process.exit(2);
  }
  return names as TargetName[];
}

const summary = await runFuzz({
  inputs: int('FUZZ_INPUTS', 100_000),
  timeLimitMs: int('FUZZ_SECONDS', 1800) * 1000,
  shrinkLimitMs: int('FUZZ_SHRINK_SECONDS', 120) * 1000,
  seed: int('FUZZ_SEED', Math.floor(Math.random() * 2 ** 31)),
  targets: targets(),
  outDir: process.env.FUZZ_OUT || fileURLToPath(new URL('./failures/', import.meta.url)),
  hangMs: int('FUZZ_HANG_MS', 30_000),
  log: (line) => process.stderr.write(`[fuzz] ${line}\n`),
});
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
process.exitCode = !summary.ok ? 1 : summary.complete ? 0 : 2;
