// Exactly one run per tick of an `every: PT1S` schedule over 30 s, with two workflow-runners and
// two orchestrators as separate processes on PostgreSQL and a Redis of the test's own, while
// services are killed with SIGKILL (each runner, an orchestrator, Redis) and PostgreSQL drops
// every connection. Afterwards the runs' ticks must be every second from the first to the last,
// none twice, each run completed, and the schedule's counters must agree.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, startCluster, startRedisServer, type Cluster, type RedisServer, type TestDatabase } from '@baton/testkit';

let db: TestDatabase;
let redis: RedisServer;
let cluster: Cluster;

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await startRedisServer();
  cluster = await startCluster({
    env: { ...db.env, REDIS_URL: redis.url, REDIS_PREFIX: 'baton:', RUNNER_VISIBILITY_MS: '2000' },
    services: { orchestrator: 2, 'workflow-runner': 2 },
  });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await redis?.stop();
  await db?.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The API of an orchestrator that is up (one of the two may be down). */
async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  for (let attempt = 0; ; attempt += 1) {
    const orchestrator = cluster.processes.filter((p) => p.service === 'orchestrator' && cluster.running(p.name))[attempt % 2] ?? cluster.processes.find((p) => p.service === 'orchestrator')!;
    try {
      const res = await fetch(`http://127.0.0.1:${orchestrator.port}${path}`, {
        method,
        headers: { authorization: `Bearer ${cluster.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status >= 500 && attempt < 20) throw new Error(`${res.status}`);
      return { status: res.status, body: await res.json() };
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(250);
    }
  }
}

async function terminateConnections(): Promise<void> {
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db.name]);
  await admin.end();
}

it('every: PT1S over 30 s of kills starts exactly one run per tick, none skipped, none doubled', async () => {
  const registered = await api('POST', '/api/v1/workflows', {
    document: { dsl: '1.0.0', namespace: 'chaos', name: 'ticker', version: '1.0.0' },
    schedule: { every: 'PT1S' },
    do: [{ note: { set: { tick: '${ $workflow.input }' } } }],
  });
  expect(registered.status).toBe(201);
  const id = registered.body.schedule.id;

  const faults: [number, () => Promise<void>][] = [
    [4_000, () => cluster.kill('workflow-runner-0')],
    [5_500, () => cluster.restart('workflow-runner-0')],
    [8_000, () => cluster.kill('orchestrator-0')],
    [9_000, () => cluster.restart('orchestrator-0')],
    [12_000, () => redis.kill()],
    [13_500, () => redis.restart()],
    [16_000, () => cluster.kill('workflow-runner-1')],
    [17_000, () => cluster.restart('workflow-runner-1')],
    [20_000, () => terminateConnections()],
    [23_000, async () => Promise.all([cluster.kill('workflow-runner-0'), cluster.kill('orchestrator-1')]).then(() => undefined)],
    [24_500, async () => Promise.all([cluster.restart('workflow-runner-0'), cluster.restart('orchestrator-1')]).then(() => undefined)],
  ];
  const start = Date.now();
  for (const [at, fault] of faults) {
    await sleep(Math.max(0, start + at - Date.now()));
    await fault();
  }
  await sleep(Math.max(0, start + 30_000 - Date.now()));
  const paused = await api('POST', `/api/v1/schedules/${id}/pause`);
  expect(paused.body.state).toBe('paused');
  const pausedAt = Date.now();

  // Every run started must finish; then the ticks are read from the runs.
  let runs: any[] = [];
  const deadline = Date.now() + 60_000;
  for (;;) {
    const listed = await api('GET', `/api/v1/runs?scheduleId=${id}&limit=500`);
    if (!Array.isArray(listed.body.items)) throw new Error(`listing runs: ${listed.status} ${JSON.stringify(listed.body)}`);
    runs = listed.body.items;
    if (runs.length > 0 && runs.every((r) => r.status === 'completed')) break;
    if (Date.now() > deadline) throw new Error(`runs not finished: ${JSON.stringify(runs.filter((r) => r.status !== 'completed').map((r) => [r.id, r.status]))}`);
    await sleep(250);
  }
  const ticks = runs.map((r) => Date.parse(r.trigger.tick)).sort((a, b) => a - b);
  expect(new Set(ticks).size).toBe(ticks.length);
  expect(ticks.slice(1).filter((t, i) => t - ticks[i]! !== 1000)).toEqual([]);
  expect(ticks[0]).toBe(registered.body.schedule.nextTicks.map((t: string) => Date.parse(t))[0]);
  expect(ticks.at(-1)!).toBeGreaterThanOrEqual(pausedAt - 1500);
  expect(ticks.length).toBeGreaterThanOrEqual(27);
  const schedule = (await api('GET', `/api/v1/schedules/${id}`)).body;
  expect(schedule).toMatchObject({ ticks: ticks.length, skipped: 0, state: 'paused' });
  // Nothing started after the pause.
  await sleep(2_000);
  expect((await api('GET', `/api/v1/runs?scheduleId=${id}&limit=500`)).body.items).toHaveLength(runs.length);
}, 180_000);
