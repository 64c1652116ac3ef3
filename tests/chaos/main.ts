// `npm run chaos`: the chaos scenario of the durable-effects issue, configured by environment
// variables; prints the JSON report on stdout (progress on stderr) and exits 1 when a check failed.
//   CHAOS_RUNS (2000)          runs started
//   CHAOS_SECONDS (60)         fault window
//   CHAOS_START_SECONDS        runs are started over this window (default: half the fault window)
//   CHAOS_BOUND_SECONDS (60)   every run must have finished this long after the last fault
//   CHAOS_GRACE_SECONDS (60)   keep watching after the bound, to tell late runs from lost ones
//   CHAOS_WIPE (0)             1: one FLUSHALL of Redis in the middle of the fault window
//   CHAOS_SEED (random)        the fault schedule's seed (printed; the same seed, the same schedule)
//   CHAOS_MIN_GAP_MS / CHAOS_MAX_GAP_MS (500 / 3000)  time between faults
//   CHAOS_TSX (0)              1: run the services from their sources through tsx (default: bundles built first)
//   CHAOS_KEEP_DB (0)          1: keep the throwaway database for inspection (its name is printed)
//   CHAOS_VERBOSE (0)          1: print the services' output
import { DEFAULT_SERVICES, runChaos, type ChaosOptions } from './scenario/chaos.ts';

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`${name} must be a non-negative integer (got ${JSON.stringify(raw)})\n`);
    process.exit(2);
  }
  return value;
}

const flag = (name: string) => process.env[name] === '1' || process.env[name] === 'true';

function optionsFromEnv(): ChaosOptions {
  const faultSeconds = int('CHAOS_SECONDS', 60);
  const options: ChaosOptions = {
    runs: int('CHAOS_RUNS', 2000),
    faultSeconds,
    startSeconds: Math.min(faultSeconds, int('CHAOS_START_SECONDS', Math.ceil(faultSeconds / 2))),
    boundSeconds: int('CHAOS_BOUND_SECONDS', 60),
    graceSeconds: int('CHAOS_GRACE_SECONDS', 60),
    wipe: flag('CHAOS_WIPE'),
    seed: int('CHAOS_SEED', Math.floor(Math.random() * 2 ** 31)),
    minGapMs: int('CHAOS_MIN_GAP_MS', 500),
    maxGapMs: int('CHAOS_MAX_GAP_MS', 3000),
    services: DEFAULT_SERVICES,
    bundles: !flag('CHAOS_TSX'),
    keepDatabase: flag('CHAOS_KEEP_DB'),
    verbose: flag('CHAOS_VERBOSE'),
  };
  if (options.runs < 1 || options.maxGapMs < options.minGapMs) {
    process.stderr.write('CHAOS_RUNS must be at least 1 and CHAOS_MAX_GAP_MS at least CHAOS_MIN_GAP_MS\n');
    process.exit(2);
  }
  return options;
}

const report = await runChaos(optionsFromEnv());
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.stderr.write(`[chaos] ${report.ok ? 'all checks passed' : `FAILED: ${(report.failed as string[]).join(', ')}`}\n`);
process.exit(report.ok ? 0 : 1);
