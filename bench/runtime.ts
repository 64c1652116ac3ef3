// The runtime benchmark of the durable-runtime issue: services as separate processes
// (1 orchestrator, 1 workflow-runner, 1 http-worker: BENCH_SERVICES) on the machine's PostgreSQL
// and Redis, calling a local HTTP target.
//   1. idle latency: per-transition latency of a 100-task sequential run, over
//      BENCH_LATENCY_RUNS runs (default 5, after one that warms the caches) on an idle system.
//   2. throughput: `call: http` tasks per second sustained for BENCH_SECONDS (default 60), with
//      BENCH_CONCURRENCY runs (default 200) in flight, each a `for` loop of 50 calls.
//   3. latency under load: the same 100-task sequential runs, one after another, for the whole
//      load phase; the transitions that fall inside the measured window.
//   4. latency at a set load: loop runs started at a fixed pace whatever becomes of them (an open
//      loop), so that they ask for BENCH_RATE http tasks/s (default 4,000: the floor) for
//      BENCH_RATE_SECONDS (default 20, after 3 s of the same load), with the same sequential runs
//      sampling transitions. Phase 3 fills the machine, so there a transition waits its fair
//      share behind 200 runs (Little's law); here the runs in flight are as many as the pace and
//      the deployment's speed make them, which is what a user running that load would meet.
//      Every loop run's transitions are reported too, and the tasks/s the deployment served.
//   5. idle latency again, as in 1, once the load has ended: the deployment idle after it has
//      run a while (V8 has compiled its hot paths), where 1 is the one freshly started.
// A transition is the time between two consecutive requests of one sequential run at the target
// (sub-millisecond, recorded in this process): the target answers, the http-worker publishes the
// result, the runner commits it and dispatches the next task, an http-worker sends it.
// Under load a run's transition includes its wait behind every other run's tasks: with N runs in
// flight served fairly at T tasks/s, each waits N / T on average (Little's law) —
// latencyUnderLoad.fairShareMs, for reading the measured figure against.
// Each phase reports `perHttpTask`: the CPU ms and context switches per http task of every
// service, of PostgreSQL's backends for this database, of the Redis server and of this process
// (the target and the callers) — where a transition's time goes, idle and under load.
// Nothing is left out: every run's outcome is counted (completed, timed out, finished otherwise,
// errors) and repeated work is reported (a task attempt's request seen twice at the target,
// messages reclaimed after a lease ran out).
import { Redis } from 'ioredis';
import pg from 'pg';
import { createTestDatabase, createTestRedis, startCluster, startHttpTarget, type Cluster, type TestDatabase } from '@baton/testkit';
import { BENCH_SERVICES } from './deployments.ts';
import { byLabels, counterDelta, duplicateRequests, epochMs, httpText, log, machine, meterUsage, recordArrivals, scrapeCounters, sleep, summary, tasksResent, type Arrival, type ProcessGroups } from './lib.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 200);
const latencyRuns = Number(process.env.BENCH_LATENCY_RUNS ?? 5);
const rate = Number(process.env.BENCH_RATE ?? 4000);
const rateSeconds = Number(process.env.BENCH_RATE_SECONDS ?? 20);
const RATE_RAMP_SECONDS = 3;
/** Loop runs in flight beyond which the paced phase starts no more: the deployment fell behind. */
const RATE_MAX_IN_FLIGHT = 2000;
const CALLS_PER_RUN = 50;
const SEQUENTIAL_TASKS = 100;
const COUNTERS = ['baton_messages_reclaimed_total', 'http_worker_requests_total', 'baton_runner_snapshot_batches_total', 'baton_runner_resent_tasks_total'];

function loopWorkflow(target: string): string {
  return JSON.stringify({
    document: { dsl: '1.0.0', namespace: 'bench', name: 'http-loop', version: '1.0.0' },
    do: [
      {
        loop: {
          for: { each: 'i', in: '${ [range(0; .n)] }' },
          do: [{ ping: { call: 'http', with: { method: 'get', endpoint: `${target}/ping` } } }],
        },
      },
    ],
  });
}

function sequentialWorkflow(target: string, tasks: number): string {
  return JSON.stringify({
    document: { dsl: '1.0.0', namespace: 'bench', name: 'sequential', version: '1.0.0' },
    do: Array.from({ length: tasks }, (_, i) => ({ [`t${i}`]: { call: 'http', with: { method: 'get', endpoint: `${target}/step/${i}` } } })),
  });
}

export async function benchRuntime(): Promise<Record<string, unknown>> {
  const db = await createTestDatabase('baton_bench');
  const redis = await createTestRedis();
  const target = await startHttpTarget();
  const arrivals = recordArrivals(target.server);
  const cluster = await startCluster({ env: { ...db.env, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix }, services: BENCH_SERVICES, verbose: process.env.BENCH_VERBOSE === '1' });
  const call = async <T>(body: unknown): Promise<Outcome<T>> => {
    try {
      const { status, text } = await httpText(`${cluster.apiUrl}/api/v1/runs`, { method: 'POST', headers: { authorization: `Bearer ${cluster.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status, body: JSON.parse(text) as T };
    } catch (error) {
      return { status: 'exception', error: String(error) };
    }
  };
  try {
    for (const doc of [loopWorkflow(target.url), sequentialWorkflow(target.url, SEQUENTIAL_TASKS)]) {
      const res = await fetch(`${cluster.apiUrl}/api/v1/workflows`, { method: 'POST', headers: { authorization: `Bearer ${cluster.apiKey}`, 'content-type': 'application/json' }, body: doc });
      if (res.status >= 300) throw new Error(`registering a workflow failed: ${res.status} ${await res.text()}`);
    }
    const groups = processGroups(cluster, db, redis.url);
    const idle = await measureIdleLatency(call, arrivals.byRun, groups);
    // BENCH_SECONDS=0: the idle phases alone (experiments on a freshly started deployment).
    const loaded = seconds > 0 ? await measureUnderLoad(call, cluster, arrivals.byRun, groups) : {};
    const atRate = seconds > 0 && rate > 0 && rateSeconds > 0 ? await measureAtRate(call, cluster, arrivals.byRun, groups) : undefined;
    const idleAfterLoad = await measureIdleLatency(call, arrivals.byRun, groups, 'after the load');
    return { machine: await machine(), services: BENCH_SERVICES, latencyIdle: idle, ...loaded, ...(atRate && { latencyAtRate: atRate }), latencyIdleAfterLoad: idleAfterLoad };
  } finally {
    arrivals.stop();
    await cluster.stop();
    await target.close();
    await redis.cleanup();
    await db.drop();
  }
}

type Outcome<T> = { status: number; body: T } | { status: 'exception'; error: string };
type Call = <T>(body: unknown) => Promise<Outcome<T>>;
type RunAnswer = { id: string; status: string };

/** Every answer to POST /api/v1/runs counted once, by what became of the run. */
class Tally {
  completed = 0;
  timedOut = 0;
  notCompleted = 0;
  httpErrors = 0;
  exceptions = 0;
  readonly samples: string[] = [];

  add(outcome: Outcome<RunAnswer>): boolean {
    if (outcome.status === 200 && outcome.body.status === 'completed') {
      this.completed += 1;
      return true;
    }
    if (outcome.status === 202) this.timedOut += 1;
    else if (outcome.status === 200) this.notCompleted += 1;
    else if (outcome.status === 'exception') this.exceptions += 1;
    else this.httpErrors += 1;
    if (this.samples.length < 3) this.samples.push(outcome.status === 'exception' ? outcome.error : `${outcome.status}: ${JSON.stringify(outcome.body).slice(0, 200)}`);
    return false;
  }

  report() {
    const { completed, timedOut, notCompleted, httpErrors, exceptions, samples } = this;
    return { completed, timedOut, notCompleted, httpErrors, exceptions, errorSamples: samples };
  }
}

/** Consecutive request times of one loop run at the target, within [from, to]. */
function loopTransitions(list: readonly Arrival[], from: number, to: number): number[] {
  const firstAt = new Map<string, number>();
  for (const a of list) if (!firstAt.has(a.key)) firstAt.set(a.key, a.at);
  const times = [...firstAt.values()].sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i += 1) if (times[i - 1]! >= from && times[i]! <= to) gaps.push(times[i]! - times[i - 1]!);
  return gaps;
}

/** Consecutive request times of one sequential run at the target (by step), within [from, to]. */
function transitions(list: readonly Arrival[], from = -Infinity, to = Infinity): number[] {
  const firstAt = new Map<number, number>();
  for (const a of list) {
    const step = Number(a.path.slice('/step/'.length));
    if (!firstAt.has(step)) firstAt.set(step, a.at);
  }
  const gaps: number[] = [];
  for (let i = 1; i < SEQUENTIAL_TASKS; i += 1) {
    const before = firstAt.get(i - 1);
    const after = firstAt.get(i);
    if (before !== undefined && after !== undefined && before >= from && after <= to) gaps.push(after - before);
  }
  return gaps;
}

const sequentialRun = { namespace: 'bench', name: 'sequential', input: {}, wait: 'PT60S' };

/**
 * The processes whose CPU and context switches a phase reports per http task: each service, the
 * PostgreSQL backends of this database, the Redis server (shared with nothing else here, but it
 * is the whole server) and this process (the HTTP target and the callers). PostgreSQL and Redis
 * only when they run on this machine.
 */
function processGroups(cluster: Cluster, db: TestDatabase, redisUrl: string): ProcessGroups {
  const local = (host: string) => ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);
  let redisPid: Promise<number[]> | undefined;
  const redisPids = () =>
    (redisPid ??= (async () => {
      if (!local(new URL(redisUrl).hostname)) return [];
      const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await client.connect();
        const pid = /^process_id:(\d+)/m.exec(await client.info('server'))?.[1];
        return pid ? [Number(pid)] : [];
      } finally {
        client.disconnect();
      }
    })());
  const backendPids = async () => {
    if (!local(new URL(db.url).hostname)) return [];
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db.name]);
      return rows.map((row) => row.pid);
    } finally {
      await client.end();
    }
  };
  return async () => {
    const groups: Record<string, number[]> = {};
    for (const p of cluster.processes) if (p.child.pid !== undefined) (groups[p.service] ??= []).push(p.child.pid);
    groups['postgres (this database)'] = await backendPids();
    groups['redis (the whole server)'] = await redisPids();
    groups['bench (target, callers)'] = [process.pid];
    return groups;
  };
}

async function measureIdleLatency(call: Call, byRun: Map<string, Arrival[]>, groups: ProcessGroups, when = 'freshly started') {
  log(`latency (idle, ${when}): ${latencyRuns} sequential runs of ${SEQUENTIAL_TASKS} http tasks`);
  const usage = await meterUsage(groups);
  const requestsBefore = totalArrivals(byRun);
  const tally = new Tally();
  const gaps: number[] = [];
  const totals: number[] = [];
  for (let i = 0; i < latencyRuns + 1; i += 1) {
    const t0 = performance.now();
    const res = await call<RunAnswer>(sequentialRun);
    const total = performance.now() - t0;
    if (i === 0) continue; // the first run warms the caches
    if (!tally.add(res) || !('body' in res)) continue;
    totals.push(total);
    gaps.push(...transitions(byRun.get(res.body.id) ?? []));
  }
  const perHttpTask = await usage(totalArrivals(byRun) - requestsBefore);
  return { runs: latencyRuns, tasksPerRun: SEQUENTIAL_TASKS, perTransitionMs: summary(gaps), runDurationMs: summary(totals, 1), perHttpTask, outcomes: tally.report() };
}

/** Sequential runs one after another until `stopAt`: the transitions a phase under load samples. */
function sampleSequentialRuns(call: Call, stopAt: number): { tally: Tally; runs: string[]; done: Promise<void> } {
  const tally = new Tally();
  const runs: string[] = [];
  const done = (async () => {
    while (Date.now() < stopAt) {
      const res = await call<RunAnswer>(sequentialRun);
      if ('body' in res && res.body.id) runs.push(res.body.id);
      tally.add(res);
    }
  })();
  return { tally, runs, done };
}

/**
 * The measured window of a phase under load, `ms` long: the http tasks at the target meanwhile,
 * each process's CPU and context switches per task, and the bounds and length of the window.
 * `counters()` reads the services' counters' change since the window began.
 */
async function measureWindow(cluster: Cluster, byRun: Map<string, Arrival[]>, groups: ProcessGroups, ms: () => number) {
  const metricsUrls = cluster.processes.map((p) => `http://127.0.0.1:${p.port}/metrics`);
  const countersBefore = await scrapeCounters(metricsUrls, COUNTERS);
  const usage = await meterUsage(groups);
  const requestsBefore = totalArrivals(byRun);
  const from = epochMs();
  const t0 = performance.now();
  await sleep(ms());
  const calls = totalArrivals(byRun) - requestsBefore;
  const perHttpTask = await usage(calls);
  const to = epochMs();
  const elapsed = (performance.now() - t0) / 1000;
  const counters = async () => counterDelta(countersBefore, await scrapeCounters(metricsUrls, COUNTERS));
  return { calls, perHttpTask, from, to, elapsed, counters };
}

async function measureUnderLoad(call: Call, cluster: Cluster, byRun: Map<string, Arrival[]>, groups: ProcessGroups) {
  log(`throughput: ${concurrency} runs in flight, ${warmupSeconds}s warm-up + ${seconds}s measured, sequential runs sampling transitions all along`);
  const stopAt = Date.now() + (warmupSeconds + seconds) * 1000 + 5_000;
  const loops = new Tally();
  const loopRuns: string[] = [];
  const workers = Array.from({ length: concurrency }, async () => {
    while (Date.now() < stopAt) {
      const res = await call<RunAnswer>({ namespace: 'bench', name: 'http-loop', input: { n: CALLS_PER_RUN }, wait: 'PT60S' });
      if (loops.add(res) && 'body' in res) loopRuns.push(res.body.id);
    }
  });
  const { tally: sampled, runs: sampledRuns, done: sampler } = sampleSequentialRuns(call, stopAt);
  await sleep(warmupSeconds * 1000);
  const window = await measureWindow(cluster, byRun, groups, () => seconds * 1000);
  const { calls, perHttpTask, from, to, elapsed } = window;
  const counters = await window.counters();
  await Promise.all([...workers, sampler]);

  const gaps = sampledRuns.flatMap((id) => transitions(byRun.get(id) ?? [], from, to));
  let duplicates = 0;
  for (const list of byRun.values()) duplicates += duplicateRequests(list.filter((a) => a.at >= from && a.at <= to));
  const beyond = loopRuns.reduce((sum, id) => sum + Math.max(0, (byRun.get(id)?.length ?? 0) - CALLS_PER_RUN), 0);
  return {
    throughput: { seconds: Number(elapsed.toFixed(1)), httpTasks: calls, httpTasksPerSecond: Math.round(calls / elapsed), perHttpTask, runs: loops.report() },
    latencyUnderLoad: {
      tasksPerRun: SEQUENTIAL_TASKS,
      sampledRuns: sampledRuns.length,
      perTransitionMs: summary(gaps),
      fairShareMs: Number((((concurrency + 1) / (calls / elapsed)) * 1000).toFixed(1)),
      outcomes: sampled.report(),
    },
    repeatedWork: {
      duplicateRequestsInWindow: duplicates,
      requestsBeyond50PerCompletedLoopRun: beyond,
      messagesReclaimed: counters.baton_messages_reclaimed_total ?? 0,
      tasksResent: tasksResent(counters),
      httpWorkerRequests: byLabels(counters, 'http_worker_requests_total'),
      snapshotBatches: byLabels(counters, 'baton_runner_snapshot_batches_total'),
    },
  };
}

async function measureAtRate(call: Call, cluster: Cluster, byRun: Map<string, Arrival[]>, groups: ProcessGroups) {
  const intervalMs = (1000 * CALLS_PER_RUN) / rate;
  log(`latency at ${rate} http tasks/s: a ${CALLS_PER_RUN}-call loop run started every ${intervalMs.toFixed(1)} ms (open loop), ${RATE_RAMP_SECONDS}s + ${rateSeconds}s measured, sequential runs sampling transitions`);
  const stopAt = Date.now() + (RATE_RAMP_SECONDS + rateSeconds) * 1000;
  const loops = new Tally();
  const loopRuns: string[] = [];
  const pending = new Set<Promise<void>>();
  let notStarted = 0;
  let maxInFlight = 0;
  const pacer = (async () => {
    const t0 = performance.now();
    for (let k = 0; Date.now() < stopAt; k += 1) {
      const wait = t0 + k * intervalMs - performance.now();
      if (wait > 0) await sleep(wait);
      if (pending.size >= RATE_MAX_IN_FLIGHT) {
        notStarted += 1;
        continue;
      }
      const p = call<RunAnswer>({ namespace: 'bench', name: 'http-loop', input: { n: CALLS_PER_RUN }, wait: 'PT60S' }).then((res) => {
        if (loops.add(res) && 'body' in res) loopRuns.push(res.body.id);
        pending.delete(p);
      });
      pending.add(p);
      maxInFlight = Math.max(maxInFlight, pending.size);
    }
  })();
  const { tally: sampled, runs: sampledRuns, done: sampler } = sampleSequentialRuns(call, stopAt);
  await sleep(RATE_RAMP_SECONDS * 1000);
  const { calls, perHttpTask, from, to, elapsed, counters: countersSince } = await measureWindow(cluster, byRun, groups, () => Math.max(0, stopAt - Date.now()));
  await Promise.all([pacer, sampler]);
  await Promise.all(pending);
  const counters = await countersSince();
  const loopGaps = loopRuns.flatMap((id) => loopTransitions(byRun.get(id) ?? [], from, to));
  let duplicates = 0;
  for (const id of [...loopRuns, ...sampledRuns]) duplicates += duplicateRequests((byRun.get(id) ?? []).filter((a) => a.at >= from && a.at <= to));
  return {
    offeredHttpTasksPerSecond: rate,
    seconds: Number(elapsed.toFixed(1)),
    httpTasksPerSecond: Math.round(calls / elapsed),
    loopRunsInFlightMax: maxInFlight,
    loopRunsNotStarted: notStarted,
    perTransitionMs: summary(sampledRuns.flatMap((id) => transitions(byRun.get(id) ?? [], from, to))),
    perTransitionMsEveryLoopRun: summary(loopGaps),
    perHttpTask,
    outcomes: { loopRuns: loops.report(), sampledRuns: sampled.report() },
    repeatedWork: { duplicateRequestsInWindow: duplicates, messagesReclaimed: counters.baton_messages_reclaimed_total ?? 0, tasksResent: tasksResent(counters) },
  };
}

function totalArrivals(byRun: Map<string, Arrival[]>): number {
  let total = 0;
  for (const list of byRun.values()) total += list.length;
  return total;
}
