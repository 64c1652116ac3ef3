// `npm run bench -- concurrency`: what a concurrency key costs per run. The same short workflow (a
// 5 ms `wait`) three ways, BENCH_RUNS runs each (default 300) started through the API by 16
// clients at once, on services as separate processes (1 orchestrator, BENCH_RUNNERS
// workflow-runners, default 1) on the machine's PostgreSQL and Redis:
//   plain     no `metadata.baton.concurrency`
//   keyed     `{ limit: 10000, key: '${ .customer }' }` over 10 customers: every start takes and
//             every end frees a slot, nothing ever waits
//   queued    `{ limit: 5 }`: one key, the runs wait in its queue and start 5 at a time
// For each, from the runs' rows: runs/s (first created → last ended), the workflow-runners' CPU
// milliseconds per run, and failures (API refusals, runs not completed).
import pg from 'pg';
import { createTestDatabase, createTestRedis, startCluster } from '@baton/testkit';
import { api, cpuSeconds, log, machine, summary } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const RUNNERS = Number(process.env.BENCH_RUNNERS ?? 1);
const CLIENTS = 16;

const VARIANTS: { name: string; concurrency?: object }[] = [
  { name: 'plain' },
  { name: 'keyed', concurrency: { limit: 10_000, key: '${ .customer }' } },
  { name: 'queued', concurrency: { limit: 5 } },
];

export async function benchConcurrency(): Promise<Record<string, unknown>> {
  const db = await createTestDatabase('baton_bench');
  const redis = await createTestRedis();
  const cluster = await startCluster({
    env: { ...db.env, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix },
    services: { orchestrator: 1, 'workflow-runner': RUNNERS },
    verbose: process.env.BENCH_VERBOSE === '1',
  });
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const call = <T>(method: string, path: string, body?: unknown) => api<T>(cluster.apiUrl, cluster.apiKey, method, path, body);
  const runners = cluster.processes.filter((p) => p.service === 'workflow-runner');
  const runnerCpu = () => runners.reduce((sum, p) => sum + cpuSeconds(p.child.pid), 0);
  const results: Record<string, unknown> = {};
  try {
    for (const variant of VARIANTS) {
      const res = await call('POST', '/api/v1/workflows', {
        document: { dsl: '1.0.0', namespace: 'bench', name: variant.name, version: '1.0.0', ...(variant.concurrency && { metadata: { baton: { concurrency: variant.concurrency } } }) },
        do: [{ nap: { wait: { milliseconds: 5 } } }],
      });
      if (res.status !== 201) throw new Error(`registering ${variant.name}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    // One warm-up run each (definition caches, connections).
    for (const variant of VARIANTS) await call('POST', '/api/v1/runs', { namespace: 'bench', name: variant.name, input: { customer: 'warm-up' }, wait: 'PT10S' });
    for (const variant of VARIANTS) {
      log(`${variant.name}: starting ${RUNS} runs`);
      const cpuStart = runnerCpu();
      let next = 0;
      let refused = 0;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (next < RUNS) {
            const i = next++;
            const res = await call('POST', '/api/v1/runs', { namespace: 'bench', name: variant.name, input: { customer: `c${i % 10}`, i } });
            if (res.status !== 201) refused += 1;
          }
        }),
      );
      const deadline = Date.now() + 120_000;
      const live = async () => Number((await sql.query(`SELECT count(*) AS n FROM runs WHERE name = $1 AND status NOT IN ('completed', 'faulted', 'cancelled')`, [variant.name])).rows[0].n);
      while ((await live()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      const cpu = runnerCpu() - cpuStart;
      const { rows } = await sql.query<{ status: string; created_at: Date; started_at: Date | null; ended_at: Date | null }>(
        `SELECT status, created_at, started_at, ended_at FROM runs WHERE name = $1 AND input::jsonb ? 'i'`,
        [variant.name],
      );
      const completed = rows.filter((r) => r.status === 'completed');
      const first = Math.min(...rows.map((r) => r.created_at.getTime()));
      const last = Math.max(...completed.map((r) => r.ended_at!.getTime()));
      const seconds = (last - first) / 1000;
      results[variant.name] = {
        runs: rows.length,
        completed: completed.length,
        failures: refused + (rows.length - completed.length) + (RUNS - rows.length - refused),
        runsPerSecond: Number((completed.length / seconds).toFixed(1)),
        runnerCpuMsPerRun: Number(((cpu * 1000) / Math.max(1, completed.length)).toFixed(2)),
        startLagMs: summary(completed.filter((r) => r.started_at).map((r) => r.started_at!.getTime() - r.created_at.getTime()), 1),
      };
      log(`${variant.name}: ${JSON.stringify(results[variant.name])}`);
    }
    return { machine: await machine(), services: { orchestrator: 1, 'workflow-runner': RUNNERS }, runsPerVariant: RUNS, workflow: 'one wait of 5 ms', ...results };
  } finally {
    await sql.end();
    await cluster.stop();
    await redis.cleanup();
    await db.drop();
  }
}
