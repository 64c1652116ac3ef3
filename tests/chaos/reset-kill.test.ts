// A reset survives a kill -9 of the workflow-runner mid-replay (issue 14): the services run as
// separate processes on the machine's PostgreSQL and Redis. The original run calls an HTTP step
// for each of 30 items, an agent step (a local OpenAI-protocol server) and an HTTP step that fails.
// Decisions are cut into 2-step slices (BATON_LIMITS stepsPerDecision), so the reset run's
// replay spans many runner transactions (two decisions of replayed outcomes each, the rest sent on
// as `feedback` messages through the outbox); the runner is SIGKILLed once some of the ledger is consumed and some is not (checked in
// run_replays — else the test proves nothing). To land the kill there whatever the machine's
// speed, the runner is frozen (SIGSTOP) before the reset and let run a millisecond at a time, the
// ledger read while it is frozen; if a slice took the whole replay, the run is reset again. A new runner
// finishes the replay: zero new requests to the target and the model for the steps before
// `from`, the failing step succeeds, the run completes, every ledger entry consumed once.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, createTestRedis, startCluster, startFakeOpenAI, startHttpTarget, type Cluster, type FakeOpenAI, type HttpTarget, type TestDatabase, type TestRedis } from '@baton/testkit';

const ITEMS = 30;
let db: TestDatabase;
let redis: TestRedis;
let target: HttpTarget;
let fake: FakeOpenAI;
let cluster: Cluster;
let sql: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await createTestRedis();
  target = await startHttpTarget();
  fake = await startFakeOpenAI({ apiKey: 'sk-reset-kill', reply: () => ({ content: 'summary' }) });
  cluster = await startCluster({
    env: {
      ...db.env,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      RUNNER_VISIBILITY_MS: '2000',
      HTTP_WORKER_VISIBILITY_MS: '2000',
      OPENAI_API_KEY: 'sk-reset-kill',
      OPENAI_BASE_URL: fake.url,
      BATON_LIMITS: JSON.stringify({ default: { stepsPerDecision: 2 } }),
    },
    services: { orchestrator: 1, 'workflow-runner': 1, 'http-worker': 1, 'agent-runner': 1 },
  });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
}, 120_000);

afterAll(async () => {
  await sql?.end();
  await cluster?.stop();
  await fake?.close();
  await target?.close();
  await redis?.cleanup();
  await db?.drop();
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${cluster.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${cluster.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

const finished = (id: string) =>
  waitFor(`run ${id} to finish`, async () => {
    const { body } = await api('GET', `/api/v1/runs/${id}`);
    return ['completed', 'faulted', 'cancelled'].includes(body.status) ? body : undefined;
  }, 90_000);

it('a runner SIGKILLed mid-replay: a new runner finishes the reset with zero new requests before from', async () => {
  const applied = await api('POST', '/api/v1/workflows', {
    document: { dsl: '1.0.0', namespace: 'chaos', name: 'reset', version: '1.0.0' },
    do: [
      { items: { for: { in: '${ .items }', each: 'item' }, do: [{ get: { call: 'http', with: { method: 'get', endpoint: `\${ "${target.url}/item/" + ($item | tostring) }` } } }] } },
      { think: { call: 'agent:1.0.0@default', with: { model: 'reset-model', prompt: 'summarise' } } },
      { charge: { call: 'http', with: { method: 'post', endpoint: `${target.url}/flaky/charge?fail=1` } } },
    ],
  });
  expect(applied.status).toBe(201);
  const started = await api('POST', '/api/v1/runs', { namespace: 'chaos', name: 'reset', input: { items: Array.from({ length: ITEMS }, (_, i) => i) } });
  const original = await finished(started.body.id);
  expect(original.status).toBe('faulted');
  const items = () => target.log.filter((r) => r.path.startsWith('/item/')).length;
  expect({ items: items(), model: fake.requests.length }).toEqual({ items: ITEMS, model: 1 });

  const ledgerOf = async (runId: string) => (await sql.query<{ open: number; consumed: number }>(`SELECT count(*) FILTER (WHERE consumed_by IS NULL)::int AS open, count(*) FILTER (WHERE consumed_by IS NOT NULL)::int AS consumed FROM run_replays WHERE run_id = $1`, [runId])).rows[0]!;
  const runner = cluster.processes.find((p) => p.name === 'workflow-runner-0')!.child.pid!;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  let reset: { status: number; body: any } | undefined;
  let completedResets = 0;
  for (let attempt = 1; ; attempt++) {
    process.kill(runner, 'SIGSTOP');
    const tried = await api('POST', `/api/v1/runs/${original.id}/reset`, { from: 'failed' });
    expect(tried.status).toBe(201);
    expect(await ledgerOf(tried.body.id)).toMatchObject({ open: ITEMS + 1, consumed: 0 });
    let now = { open: ITEMS + 1, consumed: 0 };
    for (const deadline = Date.now() + 60_000; now.consumed === 0 && Date.now() < deadline; ) {
      process.kill(runner, 'SIGCONT');
      await sleep(1);
      process.kill(runner, 'SIGSTOP');
      await sleep(20); // a COMMIT already sent lands before the read
      now = await ledgerOf(tried.body.id);
    }
    if (now.open > 0 || attempt === 5) {
      reset = tried;
      break;
    }
    // One slice took the whole replay: let this reset finish, and reset the original again.
    process.kill(runner, 'SIGCONT');
    expect((await finished(tried.body.id)).status).toBe('completed');
    completedResets += 1;
  }
  await cluster.kill('workflow-runner-0');
  const ledger = () => ledgerOf(reset!.body.id);
  const atKill = await ledger();
  // The kill landed mid-replay: some entries taken, some still open.
  expect(atKill.consumed).toBeGreaterThan(0);
  expect(atKill.open).toBeGreaterThan(0);

  await cluster.restart('workflow-runner-0');
  const done = await finished(reset!.body.id);
  expect(done.status).toBe('completed');
  expect({ items: items(), model: fake.requests.length }).toEqual({ items: ITEMS, model: 1 });
  expect(target.log.filter((r) => r.path === '/flaky/charge')).toHaveLength(2 + completedResets);
  expect(await ledger()).toEqual({ open: 0, consumed: ITEMS + 1 });
  // Each entry taken once: one replayed attempt per original attempt before `from`.
  const attempts = await sql.query<{ replayed_from: string; n: number }>(`SELECT replayed_from, count(*)::int AS n FROM task_attempts WHERE run_id = $1 AND replayed_from IS NOT NULL GROUP BY replayed_from`, [reset!.body.id]);
  expect(attempts.rows).toHaveLength(ITEMS + 1);
  for (const row of attempts.rows) expect(row.n).toBe(1);
  const events = (await api('GET', `/api/v1/runs/${reset!.body.id}/events?after=0&limit=1000`)).body.items as { type: string; data: any }[];
  const replayedGets = events.filter((e) => e.type === 'io.serverlessworkflow.task.completed.v1' && e.data.task === '/do/0/items/do/0/get' && e.data.replayedFrom);
  expect(replayedGets).toHaveLength(ITEMS);
}, 240_000);
