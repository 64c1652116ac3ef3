// The chaos scenario of the durable-effects issue: Baton's services as separate processes on the
// machine's PostgreSQL (a throwaway database) and a Redis of its own (AOF, everysec); a workload
// of http calls, timers, listens fed by POST /api/v1/events, child workflows, approvals and
// cancels; random SIGKILLs of services and Redis and terminated PostgreSQL connections for a
// while; then checks of what PostgreSQL and the HTTP target saw. Returns a JSON-able report
// whose `ok` is false when any check failed. Used by `npm run chaos` and tests/chaos/durable.test.ts.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { MAINTENANCE_URL, buildServiceBundles, createTestDatabase, startCluster, startHttpTarget, startRedisServer, type ServiceName } from '@baton/testkit';
import { checkEvents, checkHttp, checkTasks } from './checks-log.ts';
import { checkCancels, checkLeftovers, checkOrphans, checkRuns, diagnose, result, stuckAt, type CheckResult } from './checks-runs.ts';
import { startDriver, type Api, type DriverRun } from './driver.ts';
import { HARNESS_APPLICATION, Timeline, injectFaults, seededRandom, sleep, type FaultInjector } from './faults.ts';
import { TERMINAL, takeSnapshot, type Snapshot } from './snapshot.ts';
import { workflowDocuments } from './workflows.ts';

export interface ChaosOptions {
  runs: number;
  /** Length of the fault window. */
  faultSeconds: number;
  /** Runs are started evenly over this window (at most the fault window). */
  startSeconds: number;
  /** Every run must have finished this long after the last fault. */
  boundSeconds: number;
  /** Keep watching this much longer, to tell late runs from lost ones (they fail either way). */
  graceSeconds: number;
  wipe: boolean;
  seed: number;
  minGapMs: number;
  maxGapMs: number;
  services: Partial<Record<ServiceName, number>>;
  /** Run the services from bundles built from the sources at the start (as the images do); else through tsx. */
  bundles: boolean;
  /** Keep the database (its name is in the report) for inspection. */
  keepDatabase: boolean;
  verbose: boolean;
}

export const DEFAULT_SERVICES: Partial<Record<ServiceName, number>> = { orchestrator: 1, 'workflow-runner': 2, 'http-worker': 2, 'hitl-worker': 1, fanout: 1 };

const log = (message: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 23)}] ${message}\n`);

export async function runChaos(options: ChaosOptions): Promise<Record<string, unknown>> {
  // Under vitest the suite's global setup built them already (BATON_SERVICE_BUNDLES): use those.
  const bundles = options.bundles && !process.env.BATON_SERVICE_BUNDLES ? await buildServiceBundles() : undefined;
  const timeline = new Timeline(Date.now());
  // The harness's own delays (a starved harness injects fewer faults than planned): reported.
  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();
  const since = (at: number | undefined) => (at === undefined ? null : Number(((at - timeline.origin) / 1000).toFixed(1)));
  const db = await createTestDatabase('baton_chaos');
  const redis = await startRedisServer({ appendfsync: 'everysec' });
  const target = await startHttpTarget();
  const pool = new pg.Pool({ connectionString: db.url, application_name: HARNESS_APPLICATION, max: 4 });
  pool.on('error', () => undefined);
  const logs = new LogCounts();
  let injector: FaultInjector | undefined;
  let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
  // Interrupted (Ctrl-C, a closed pipe): leave no service or Redis behind.
  const interrupted = () => {
    for (const p of cluster?.processes ?? []) p.child?.kill('SIGKILL');
    const pid = redis.pid();
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
    process.exit(130);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.once(signal, interrupted);
  try {
    log(`starting services ${JSON.stringify(options.services)} on database ${db.name} and redis ${redis.url} (AOF in ${redis.dir})`);
    cluster = await startCluster({
      env: { ...db.env, REDIS_URL: redis.url },
      services: options.services,
      verbose: options.verbose,
      ...(bundles ? { bundles: bundles.dir } : {}),
      onExit: (p, code, signal) => injector?.onExit(p.name, code, signal, p.output),
      onLine: (p, line) => logs.add(p.service, line),
    });
    const api = apiClient(cluster.apiUrl, cluster.apiKey);
    for (const document of workflowDocuments(target.url)) {
      const res = await api('POST', '/api/v1/workflows', document);
      if (res.status !== 201) throw new Error(`registering a workflow failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const faultsStartAt = Date.now();
    log(`${options.runs} runs over ${options.startSeconds} s; faults for ${options.faultSeconds} s (seed ${options.seed}, wipe ${options.wipe ? 'on' : 'off'})`);
    const driver = startDriver(api, pool, { runs: options.runs, startSeconds: options.startSeconds, cancelFallbackMs: 15_000 }, log);
    injector = injectFaults(
      { cluster, redis, database: db.name, maintenanceUrl: MAINTENANCE_URL, timeline, log },
      { seconds: options.faultSeconds, minGapMs: options.minGapMs, maxGapMs: options.maxGapMs, minDownMs: 200, maxDownMs: 2_000, wipe: options.wipe, random: seededRandom(options.seed) },
    );
    await injector.done;
    const allUpAt = Date.now();
    await driver.started;
    const lastFaultAt = timeline.lastFaultAt() ?? faultsStartAt;
    log(`faults over (${timeline.faultTimes.length} injected); waiting up to ${options.boundSeconds} s after the last one (+${options.graceSeconds} s grace)`);
    const finishedAt = await settle(pool, options.runs, lastFaultAt + (options.boundSeconds + options.graceSeconds) * 1000);
    await driver.stop();
    await injector.stopSupervising();
    await cluster.stop();

    const snapshot = await takeSnapshot(pool, target.log);
    const checks: Record<string, CheckResult> = {
      runs: checkRuns(snapshot, driver.runs, lastFaultAt, options.boundSeconds * 1000),
      taskCompletions: checkTasks(snapshot),
      // A service that crashed by itself explains a repeat too (the crash fails serviceCrashes), and
      // so does an epoch repair, up to the moment a runner first saw the new epoch (snapshot.ts).
      httpRequests: checkHttp(snapshot, driver.runs, [...timeline.faultTimes, ...injector.crashes.map((c) => c.at), ...snapshot.epochsSeenAt.filter((at) => at >= timeline.origin)].sort((a, b) => a - b), timeline.origin),
      events: checkEvents(snapshot),
      orphans: checkOrphans(snapshot),
      cancels: checkCancels(snapshot, driver.runs),
      leftovers: checkLeftovers(snapshot),
      serviceCrashes: result({ crashes: injector.crashes.length }, injector.crashes.map((c) => `${c.name} exited on its own (${c.code ?? c.signal}) at +${since(c.at)} s (its last output is in crashes)`)),
    };
    const failed = Object.entries(checks).filter(([, c]) => !c.ok).map(([name]) => name);
    const stuck = stuckSummary(snapshot, driver.runs);
    // Up to two runs per way of being stuck, then wrongly finished ones.
    const wrongIds = new Set(checks.runs!.errors.map((e) => /^run (\d+) /.exec(e)?.[1]).filter((n) => n !== undefined).map(Number));
    const examples = [...Object.values(stuck).flatMap((v) => v.examples.slice(0, 2)), ...driver.runs.filter((r) => wrongIds.has(r.n)).map((r) => r.n)];
    const wrong = [...new Set(examples)].slice(0, 12).map((n) => driver.runs[n]!);
    return {
      ok: failed.length === 0,
      failed,
      options: { ...options, services: options.services },
      database: options.keepDatabase ? db.name : undefined,
      phases: {
        faultsStart: since(faultsStartAt),
        faultsEnd: since(faultsStartAt + options.faultSeconds * 1000),
        lastFault: since(lastFaultAt),
        allServicesUp: since(allUpAt),
        allRunsFinished: since(finishedAt),
        allRunsFinishedAfterLastFaultSeconds: finishedAt === undefined ? null : Number(((finishedAt - lastFaultAt) / 1000).toFixed(1)),
      },
      harnessEventLoopDelayMs: { p99: Math.round(lag.percentile(99) / 1e6), max: Math.round(lag.max / 1e6) },
      faults: { injected: timeline.faultTimes.length, byTarget: timeline.counts(), wipe: { enabled: options.wipe, at: since(injector.wipedAt) } },
      workload: workloadSummary(driver),
      checks,
      stuck,
      unfinishedOrWrong: wrong.map((r) => diagnose(snapshot, r)),
      crashes: injector.crashes.slice(0, 5).map((c) => ({ ...c, at: since(c.at) })),
      serviceWarnings: logs.counts,
      timeline: timeline.entries,
    };
  } finally {
    lag.disable();
    for (const signal of signals) process.off(signal, interrupted);
    await injector?.stopSupervising();
    await cluster?.stop();
    await pool.end();
    await target.close();
    await redis.stop();
    bundles?.remove();
    if (!options.keepDatabase) await db.drop();
  }
}

/** Until every run (children too) is terminal, or the deadline; returns when they all were. */
async function settle(pool: pg.Pool, runs: number, deadline: number): Promise<number | undefined> {
  while (Date.now() < deadline) {
    try {
      const res = await pool.query(
        "SELECT count(*) FILTER (WHERE status NOT IN ('completed', 'faulted', 'cancelled'))::int AS open, count(*) FILTER (WHERE parent_run_id IS NULL)::int AS top FROM runs",
      );
      const { open, top } = res.rows[0] as { open: number; top: number };
      if (top === runs && open === 0) return Date.now();
    } catch {
      // the harness's own connection is spared by the injector; a transient error is retried
    }
    await sleep(250);
  }
  return undefined;
}

/** The services' warnings and errors (JSON log lines), counted per service and message. */
class LogCounts {
  readonly counts: Record<string, Record<string, number>> = {};

  add(service: string, line: string): void {
    if (!line.startsWith('{')) return;
    let entry: { level?: unknown; msg?: unknown; err?: { message?: unknown } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    if (entry.level !== 'warn' && entry.level !== 'error' && entry.level !== 'fatal') return;
    const byMessage = (this.counts[service] ??= {});
    // Lines without a message are named by their error's message, else by their beginning.
    const text = entry.msg ?? (entry.err?.message !== undefined ? `(no msg) ${String(entry.err.message)}` : `(no msg) ${line}`);
    const key = `${entry.level}: ${String(text).slice(0, 160)}`;
    if (byMessage[key] !== undefined || Object.keys(byMessage).length < 30) byMessage[key] = (byMessage[key] ?? 0) + 1;
  }
}

/** Unfinished runs by where they are stuck: how many, and which (run numbers). */
function stuckSummary(s: Snapshot, runs: DriverRun[]): Record<string, { runs: number; kinds: string[]; examples: number[] }> {
  const out: Record<string, { runs: number; kinds: string[]; examples: number[] }> = {};
  for (const run of runs) {
    const row = run.id ? s.runs.get(run.id) : undefined;
    if (row && TERMINAL.has(row.status) && !s.childrenOf.get(row.id)?.some((c) => !TERMINAL.has(c.status))) continue;
    const where = row ? stuckAt(s, run) : 'never created';
    const entry = (out[where] ??= { runs: 0, kinds: [], examples: [] });
    entry.runs += 1;
    if (!entry.kinds.includes(run.kind)) entry.kinds.push(run.kind);
    if (entry.examples.length < 5) entry.examples.push(run.n);
  }
  return out;
}

function workloadSummary(driver: ReturnType<typeof startDriver>) {
  const byKind: Record<string, number> = {};
  for (const r of driver.runs) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
  const listeners = driver.runs.filter((r) => r.kind === 'listener');
  const approvals = driver.runs.filter((r) => r.kind === 'approval');
  return {
    runsByKind: byKind,
    runsCreated: driver.runs.filter((r) => r.id).length,
    startRequests: driver.runs.reduce((sum, r) => sum + r.startRequests, 0),
    eventsDelivered: listeners.filter((r) => r.eventDeliveredAt !== undefined).length,
    eventPosts: listeners.reduce((sum, r) => sum + r.eventPosts, 0),
    approvalsDecided: approvals.filter((r) => r.decidedAt !== undefined).length,
    cancelsAccepted: driver.runs.filter((r) => r.cancelAcceptedAt !== undefined).length,
    retriedRequests: driver.retries,
  };
}

function apiClient(base: string, key: string): Api {
  return async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed };
  };
}
