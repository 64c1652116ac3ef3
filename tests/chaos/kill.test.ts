// Crash safety of the distributed deployment: the services run as separate processes on the
// machine's PostgreSQL and Redis; the workflow-runner and an http-worker are killed with SIGKILL
// in the middle of 200 concurrent runs and started again. Every run must complete with its
// correct output, every task result must be applied exactly once, and nothing may be lost.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, createTestRedis, startCluster, startHttpTarget, type Cluster, type HttpTarget, type TestDatabase, type TestRedis } from '@baton/testkit';

const RUNS = 200;
const CALLS = 5;

let db: TestDatabase;
let redis: TestRedis;
let target: HttpTarget;
let cluster: Cluster;

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await createTestRedis();
  target = await startHttpTarget();
  cluster = await startCluster({
    env: { ...db.env, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, RUNNER_VISIBILITY_MS: '2000', HTTP_WORKER_VISIBILITY_MS: '2000' },
    services: { orchestrator: 1, 'workflow-runner': 1, 'http-worker': 2 },
  });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await target?.close();
  await redis?.cleanup();
  await db?.drop();
});

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${cluster.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${cluster.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

it('loses nothing and applies nothing twice when the runner and an http-worker are SIGKILLed', async () => {
  const calls = Array.from({ length: CALLS }, (_, i) => ({
    [`call${i}`]: {
      call: 'http',
      with: { method: 'post', endpoint: `${target.url}/echo?delay=200`, body: { n: '${ .n }', step: i } },
      output: { as: '${ { n: .body.n } }' },
    },
  }));
  const applied = await api('POST', '/api/v1/workflows', {
    document: { dsl: '1.0.0', namespace: 'chaos', name: 'pipeline', version: '1.0.0' },
    do: [...calls, { finish: { set: { n: '${ .n }', doubled: '${ .n * 2 }' } } }],
  });
  expect(applied.status).toBe(201);

  const ids: string[] = [];
  for (let first = 0; first < RUNS; first += 50) {
    const batch = await Promise.all(Array.from({ length: 50 }, (_, i) => api('POST', '/api/v1/runs', { namespace: 'chaos', name: 'pipeline', input: { n: first + i } })));
    for (const res of batch) {
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
  }

  await waitFor(async () => target.total() >= RUNS / 2, 30_000, 20);
  await cluster.kill('workflow-runner-0');
  await cluster.kill('http-worker-0');
  // The kill must land mid-flight: most runs still have calls to make.
  const doneAtKill = (await api('GET', '/api/v1/runs?namespace=chaos&status=completed&limit=200')).body.items.length;
  expect(doneAtKill).toBeLessThan(RUNS / 2);
  await new Promise((resolve) => setTimeout(resolve, 500));
  await cluster.restart('workflow-runner-0');
  await cluster.restart('http-worker-0');

  await waitFor(async () => {
    const res = await api('GET', '/api/v1/runs?namespace=chaos&status=completed&limit=200');
    return res.body.items.length === RUNS;
  }, 150_000);

  for (const [n, id] of ids.entries()) {
    const run = (await api('GET', `/api/v1/runs/${id}`)).body;
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ n, doubled: n * 2 });
    const events = (await api('GET', `/api/v1/runs/${id}/events?after=0&limit=1000`)).body.items as { seq: number; type: string; data: any }[];
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const completed = events.filter((e) => e.type === 'io.serverlessworkflow.task.completed.v1').map((e) => e.data.task ?? e.data.reference ?? JSON.stringify(e.data));
    expect(completed).toHaveLength(CALLS + 1);
    expect(new Set(completed).size).toBe(CALLS + 1);
  }

  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const runs = await client.query('SELECT COUNT(*)::int AS n FROM runs');
    expect(runs.rows[0].n).toBe(RUNS);
    const attempts = await client.query("SELECT run_id, COUNT(*)::int AS n, COUNT(*) FILTER (WHERE status = 'completed')::int AS done FROM task_attempts GROUP BY run_id");
    expect(attempts.rows).toHaveLength(RUNS);
    for (const row of attempts.rows) expect(row).toMatchObject({ n: CALLS, done: CALLS });
  } finally {
    await client.end();
  }
}, 240_000);

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
