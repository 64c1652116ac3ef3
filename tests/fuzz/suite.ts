// One fuzz run: start `baton start` as a child process, make the fixtures, run every target's
// lane side by side within the time budget, shrink what failed, then check that the service
// is still healthy — and say all of it in one summary.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatonProcess } from './baton-process.ts';
import { finalChecks, type HealthReport } from './health.ts';
import { setUpFixtures, type Fixtures } from './fixtures.ts';
import { HUNG, RecentInputs, TargetStats, runLane, shrinkFailure, type LaneFailure, type LaneResult, type Target, type TargetEnv } from './lane.ts';
import { buildTargets, TARGET_NAMES, type TargetName } from './targets/index.ts';
import { describeInFlight, straySocketErrors } from './wire.ts';

export interface FuzzOptions {
  /** Inputs in total, shared by the targets by weight. */
  inputs: number;
  /** Budget of the lanes (shrinking and final checks come on top, bounded too). */
  timeLimitMs: number;
  /** Time to shrink the failures, all of them together. */
  shrinkLimitMs: number;
  seed: number;
  targets: TargetName[];
  /** Where failures are saved (a JSON file each); undefined: not saved. */
  outDir?: string;
  hangMs: number;
  log: (line: string) => void;
}

/** The share of the inputs each target gets. */
export const WEIGHTS: Record<TargetName, number> = { rest: 0.45, workflows: 0.15, jq: 0.22, 'jq-api': 0.03, websocket: 0.09, sse: 0.06 };

export interface FuzzSummary {
  ok: boolean;
  seed: number;
  requested: number;
  inputs: number;
  complete: boolean;
  perTarget: Record<string, { requested: number; inputs: number; sent: number; interrupted: boolean; byClass: Record<string, number>; byStatus: Record<string, number>; maxMs: number; slowest: string; noAnswerSamples: string[] }>;
  responses: Record<string, number>;
  responses5xx: number;
  crashes: number;
  failures: Array<Omit<LaneFailure, 'recent'> & { file?: string }>;
  health: HealthReport;
  /** GET /health once a second during the lanes: how long the service took to answer while fuzzed. */
  responsiveness?: Responsiveness;
  /** Errors of the fuzzer's own code or sockets (not of Baton): any fails the run. */
  fuzzerErrors: string[];
  /**
   * Errors of the fuzzer's HTTP sockets after their answer had come and been judged (the server
   * closed a connection the fuzzer was still writing a body on), by socket and error: expected, not a failure.
   */
  straySocketErrors: Record<string, number>;
  timeMs: { total: number; lanes: number; budget: number };
}

export function splitInputs(total: number, targets: TargetName[]): Record<TargetName, number> {
  const weight = targets.reduce((sum, t) => sum + WEIGHTS[t], 0);
  const counts = {} as Record<TargetName, number>;
  let given = 0;
  targets.forEach((t, i) => {
    counts[t] = i === targets.length - 1 ? total - given : Math.round((total * WEIGHTS[t]) / weight);
    given += counts[t];
  });
  return counts;
}

/** A lane's seed: the run's seed and the target's name (each target its own stream). */
export function laneSeed(seed: number, name: string): number {
  let h = seed | 0;
  for (const c of name) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return h;
}

/**
 * An error of the fuzzer's own sockets or code that escaped every handler must not end the
 * fuzzer: it is recorded and fails the run, since inputs may have gone unchecked (and a socket
 * without a listener is a bug of the fuzzer). It is tagged with where it happened: the lane, its
 * input and the kind of socket (wire.ts inFlight) — a socket error's stack names none of them.
 */
function watchOwnErrors(): { errors: string[]; stop(): void } {
  const errors: string[] = [];
  const record = (error: unknown) => errors.push(`[${describeInFlight()}] ${error instanceof Error ? `${error.stack ?? error.message} ${JSON.stringify({ code: (error as NodeJS.ErrnoException).code, syscall: (error as NodeJS.ErrnoException).syscall })}` : String(error)}`);
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  return { errors, stop: () => (process.off('uncaughtException', record), void process.off('unhandledRejection', record)) };
}

export interface Responsiveness {
  probes: number;
  maxMs: number;
  p99Ms: number;
  /** Probes slower than 1 s, with when (seconds into the lanes) and how slow. */
  slow: Array<{ atS: number; ms: number }>;
}

/**
 * Asks /health once a second while the lanes run: a stall of the process shows as a slow probe.
 * A process that is alive but has not answered /ready with 200 for `hangMs` (the API: it, its
 * store and its bus answering; or the fanout) has hung: `hung()` then says so (the
 * lanes stop at their next input: every answer after it would only be another time-out) with
 * where its main thread is (BatonProcess.diagnose: the call stack the inspector paused).
 */
export function startHeartbeat(baton: Pick<BatonProcess, 'apiUrl' | 'fanoutUrl' | 'alive' | 'diagnose'>, hangMs: number, log: (line: string) => void): { stop(): Promise<Responsiveness>; hung(): string | undefined } {
  const started = Date.now();
  const times: number[] = [];
  const slow: Responsiveness['slow'] = [];
  let running = true;
  let hung: string | undefined;
  // Ready: the API with its store and bus, and the fanout (each 200 within 2 s); when each last was.
  const ready = [`${baton.apiUrl}/ready`, `${baton.fanoutUrl}/ready`].map((url) => ({ url, at: Date.now() }));
  const probeMs = Math.min(60_000, hangMs);
  const probe = (url: string) => fetch(url, { signal: AbortSignal.timeout(probeMs) }).then(async (res) => (await res.text(), res.status === 200), () => false);
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      try {
        await (await fetch(`${baton.apiUrl}/health`, { signal: AbortSignal.timeout(probeMs) })).text();
      } catch {
        // a crash is the lanes' finding; the probe only measures
      }
      const ms = Date.now() - at;
      times.push(ms);
      if (ms > 1_000 && slow.length < 20) slow.push({ atS: Math.round((at - started) / 1000), ms });
      const answers = await Promise.all(ready.map((r) => probe(r.url)));
      ready.forEach((r, i) => (answers[i] || !baton.alive()) && (r.at = Date.now()));
      const silent = ready.find((r) => Date.now() - r.at >= hangMs);
      if (hung === undefined && silent) {
        hung = `the process stopped answering: GET ${silent.url} not 200 for ${Math.round((Date.now() - silent.at) / 1000)} s (from ${Math.round((silent.at - started) / 1000)} s into the lanes)`;
        log(`HANG: ${hung}; asking its inspector where the main thread is`);
        hung += `\n${(await baton.diagnose()) ?? 'no call stack from the inspector within 10 s'}`;
        log(hung);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1_000 - (Date.now() - at))));
    }
  })();
  return {
    hung: () => hung,
    async stop() {
      running = false;
      await loop;
      const sorted = [...times].sort((a, b) => a - b);
      return { probes: times.length, maxMs: sorted.at(-1) ?? 0, p99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? 0, slow };
    },
  };
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const started = Date.now();
  const baton = new BatonProcess();
  const own = watchOwnErrors();
  try {
    options.log(`starting baton (seed ${options.seed})…`);
    await baton.ensureStarted();
    const fixtures = await setUpFixtures(baton.apiUrl);
    const openapi = await (await fetch(`${baton.apiUrl}/openapi.json`)).json();
    const targets = buildTargets(options.targets, { openapi, seed: options.seed });
    const counts = splitInputs(options.inputs, options.targets);
    const envs = new Map<string, TargetEnv>();
    const watch: { heartbeat?: ReturnType<typeof startHeartbeat> } = {};
    for (const target of targets) {
      const env: TargetEnv = { baton, fixtures, stats: new TargetStats(), hangMs: options.hangMs, hung: () => watch.heartbeat?.hung() };
      envs.set(target.name, env);
      await target.prepare?.(env);
    }
    options.log(`fixtures ready; ${options.inputs} inputs: ${JSON.stringify(counts)}`);
    const lanesStarted = Date.now();
    const recent = new RecentInputs();
    const heartbeat = (watch.heartbeat = startHeartbeat(baton, options.hangMs, options.log));
    // Where the lanes are, every 30 s: what a run cut short by an outer time-out leaves behind.
    const progress = setInterval(() => options.log(`lanes at ${Math.round((Date.now() - lanesStarted) / 1000)} s: ${targets.map((t) => `${t.name} ${envs.get(t.name)!.stats.inputs}`).join(', ')}`), 30_000);
    const results = await Promise.all(targets.map((target) => runLane(target as Target<unknown>, envs.get(target.name)!, { numRuns: counts[target.name as TargetName], seed: laneSeed(options.seed, target.name), timeLimitMs: options.timeLimitMs, recent })));
    clearInterval(progress);
    const lanesMs = Date.now() - lanesStarted;
    const responsiveness = await heartbeat.stop();
    const crashes = baton.exits.length;
    options.log(`lanes done in ${Math.round(lanesMs / 1000)} s: ${results.map((r) => `${r.target} ${r.inputs}${r.failure ? ' FAILED' : ''}`).join(', ')}`);
    const failures = await shrinkAll(targets, envs, results, options);
    for (const target of targets) await target.dispose?.();
    options.log('final checks…');
    const health = await finalChecks(baton, fixtures);
    return { ...summarize(options, results, envs, failures, health, crashes, own.errors, { total: Date.now() - started, lanes: lanesMs, budget: options.timeLimitMs }), responsiveness };
  } finally {
    own.stop();
    await baton.dispose();
  }
}

async function shrinkAll(targets: Target<unknown>[], envs: Map<string, TargetEnv>, results: LaneResult[], options: FuzzOptions): Promise<FuzzSummary['failures']> {
  const out: FuzzSummary['failures'] = [];
  // One budget for all the lanes' failures: a fault that fails several lanes (each try of a hang
  // waits out the hang bound) must not multiply the time the run takes.
  const deadline = Date.now() + options.shrinkLimitMs;
  for (const result of results) {
    const failure = result.failure;
    if (!failure) continue;
    const target = targets.find((t) => t.name === result.target)!;
    if (failure.message.startsWith(HUNG)) {
      // Each try alone would wait out the hang; any input in flight before it may be the cause.
      failure.shrunkMessage = `not shrunk: the process hung; the inputs in flight before it: ${JSON.stringify(failure.recent).slice(0, 4000)}`;
    } else {
      options.log(`shrinking the ${failure.target} failure: ${failure.message.slice(0, 200)}`);
      await shrinkFailure(target, envs.get(target.name)!, failure, Math.max(1, deadline - Date.now())).catch((error: unknown) => {
        failure.shrunkMessage = `shrinking failed: ${String(error)}`;
      });
    }
    const file = options.outDir ? save(options.outDir, failure) : undefined;
    const { recent: _recent, ...rest } = failure;
    out.push({ ...rest, ...(file && { file }) });
  }
  return out;
}

function save(dir: string, failure: LaneFailure): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${failure.target}-${failure.seed}-${failure.path.replace(/:/g, '_')}.json`);
  writeFileSync(file, `${JSON.stringify(failure, null, 2)}\n`);
  return file;
}

function summarize(options: FuzzOptions, results: LaneResult[], envs: Map<string, TargetEnv>, failures: FuzzSummary['failures'], health: HealthReport, crashes: number, fuzzerErrors: string[], timeMs: FuzzSummary['timeMs']): FuzzSummary {
  const perTarget: FuzzSummary['perTarget'] = {};
  const responses: Record<string, number> = {};
  for (const result of results) {
    const stats = envs.get(result.target)!.stats;
    perTarget[result.target] = { requested: result.requested, inputs: stats.inputs, sent: stats.sent, interrupted: result.interrupted, byClass: stats.byClass, byStatus: stats.byStatus, maxMs: stats.maxMs, slowest: stats.slowest, noAnswerSamples: stats.noAnswerSamples };
    for (const [cls, n] of Object.entries(stats.byClass)) responses[cls] = (responses[cls] ?? 0) + n;
  }
  const inputs = Object.values(perTarget).reduce((sum, t) => sum + t.inputs, 0);
  const complete = results.every((r) => r.failure !== undefined || r.inputs >= r.requested);
  const responses5xx = responses['5xx'] ?? 0;
  const ok = failures.length === 0 && responses5xx === 0 && crashes === 0 && health.ok && fuzzerErrors.length === 0;
  return { ok, seed: options.seed, requested: options.inputs, inputs, complete, perTarget, responses, responses5xx, crashes, failures, health, fuzzerErrors: fuzzerErrors.slice(0, 10), straySocketErrors: { ...straySocketErrors }, timeMs };
}

export { TARGET_NAMES };
export type { Fixtures };
