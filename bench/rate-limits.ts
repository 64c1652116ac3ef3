// `npm run bench -- rate-limits`: what a rate limit costs per run. The same one-call HTTP workflow
// (GET on a local target) two ways, BENCH_RUNS runs each (default 300) started through the API by
// 16 clients at once, on services as separate processes (1 orchestrator, 1 workflow-runner,
// 1 http-worker) on the machine's PostgreSQL and Redis:
//   plain     a namespace without rate limits (the task messages carry none)
//   limited   a namespace with a requests limit of 1,000,000/s named by the task
//             (metadata.baton.rateLimit) and the same on the target's host: every call asks the
//             Redis limiter twice, nothing ever waits
// Both run BENCH_ROUNDS times (default 2), interleaved; the last round is reported. For each, from
// the runs' rows: runs/s (first created → last ended), CPU milliseconds per run of
// the workflow-runner and of the http-worker, failures (API refusals, runs not completed) and
// calls the target saw more than once.
import pg from 'pg';
import { createTestDatabase, createTestRedis, startCluster, startHttpTarget } from '@baton/testkit';
import { api, cpuSeconds, log, machine, summary } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 300);
/** Rounds of both variants, interleaved; the last is reported (the first warms the services up). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CLIENTS = 16;
const VARIANTS = ['plain', 'limited'] as const;

export async function benchRateLimits(): Promise<Record<string, unknown>> {
  const [db, redis, target] = await Promise.all([createTestDatabase('baton_bench'), createTestRedis(), startHttpTarget()]);
  const cluster = await startCluster({
    env: { ...db.env, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix },
    services: { orchestrator: 1, 'workflow-runner': 1, 'http-worker': 1 },
    verbose: process.env.BENCH_VERBOSE === '1',
  });
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const call = <T>(method: string, path: string, body?: unknown) => api<T>(cluster.apiUrl, cluster.apiKey, method, path, body);
  const cpuOf = (service: string) => () => cluster.processes.filter((p) => p.service === service).reduce((sum, p) => sum + cpuSeconds(p.child.pid), 0);
  const runnerCpu = cpuOf('workflow-runner');
  const workerCpu = cpuOf('http-worker');
  const results: Record<string, unknown> = {};
  try {
    const host = new URL(target.url).host;
    for (const [name, body] of [
      ['never', { namespace: 'bench-limited', name: 'never', kind: 'requests', per: 'second', limit: 1_000_000 }],
      ['host', { namespace: 'bench-limited', name: 'host', kind: 'requests', per: 'second', limit: 1_000_000, host }],
    ] as const) {
      const res = await call('POST', '/api/v1/rate-limits', body);
      if (res.status !== 201) throw new Error(`declaring ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    for (const variant of VARIANTS) {
      const task = { call: 'http', with: { method: 'get', endpoint: `${target.url}/${variant}` }, ...(variant === 'limited' && { metadata: { baton: { rateLimit: 'never' } } }) };
      const res = await call('POST', '/api/v1/workflows', { document: { dsl: '1.0.0', namespace: `bench-${variant}`, name: 'call', version: '1.0.0' }, do: [{ fetch: task }] });
      if (res.status !== 201) throw new Error(`registering ${variant}: ${res.status} ${JSON.stringify(res.body)}`);
      await call('POST', '/api/v1/runs', { namespace: `bench-${variant}`, name: 'call', input: { warmUp: true }, wait: 'PT10S' });
    }
    for (let round = 1; round <= ROUNDS; round += 1) for (const variant of VARIANTS) {
      const namespace = `bench-${variant}`;
      log(`${variant}, round ${round}: starting ${RUNS} runs`);
      const calledBefore = target.log.length;
      const cpuStart = [runnerCpu(), workerCpu()];
      let next = 0;
      let refused = 0;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (next < RUNS) {
            const i = next++;
            const res = await call('POST', '/api/v1/runs', { namespace, name: 'call', input: { i, round } });
            if (res.status !== 201) refused += 1;
          }
        }),
      );
      const deadline = Date.now() + 120_000;
      const live = async () => Number((await sql.query(`SELECT count(*) AS n FROM runs WHERE namespace = $1 AND status NOT IN ('completed', 'faulted', 'cancelled')`, [namespace])).rows[0].n);
      while ((await live()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      const cpu = [runnerCpu() - cpuStart[0]!, workerCpu() - cpuStart[1]!];
      const { rows } = await sql.query<{ status: string; created_at: Date; ended_at: Date | null }>(`SELECT status, created_at, ended_at FROM runs WHERE namespace = $1 AND input::jsonb ->> 'round' = $2`, [namespace, String(round)]);
      const completed = rows.filter((r) => r.status === 'completed');
      const seconds = (Math.max(...completed.map((r) => r.ended_at!.getTime())) - Math.min(...rows.map((r) => r.created_at.getTime()))) / 1000;
      const calls = target.log.slice(calledBefore).filter((r) => r.path === `/${variant}`);
      const keys = new Map<string, number>();
      for (const c of calls) keys.set(c.key ?? '', (keys.get(c.key ?? '') ?? 0) + 1);
      const { rows: waits } = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM run_events e JOIN runs r ON r.id = e.run_id WHERE r.namespace = $1 AND e.type = 'dev.baton.task.rate-limited.v1' AND r.input::jsonb ->> 'round' = $2`, [namespace, String(round)]);
      results[variant] = {
        runs: rows.length,
        completed: completed.length,
        failures: refused + (rows.length - completed.length) + (RUNS - rows.length - refused),
        duplicateCalls: [...keys.values()].filter((n) => n > 1).length,
        rateLimitedWaits: Number(waits[0]?.n ?? 0),
        runsPerSecond: Number((completed.length / seconds).toFixed(1)),
        runnerCpuMsPerRun: Number(((cpu[0]! * 1000) / Math.max(1, completed.length)).toFixed(2)),
        httpWorkerCpuMsPerRun: Number(((cpu[1]! * 1000) / Math.max(1, completed.length)).toFixed(2)),
        runMs: summary(completed.map((r) => r.ended_at!.getTime() - r.created_at.getTime()), 1),
      };
      log(`${variant}, round ${round}: ${JSON.stringify(results[variant])}`);
    }
    return { machine: await machine(), services: { orchestrator: 1, 'workflow-runner': 1, 'http-worker': 1 }, runsPerVariant: RUNS, rounds: ROUNDS, workflow: 'one call: http GET on a local target', ...results };
  } finally {
    await sql.end();
    await cluster.stop();
    await target.close();
    await redis.cleanup();
    await db.drop();
  }
}
