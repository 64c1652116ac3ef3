// The runtime benchmark of the durable-runtime issue: services as separate processes
// (1 orchestrator, 1 workflow-runner, 2 http-workers) on the machine's PostgreSQL and Redis,
// calling a local HTTP target.
//   1. throughput: `call: http` tasks per second sustained for BENCH_SECONDS (default 60), with
//      BENCH_CONCURRENCY runs (default 200) in flight, each a `for` loop of 50 calls.
//   2. latency: per-transition latency of a 100-task sequential run (time between consecutive
//      task completions as seen on the event stream), over BENCH_LATENCY_RUNS runs (default 5).
import { createBus } from '@baton/bus';
import { createTestDatabase, createTestRedis, startCluster, startHttpTarget } from '@baton/testkit';
import { api, log, summary } from './lib.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 200);
const latencyRuns = Number(process.env.BENCH_LATENCY_RUNS ?? 5);
const CALLS_PER_RUN = 50;

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
  const cluster = await startCluster({
    env: { ...db.env, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix },
    services: { orchestrator: 1, 'workflow-runner': 1, 'http-worker': 2 },
    verbose: process.env.BENCH_VERBOSE === '1',
  });
  const call = <T>(method: string, path: string, body?: unknown) => api<T>(cluster.apiUrl, cluster.apiKey, method, path, body);
  try {
    for (const doc of [loopWorkflow(target.url), sequentialWorkflow(target.url, 100)]) {
      const res = await call('POST', '/api/v1/workflows', doc);
      if (res.status >= 300) throw new Error(`registering a workflow failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const latency = await measureLatency(call, redis);
    const throughput = await measureThroughput(call, target);
    return {
      machine: { cores: (await import('node:os')).cpus().length, node: process.version },
      services: { orchestrator: 1, 'workflow-runner': 1, 'http-worker': 2 },
      throughput,
      latency,
    };
  } finally {
    await cluster.stop();
    await target.close();
    await redis.cleanup();
    await db.drop();
  }
}

type Call = <T>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

async function measureThroughput(call: Call, target: Awaited<ReturnType<typeof startHttpTarget>>) {
  log(`throughput: ${concurrency} runs in flight, ${warmupSeconds}s warm-up + ${seconds}s measured`);
  const stopAt = Date.now() + (warmupSeconds + seconds) * 1000 + 5_000;
  let completed = 0;
  let failed = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (Date.now() < stopAt) {
      const res = await call<{ status: string }>('POST', '/api/v1/runs', { namespace: 'bench', name: 'http-loop', input: { n: CALLS_PER_RUN }, wait: 'PT60S' });
      if (res.status === 200 && res.body.status === 'completed') completed += 1;
      else failed += 1;
    }
  });
  await sleep(warmupSeconds * 1000);
  const start = target.total();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const calls = target.total() - start;
  const elapsed = (performance.now() - t0) / 1000;
  await Promise.all(workers);
  return { seconds: Number(elapsed.toFixed(1)), httpTasks: calls, httpTasksPerSecond: Math.round(calls / elapsed), runsCompleted: completed, runsNotCompleted: failed };
}

async function measureLatency(call: Call, redis: { url: string; prefix: string }) {
  log(`latency: ${latencyRuns} sequential runs of 100 http tasks`);
  const bus = createBus({ kind: 'redis', url: redis.url, prefix: redis.prefix });
  const arrivals = new Map<string, number[]>();
  const unsubscribe = await bus.subscribe<{ runId: string; type: string }>('events', (entries) => {
    const now = performance.now();
    for (const { body } of entries) {
      if (body.type !== 'io.serverlessworkflow.task.completed.v1') continue;
      const list = arrivals.get(body.runId) ?? [];
      list.push(now);
      arrivals.set(body.runId, list);
    }
  });
  const transitions: number[] = [];
  const totals: number[] = [];
  try {
    for (let i = 0; i < latencyRuns + 1; i += 1) {
      const t0 = performance.now();
      const res = await call<{ id: string; status: string }>('POST', '/api/v1/runs', { namespace: 'bench', name: 'sequential', input: {}, wait: 'PT60S' });
      const total = performance.now() - t0;
      if (res.body.status !== 'completed') throw new Error(`sequential run ended ${res.body.status}`);
      await sleep(100);
      const times = (arrivals.get(res.body.id) ?? []).sort((a, b) => a - b);
      if (i === 0) continue; // the first run warms the caches
      totals.push(total);
      for (let j = 1; j < times.length; j += 1) transitions.push(times[j]! - times[j - 1]!);
    }
  } finally {
    await unsubscribe();
    await bus.close();
  }
  return { runs: latencyRuns, tasksPerRun: 100, perTransitionMs: summary(transitions), runDurationMs: summary(totals, 1) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
