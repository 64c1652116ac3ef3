// `npm run bench -- schedules`: many schedules ticking at once. BENCH_SCHEDULES workflows (default
// 1,000), each `schedule: every BENCH_EVERY` (default PT6S) with one `set` task, registered
// through the API (their phases are their registration times), on services as separate processes
// (1 orchestrator, BENCH_RUNNERS workflow-runners, default 1) on the machine's PostgreSQL and
// Redis. Over BENCH_SECONDS (default 60) after a warm-up of one period, from the runs' rows:
//   lag.created   tick → run row committed (the tick's transaction)
//   lag.started   tick → run started by a runner (its first decision)
//   ticks         expected (each schedule's ticks in the window) vs runs started, duplicates,
//                 runs not completed — nothing is left out
//   cpu           CPU seconds per wall second of the runners and the orchestrator over the window
// 10,000 schedules every minute: BENCH_SCHEDULES=10000 BENCH_EVERY=PT1M.
import pg from 'pg';
import { createTestDatabase, createTestRedis, startCluster } from '@baton/testkit';
import { api, cpuSeconds, log, machine, summary } from './lib.ts';

const SCHEDULES = Number(process.env.BENCH_SCHEDULES ?? 1000);
const EVERY = process.env.BENCH_EVERY ?? 'PT6S';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RUNNERS = Number(process.env.BENCH_RUNNERS ?? 1);

function everyMs(iso: string): number {
  const match = /^PT(?:(\d+)M)?(?:(\d+)S)?$/.exec(iso);
  if (!match) throw new Error(`BENCH_EVERY must be like PT6S or PT1M, not ${iso}`);
  return (Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 1000;
}


export async function benchSchedules(): Promise<Record<string, unknown>> {
  const period = everyMs(EVERY);
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
  try {
    log(`registering ${SCHEDULES} workflows with schedule every ${EVERY}`);
    const registerStart = Date.now();
    let next = 0;
    let refused = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < SCHEDULES) {
          const i = next++;
          const res = await call('POST', '/api/v1/workflows', {
            document: { dsl: '1.0.0', namespace: 'bench', name: `tick-${i}`, version: '1.0.0' },
            schedule: { every: EVERY },
            do: [{ note: { set: { i } } }],
          });
          if (res.status !== 201) refused += 1;
        }
      }),
    );
    const registerSeconds = (Date.now() - registerStart) / 1000;
    log(`registered in ${registerSeconds.toFixed(1)} s (${refused} refused); warming up for one period`);
    await new Promise((resolve) => setTimeout(resolve, period + 1_000));

    const runners = cluster.processes.filter((p) => p.service === 'workflow-runner');
    const orchestrator = cluster.processes.find((p) => p.service === 'orchestrator')!;
    const cpu = () => ({ runners: runners.reduce((sum, p) => sum + cpuSeconds(p.child.pid), 0), orchestrator: cpuSeconds(orchestrator.child.pid) });
    const windowStart = Date.now();
    const cpuStart = cpu();
    log(`measuring for ${SECONDS} s`);
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    const windowEnd = Date.now();
    const cpuEnd = cpu();
    // Ticks of the window whose runs may still be committing: give them a period to appear and finish.
    await new Promise((resolve) => setTimeout(resolve, Math.min(period, 10_000) + 2_000));

    const { rows: schedules } = await sql.query<{ anchor_at: string }>("SELECT anchor_at FROM schedules WHERE namespace = 'bench'");
    let expected = 0;
    for (const { anchor_at } of schedules) {
      const anchor = Number(anchor_at);
      const first = Math.ceil((windowStart - anchor) / period);
      const last = Math.floor((windowEnd - anchor) / period);
      expected += Math.max(0, last - first + 1);
    }
    const { rows } = await sql.query<{ tick: string; schedule_id: string; created_at: Date; started_at: Date | null; status: string }>(
      `SELECT trigger->>'tick' AS tick, schedule_id, created_at, started_at, status FROM runs
       WHERE schedule_id IS NOT NULL AND (trigger->>'tick')::timestamptz >= $1 AND (trigger->>'tick')::timestamptz <= $2`,
      [new Date(windowStart), new Date(windowEnd)],
    );
    const created: number[] = [];
    const started: number[] = [];
    const seen = new Set<string>();
    let duplicates = 0;
    let notCompleted = 0;
    for (const row of rows) {
      const tick = Date.parse(row.tick);
      const key = `${row.schedule_id} ${tick}`;
      if (seen.has(key)) duplicates += 1;
      seen.add(key);
      created.push(row.created_at.getTime() - tick);
      if (row.started_at) started.push(row.started_at.getTime() - tick);
      if (row.status !== 'completed') notCompleted += 1;
    }
    const { rows: counters } = await sql.query<{ skipped: string }>("SELECT COALESCE(sum(skipped), 0) AS skipped FROM schedules WHERE namespace = 'bench'");
    const windowSeconds = (windowEnd - windowStart) / 1000;
    return {
      machine: await machine(),
      services: { orchestrator: 1, 'workflow-runner': RUNNERS },
      schedules: SCHEDULES,
      every: EVERY,
      registration: { seconds: Number(registerSeconds.toFixed(1)), refused },
      window: { seconds: Number(windowSeconds.toFixed(1)) },
      ticks: {
        expected,
        runs: rows.length,
        missing: expected - seen.size,
        duplicates,
        notCompleted,
        skippedBySchedules: Number(counters[0]?.skipped ?? 0),
        perSecond: Number((rows.length / windowSeconds).toFixed(1)),
      },
      lagMs: { created: summary(created, 1), started: summary(started, 1) },
      cpuPerSecond: {
        runners: Number(((cpuEnd.runners - cpuStart.runners) / windowSeconds).toFixed(3)),
        orchestrator: Number(((cpuEnd.orchestrator - cpuStart.orchestrator) / windowSeconds).toFixed(3)),
      },
      runnerCpuMsPerRun: Number((((cpuEnd.runners - cpuStart.runners) * 1000) / Math.max(1, rows.length)).toFixed(2)),
    };
  } finally {
    await sql.end();
    await cluster.stop();
    await redis.cleanup();
    await db.drop();
  }
}
