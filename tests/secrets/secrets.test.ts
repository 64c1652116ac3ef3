// Issue #12, row 8, end to end: `baton start` as its own process on the machine's PostgreSQL and
// Redis, with workflow secrets in its environment. A workflow cannot store a secret
// (`set: {leaked: ${ $secrets.DEMO }}` is refused), a namespace reads only secrets granted to it
// (403 authorization), a server that echoes a secret back is masked in `error.response` and in the
// output — and afterwards no secret value is anywhere: not in any table, not in Redis, not in the
// process's logs, not in any API answer.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { ErrorTypes } from '@baton/core';
import { createTestDatabase, createTestRedis, freePort, startBatonProcess, type BatonProcess, type TestDatabase, type TestRedis } from '@baton/testkit';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DEMO = 'demo-secret-value-8c1f';
const B_KEY = 'team-b-key-77e1a9';
const LEGACY = 'legacy-secret-5a5a5a';
const SECRETS = [DEMO, B_KEY, LEGACY];
const ADMIN_KEY = 'bt_secrets_suite_admin_key_01';

interface Echo {
  url: string;
  received: { url: string; headers: Record<string, unknown>; body: string }[];
  close(): Promise<void>;
}

/** A server that answers with what it received, at the status `?status=` asks for. */
async function startEcho(): Promise<Echo> {
  const received: Echo['received'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = { url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString() };
      received.push(entry);
      const status = Number(new URL(entry.url, 'http://x').searchParams.get('status') ?? 200);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ token: req.headers['x-token'] ?? null, body: entry.body }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let db: TestDatabase;
let redis: TestRedis;
let echo: Echo;
let baton: BatonProcess;
let base = '';

async function api(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

const answers: string[] = [];
async function apiLogged(key: string, method: string, path: string, body?: unknown) {
  const res = await api(key, method, path, body);
  answers.push(res.text);
  return res;
}

async function runToEnd(key: string, namespace: string, name: string): Promise<any> {
  const started = await apiLogged(key, 'POST', '/api/v1/runs', { namespace, name, input: {}, wait: 'PT20S' });
  expect(started.status, started.text).toBeLessThan(300);
  return started.body;
}

const workflow = (namespace: string, name: string, tasks: unknown[]) => ({ document: { dsl: '1.0.3', namespace, name, version: '1.0.0' }, do: tasks });
const echoCall = (path: string, headers: Record<string, string>, body?: unknown) => ({ call: 'http', with: { method: 'post', endpoint: `${echo.url}${path}`, headers, ...(body === undefined ? {} : { body }) } });

beforeAll(async () => {
  [db, redis, echo] = await Promise.all([createTestDatabase(), createTestRedis(), startEcho()]);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...db.env,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    ORCHESTRATOR_PORT: String(port),
    ORCHESTRATOR_HOST: '127.0.0.1',
    FANOUT_PORT: String(await freePort()),
    BATON_API_KEY: ADMIN_KEY,
    LOG_LEVEL: 'debug',
    BATON_SECRET_DEMO: DEMO,
    BATON_SECRET_DEMO_NAMESPACES: 'team-a',
    BATON_SECRET_B_KEY: B_KEY,
    BATON_SECRET_B_KEY_NAMESPACES: 'team-b',
    BATON_SECRET_LEGACY: LEGACY,
  };
  baton = await startBatonProcess({ env, readyTimeoutMs: 60_000 });
}, 90_000);

afterAll(async () => {
  await baton?.stop();
  await echo?.close();
  await redis?.cleanup();
  await db?.drop();
});

describe('secrets (issue #12, row 8)', () => {
  let keyA = '';
  let keyB = '';

  it('warns at start about a secret without a grant, by name only', async () => {
    // A log line waits up to LOG_FLUSH_MS (100 ms) to be written with the next ones, so the warning
    // may come just after the banner that startBatonProcess waits for (CI of 6cc7441: it did).
    await expect.poll(() => baton.output(), { timeout: 5_000 }).toMatch(/secret\(s\) LEGACY have no grant, so no namespace can read them/);
  });

  it('refuses set: {leaked: ${ $secrets.DEMO }} when the workflow is registered', async () => {
    const admin = await apiLogged(ADMIN_KEY, 'POST', '/api/v1/keys', { name: 'team-a', role: 'admin', namespace: 'team-a' });
    keyA = admin.body.secret;
    keyB = (await apiLogged(ADMIN_KEY, 'POST', '/api/v1/keys', { name: 'team-b', role: 'admin', namespace: 'team-b' })).body.secret;
    const res = await apiLogged(keyA, 'POST', '/api/v1/workflows', workflow('team-a', 'leak', [{ leak: { set: { leaked: '${ $secrets.DEMO }' } } }]));
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain('/do/0/leak/set/leaked');
    expect(JSON.stringify(res.body)).toContain('$secrets cannot be read here');
  });

  it("a key of namespace team-a cannot make a run read team-b's secret: the run faults with 403 authorization", async () => {
    expect((await apiLogged(keyA, 'POST', '/api/v1/workflows', workflow('team-a', 'steal', [{ get: echoCall('/steal', { 'x-token': '${ $secrets.B_KEY }' }) }]))).status).toBe(201);
    const run = await runToEnd(keyA, 'team-a', 'steal');
    expect(run).toMatchObject({ status: 'faulted', error: { type: ErrorTypes.authorization, status: 403, instance: '/do/0/get' } });
    expect(run.error.detail).toContain('secret "B_KEY" does not exist or is not granted to namespace "team-a"');
    expect(echo.received.filter((r) => r.url.startsWith('/steal'))).toEqual([]);
    // An ungranted secret is no better: no namespace reads it.
    expect((await apiLogged(keyA, 'POST', '/api/v1/workflows', workflow('team-a', 'legacy', [{ get: echoCall('/legacy', { 'x-token': '${ $secrets.LEGACY }' }) }]))).status).toBe(201);
    expect(await runToEnd(keyA, 'team-a', 'legacy')).toMatchObject({ status: 'faulted', error: { type: ErrorTypes.authorization, status: 403 } });
  });

  it('team-b reads its own secret; what the server echoes back is masked in the output', async () => {
    expect((await apiLogged(keyB, 'POST', '/api/v1/workflows', workflow('team-b', 'own', [{ get: echoCall('/own', { 'x-token': '${ $secrets.B_KEY }' }) }]))).status).toBe(201);
    const run = await runToEnd(keyB, 'team-b', 'own');
    expect(run).toMatchObject({ status: 'completed', output: { token: '***' } });
    expect(echo.received.find((r) => r.url === '/own')?.headers['x-token']).toBe(B_KEY);
  });

  it('a secret echoed by a failing server is masked in error.response and error.detail', async () => {
    const doc = workflow('team-a', 'echo', [{ get: echoCall('/echo?status=400', { 'x-token': '${ $secrets.DEMO }' }, { note: '${ "key=" + $secrets.DEMO }' }) }]);
    expect((await apiLogged(keyA, 'POST', '/api/v1/workflows', doc)).status).toBe(201);
    const run = await runToEnd(keyA, 'team-a', 'echo');
    expect(echo.received.find((r) => r.url.startsWith('/echo'))?.headers['x-token']).toBe(DEMO);
    expect(run).toMatchObject({ status: 'faulted', error: { type: ErrorTypes.communication, status: 400, response: { statusCode: 400, content: { token: '***', body: '{"note":"key=***"}' } } } });
    expect(run.error.detail).toContain('***');
  });

  it('no secret value is anywhere: the API answers, every event, every table, Redis, the logs', async () => {
    const runs = await apiLogged(ADMIN_KEY, 'GET', '/api/v1/runs?limit=100');
    for (const run of runs.body.items) {
      await apiLogged(ADMIN_KEY, 'GET', `/api/v1/runs/${run.id}`);
      const events = await apiLogged(ADMIN_KEY, 'GET', `/api/v1/runs/${run.id}/events?limit=1000`);
      expect(events.body.items.length).toBeGreaterThan(0);
    }
    const stored = [...(await tableRows()), ...(await redisValues())];
    expect(stored.length).toBeGreaterThan(20);
    const everything = [...answers, ...stored, baton.output()].join('\n');
    for (const secret of SECRETS) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(Buffer.from(secret).toString('base64'));
    }
    // The logs did carry the masked failures (so the check above looked at real lines).
    expect(baton.output()).toContain('http call failed');
  });
});

/** Every row of every table of the database, as JSON text. */
async function tableRows(): Promise<string[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
    const rows: string[] = [];
    for (const { table_name } of tables.rows) {
      const result = await client.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
      rows.push(...result.rows.map((r) => r.row));
    }
    return rows;
  } finally {
    await client.end();
  }
}

/** Every value under the test's Redis prefix (streams entry by entry). */
async function redisValues(): Promise<string[]> {
  const client = new Redis(redis.url);
  try {
    const values: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${redis.prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await client.type(key);
        if (type === 'stream') values.push(JSON.stringify(await client.xrange(key, '-', '+')));
        else if (type === 'string') values.push((await client.get(key)) ?? '');
        else if (type === 'hash') values.push(JSON.stringify(await client.hgetall(key)));
        else if (type === 'zset') values.push(JSON.stringify(await client.zrange(key, '0', '-1')));
        else if (type === 'list') values.push(JSON.stringify(await client.lrange(key, 0, -1)));
        else if (type === 'set') values.push(JSON.stringify(await client.smembers(key)));
      }
    } while (cursor !== '0');
    return values;
  } finally {
    client.disconnect();
  }
}
