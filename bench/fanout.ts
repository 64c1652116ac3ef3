// The fan-out benchmark of the fanout issue: services as separate processes (1 orchestrator,
// 1 workflow-runner, 1 http-worker — BENCH_SERVICES — and 1 fanout) on the machine's PostgreSQL
// and Redis, running the throughput workload of bench/runtime.ts (runs of a 50-call http loop,
// as many in flight as the machine takes) while BENCH_FANOUT_CLIENTS WebSocket clients (default
// 1,000) each follow one of BENCH_FANOUT_RUNS active runs (default 100: 10 clients per run). The
// clients live in a process of their own (bench/fanout-clients.ts), apart from the HTTP target
// and API calls.
//
// The watched runs are long-lived runs of the same http loop (an outer loop around it, so that
// they outlast the window: the clients subscribe once, with after: 0, and stay live; they are
// cancelled at the end). They are part of the BENCH_CONCURRENCY runs in flight (default: as many
// as are watched, so every event of the workload has its 10 clients; 100 runs in flight keep
// this machine's CPUs as busy as 200 do); any others are the usual 50-call runs, restarted as
// they end.
//
// Reported, over BENCH_SECONDS (default 60) after BENCH_WARMUP_SECONDS (default 10):
//   deliveries/s   event messages received by all clients per second (client count), and the
//                  fanout's own fanout_deliveries_total rate (server count)
//   delay          for live events (after the subscription's caughtUp), two clocks:
//                  - publishToDelivery: client receive time − the Redis stream entry id of the
//                    event on the topic (Redis stamps it at XADD; the runner publishes right
//                    after its commit), joined after the run by event id; sampled over all
//                    clients (each event about once, at a rotating position among its run's
//                    clients — bench/fanout-clients.ts), and its p99 per subscriber slot (the
//                    k-th client of each run). This is "commit to delivery".
//                  - eventTimeToDelivery: client receive time − the event's `time` attribute,
//                    on the same samples.
//                  Every client checks that seqs arrive in order: gaps and repeats are counted.
//                    `time` is stamped when the runner decides, before its transaction
//                    commits: an upper bound that includes the runner's batch.
//                  All processes and Redis share this machine's clock.
//   benchTopicReadLag  XADD → read by a plain topic subscriber in the bench process: the
//                  delay any Redis reader on this (shared, loaded) machine sees, for comparison.
//   rss / cpu      the fanout process's resident memory (/proc/<pid>/status, sampled each
//                  second) and CPU time over the window (/proc/<pid>/stat); the clients'
//                  process's CPU time over the window
import { fork, type ChildProcess, type Serializable } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createBus } from '@baton/bus';
import { createTestDatabase, createTestRedis, startCluster, startHttpTarget, type Cluster } from '@baton/testkit';
import { BENCH_SERVICES } from './deployments.ts';
import type { ClientReport } from './fanout-clients.ts';
import { api, cpuSeconds, log, machine, summary } from './lib.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const clientCount = Number(process.env.BENCH_FANOUT_CLIENTS ?? 1000);
const watchedRuns = Number(process.env.BENCH_FANOUT_RUNS ?? 100);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? watchedRuns);
const CALLS_PER_RUN = 50;
const SERVICES = { ...BENCH_SERVICES, fanout: 1 };

function loopWorkflow(target: string): string {
  return JSON.stringify({
    document: { dsl: '1.0.0', namespace: 'bench', name: 'http-loop', version: '1.0.0' },
    do: [{ loop: { for: { each: 'i', in: '${ [range(0; .n)] }' }, do: [{ ping: { call: 'http', with: { method: 'get', endpoint: `${target}/ping` } } }] } }],
  });
}

/** The same 50-call loop, `.rounds` times over: a run that stays active for the whole window. */
function longLoopWorkflow(target: string): string {
  const inner = { calls: { for: { each: 'i', in: `\${ [range(0; ${CALLS_PER_RUN})] }` }, do: [{ ping: { call: 'http', with: { method: 'get', endpoint: `${target}/ping` } } }] } };
  return JSON.stringify({
    document: { dsl: '1.0.0', namespace: 'bench', name: 'http-loop-long', version: '1.0.0' },
    do: [{ rounds: { for: { each: 'round', in: '${ [range(0; .rounds)] }' }, do: [inner] } }],
  });
}

/** The clients' process (bench/fanout-clients.ts), driven over its IPC channel. */
class Clients {
  private readonly child: ChildProcess;
  private readonly waiting: ((message: Record<string, unknown>) => void)[] = [];

  constructor() {
    this.child = fork(fileURLToPath(new URL('./fanout-clients.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: Record<string, unknown>) => this.waiting.shift()?.(message));
  }

  get pid(): number {
    return this.child.pid!;
  }

  tell(message: unknown): void {
    this.child.send(message as Serializable);
  }

  async ask<T>(message: unknown, answer: string): Promise<T> {
    const reply = new Promise<Record<string, unknown>>((resolve) => this.waiting.push(resolve));
    this.tell(message);
    const got = await reply;
    if (!(answer in got)) throw new Error(`the clients' process answered ${JSON.stringify(got)}`);
    return got[answer] as T;
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

/** What the bench process itself records: XADD times, and its own topic read lag. */
interface Topic {
  /** Event id → Redis XADD time (ms). */
  published: Map<string, number>;
  /** XADD → read by the bench's own topic reader: what any XREAD consumer on this machine sees. */
  readLags: number[];
  measuring: boolean;
}

export async function benchFanout(): Promise<Record<string, unknown>> {
  const db = await createTestDatabase('baton_bench');
  const redis = await createTestRedis();
  const target = await startHttpTarget();
  const cluster = await startCluster({ env: { ...db.env, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix }, services: SERVICES, verbose: process.env.BENCH_VERBOSE === '1' });
  const call = <T>(method: string, path: string, body?: unknown) => api<T>(cluster.apiUrl, cluster.apiKey, method, path, body);
  const clients = new Clients();
  const topic: Topic = { published: new Map(), readLags: [], measuring: false };
  try {
    for (const doc of [loopWorkflow(target.url), longLoopWorkflow(target.url)]) {
      const res = await call('POST', '/api/v1/workflows', doc);
      if (res.status >= 300) throw new Error(`registering a workflow failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const fanout = cluster.processes.find((p) => p.service === 'fanout')!;
    const fanoutUrl = `http://127.0.0.1:${fanout.port}`;
    log(`fanout: opening ${clientCount} WebSocket clients`);
    await clients.ask({ open: { url: fanoutUrl, key: cluster.apiKey, count: clientCount } }, 'opened');
    const bus = createBus({ kind: 'redis', url: redis.url, prefix: redis.prefix });
    const stopReading = await bus.subscribe<{ id: string }>('events', (entries) => {
      const now = Date.now();
      for (const entry of entries) {
        const at = Number(entry.id.split('-')[0]);
        topic.published.set(entry.body.id, at);
        if (topic.measuring) topic.readLags.push(now - at);
      }
    });
    try {
      return await measure(call, cluster, fanoutUrl, clients, topic, target);
    } finally {
      await stopReading();
      await bus.close();
    }
  } finally {
    clients.close();
    await cluster.stop();
    await target.close();
    await redis.cleanup();
    await db.drop();
  }
}

type Call = <T>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

async function measure(call: Call, cluster: Cluster, fanoutUrl: string, clients: Clients, topic: Topic, target: Awaited<ReturnType<typeof startHttpTarget>>) {
  const runsWatched = Math.min(watchedRuns, concurrency);
  log(`fanout: ${runsWatched} watched runs (${clientCount} clients) among ${concurrency} in flight, ${warmupSeconds}s warm-up + ${seconds}s measured`);
  const stopAt = Date.now() + (warmupSeconds + seconds) * 1000;
  // Enough rounds to outlast the window at up to 200 calls/s per run (a run that ended before its
  // cancel would leave its clients out of clientsThatSawTheirRunEnd: at 40 calls/s, 2 of 100 did
  // on a faster machine); the loop's array is in the run's state, so it is kept short (a 50-call
  // loop inside a loop of rounds).
  const rounds = Math.ceil(((warmupSeconds + seconds) * 200) / CALLS_PER_RUN);
  const watched: string[] = [];
  for (let i = 0; i < runsWatched; i += 1) {
    const started = await call<{ id: string }>('POST', '/api/v1/runs', { namespace: 'bench', name: 'http-loop-long', input: { rounds } });
    if (started.status >= 300) throw new Error(`starting a watched run failed: ${started.status} ${JSON.stringify(started.body)}`);
    watched.push(started.body.id);
  }
  clients.tell({ follow: watched });
  const loopRuns = { completed: 0, notCompleted: 0, failedCalls: 0 };
  const unwatchedLoops = Array.from({ length: concurrency - runsWatched }, async () => {
    while (Date.now() < stopAt) {
      const res = await call<{ status: string }>('POST', '/api/v1/runs', { namespace: 'bench', name: 'http-loop', input: { n: CALLS_PER_RUN }, wait: 'PT60S' }).catch(() => undefined);
      if (res?.status === 200 && res.body.status === 'completed') loopRuns.completed += 1;
      else if (res?.status === 200 || res?.status === 202) loopRuns.notCompleted += 1;
      else loopRuns.failedCalls += 1;
    }
  });
  const pid = cluster.processes.find((p) => p.service === 'fanout')!.child.pid!;
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(rssMiB(pid)), 1000);
  await sleep(warmupSeconds * 1000);
  const before = await fanoutCounters(fanoutUrl);
  const cpu0 = cpuSeconds(pid);
  const calls0 = target.total();
  clients.tell({ measuring: true });
  topic.measuring = true;
  const t0 = performance.now();
  await sleep(seconds * 1000);
  clients.tell({ measuring: false });
  topic.measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  const after = await fanoutCounters(fanoutUrl);
  const cpu = cpuSeconds(pid) - cpu0;
  const calls = target.total() - calls0;
  clearInterval(sampler);
  const ending = clients.ask<number>({ ending: true }, 'ended');
  for (const id of watched) await call('POST', `/api/v1/runs/${id}/cancel`);
  const [sawEnd] = await Promise.all([ending, ...unwatchedLoops]);
  const tally = await clients.ask<ClientReport>({ report: true }, 'report');
  const bySlot: number[][] = [];
  let unjoined = 0;
  const publishDelays = tally.samples.flatMap(([id, at, slot]) => {
    const published = topic.published.get(id);
    if (published === undefined) {
      unjoined += 1;
      return [];
    }
    (bySlot[slot] ??= []).push(at - published);
    return [at - published];
  });
  const serverDeliveries = after.deliveries - before.deliveries;
  return {
    machine: await machine(),
    services: SERVICES,
    clients: clientCount,
    watchedRuns: runsWatched,
    runsInFlight: concurrency,
    seconds: Number(elapsed.toFixed(1)),
    deliveriesPerSecond: { clientLive: Math.round(tally.deliveries / elapsed), clientReplayed: Math.round(tally.replayed / elapsed), server: Math.round(serverDeliveries / elapsed) },
    topicEventsPerSecond: Math.round((after.topicEvents - before.topicEvents) / elapsed),
    httpTasksPerSecond: Math.round(calls / elapsed),
    delayMs: {
      publishToDelivery: summary(publishDelays, 1),
      publishToDeliveryP99BySubscriberSlot: bySlot.map((samples) => summary(samples, 1).p99),
      eventTimeToDelivery: summary(tally.delays, 1),
      samplesWithoutPublishTime: unjoined,
    },
    fanoutDispatchLagP99Ms: histogramP99Ms(after.lagBuckets, before.lagBuckets),
    benchTopicReadLagMs: summary(topic.readLags, 1),
    fanoutRssMiB: { max: Math.max(...rss), last: rss.at(-1) },
    fanoutCpu: { seconds: Number(cpu.toFixed(1)), share: Number((cpu / elapsed).toFixed(2)), deliveriesPerCpuSecond: Math.round(serverDeliveries / cpu) },
    clientsCpu: { seconds: Number(tally.cpuSeconds.toFixed(1)), share: Number((tally.cpuSeconds / elapsed).toFixed(2)) },
    clientsThatSawTheirRunEnd: sawEnd,
    seqGaps: tally.seqGaps,
    seqRepeats: tally.seqRepeats,
    fanoutGapReplays: after.gapReplays - before.gapReplays,
    unwatchedLoopRuns: loopRuns,
    errors: tally.errors,
  };
}

async function fanoutCounters(url: string): Promise<{ deliveries: number; topicEvents: number; gapReplays: number; lagBuckets: Map<number, number> }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (pattern: RegExp) => [...text.matchAll(pattern)].reduce((total, match) => total + Number(match[1]), 0);
  const lagBuckets = new Map<number, number>();
  for (const match of text.matchAll(/fanout_dispatch_lag_seconds_bucket\{le="([^"]+)"[^}]*\} (\d+)/g)) lagBuckets.set(match[1] === '+Inf' ? Infinity : Number(match[1]), Number(match[2]));
  return { deliveries: sum(/fanout_deliveries_total\{[^}]*\} (\d+)/g), topicEvents: sum(/fanout_topic_events_total(?:\{[^}]*\})? (\d+)/g), gapReplays: sum(/fanout_gap_replays_total(?:\{[^}]*\})? (\d+)/g), lagBuckets };
}

/** The upper bound of the histogram bucket holding the 99th percentile of the window. */
function histogramP99Ms(after: Map<number, number>, before: Map<number, number>): number | string {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  for (const bound of bounds) {
    if ((after.get(bound) ?? 0) - (before.get(bound) ?? 0) >= 0.99 * total) return bound === Infinity ? '>10000' : bound * 1000;
  }
  return Number.NaN;
}


function rssMiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
