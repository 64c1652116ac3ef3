// Rate limits across processes: the services as separate Node processes on PostgreSQL and Redis,
// two http-workers sharing one requests limit (the Redis limiter), and crashes while attempts are
// deferred — every http-worker and the workflow-runner SIGKILLed and restarted: each call still
// happens once, no sooner than its slot.
import { createTestDatabase, createTestRedis, startCluster, startHttpTarget, type Cluster, type HttpTarget, type TestDatabase, type TestRedis } from '@baton/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';

const NS = 'rl-cluster';
// A call may come this much before its slot: the limiter (Redis) and the target read one clock,
// a few ms apart.
const JITTER_MS = 40;
let db: TestDatabase;
let redis: TestRedis;
let target: HttpTarget;
let cluster: Cluster;

beforeAll(async () => {
  [db, redis, target] = await Promise.all([createTestDatabase(), createTestRedis(), startHttpTarget()]);
  cluster = await startCluster({
    env: { ...db.env, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, HTTP_WORKER_VISIBILITY_MS: '3000', LOG_LEVEL: 'warn' },
    services: { orchestrator: 1, 'workflow-runner': 1, 'http-worker': 2 },
  });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await target?.close();
  await redis?.cleanup();
  await db?.drop();
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${cluster.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${cluster.apiKey}`, 'content-type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function startRuns(name: string, path: string, count: number, rateLimit?: string): Promise<string[]> {
  const task = { call: 'http', with: { method: 'get', endpoint: `${target.url}${path}` }, ...(rateLimit && { metadata: { baton: { rateLimit } } }) };
  expect((await api('POST', '/api/v1/workflows', { document: { dsl: '1.0.0', namespace: NS, name, version: '1.0.0' }, do: [{ fetch: task }] })).status).toBe(201);
  const started = await Promise.all(Array.from({ length: count }, () => api('POST', '/api/v1/runs', { namespace: NS, name, input: {} })));
  return started.map((r) => r.body.id as string);
}

async function statuses(ids: string[]): Promise<string[]> {
  return (await Promise.all(ids.map((id) => api('GET', `/api/v1/runs/${id}`)))).map((r) => r.body.status as string);
}

it('keeps a requests limit exact across two http-worker processes', async () => {
  expect((await api('POST', '/api/v1/rate-limits', { namespace: NS, name: 'shared', kind: 'requests', per: 'second', limit: 2 })).status).toBe(201);
  const postedAt = Date.now();
  const ids = await startRuns('shared', '/shared', 10, 'shared');
  await expect.poll(async () => (await statuses(ids)).filter((s) => s === 'completed').length, { timeout: 30_000, interval: 250 }).toBe(ids.length);
  const calls = target.log.filter((r) => r.path === '/shared');
  expect(calls).toHaveLength(ids.length);
  expect(new Set(calls.map((c) => c.key)).size).toBe(ids.length);
  // One limiter for both processes: a bucket of 2, then a call every 500 ms from the first slot.
  // A call arrives late (its trip from a worker, a process the machine stalled), never early. So
  // the bounds are on the calls in the order they arrived, each no sooner than its slot:
  // - the k-th is 500 ms × (k − 1) or more after the first slot, which is no sooner than the runs
  //   were posted. However calls bunch up after a delay, this holds; counting the calls in every
  //   2 s window did not, on a slow machine where a stall let deferred calls go together (stop 52);
  // - the last is 4 s after the first slot, so 2.5 s or more after the first call unless that one
  //   came 1.5 s late. Two limiters, each with its bucket, send four calls at once and two every
  //   500 ms: the last 1.5 s after the first.
  const times = calls.map((c) => c.at).sort((a, b) => a - b);
  for (const [k, t] of times.entries()) expect(t - postedAt, `call ${k} to arrive, ms after the runs were posted`).toBeGreaterThanOrEqual(Math.max(0, k - 1) * 500 - JITTER_MS);
  expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(2_500);
}, 60_000);

it('runs each deferred call once, after its slot, when every worker and the runner are killed meanwhile', async () => {
  expect((await api('POST', '/api/v1/rate-limits', { namespace: NS, name: 'slow', kind: 'requests', per: 'second', limit: 1 })).status).toBe(201);
  const ids = await startRuns('slow', '/slow', 6, 'slow');
  // The first call goes at once; the others are deferred 1 … 5 s out.
  await expect.poll(() => target.log.filter((r) => r.path === '/slow').length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
  const events = async () => (await Promise.all(ids.map((id) => api('GET', `/api/v1/runs/${id}/events?after=0&limit=1000`)))).flatMap((r) => r.body.items as { type: string; data: any }[]);
  await expect.poll(async () => (await events()).filter((e) => e.type === 'dev.baton.task.rate-limited.v1').length, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
  const killedAt = Date.now();
  await Promise.all([cluster.kill('http-worker-0', 'SIGKILL'), cluster.kill('http-worker-1', 'SIGKILL'), cluster.kill('workflow-runner-0', 'SIGKILL')]);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await Promise.all([cluster.restart('workflow-runner-0'), cluster.restart('http-worker-0'), cluster.restart('http-worker-1')]);
  await expect.poll(async () => (await statuses(ids)).filter((s) => s === 'completed').length, { timeout: 40_000, interval: 250 }).toBe(ids.length);

  const calls = target.log.filter((r) => r.path === '/slow');
  expect(calls).toHaveLength(ids.length);
  expect(new Set(calls.map((c) => c.key)).size).toBe(ids.length);
  // Each deferred call came no sooner than the slot its wait event names.
  const waits = (await events()).filter((e) => e.type === 'dev.baton.task.rate-limited.v1');
  for (const wait of waits) {
    const call = calls.find((c) => c.key === wait.data.attemptId)!;
    expect(call.at, `call of ${wait.data.attemptId}`).toBeGreaterThanOrEqual(Date.parse(wait.data.until) - JITTER_MS);
  }
  // Some of them were due while nothing ran, and went after the restart.
  expect(calls.some((c) => c.at > killedAt)).toBe(true);
}, 90_000);
