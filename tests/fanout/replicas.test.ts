// The distributed deployment: orchestrator, workflow-runner and TWO fanout replicas, each its own
// process, on PostgreSQL + Redis. A client moving to the other replica continues exactly; each
// replica reads the topic on its own; a client that stops reading is closed with 4008 while the
// others keep receiving, and resumes exactly with `after`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createTestRedis, startCluster, type Cluster, type TestDatabase, type TestRedis } from '@baton/testkit';
import { workflows } from './harness.ts';
import { TestStream, range, seqs } from './stream-client.ts';

const BUFFER_LIMIT = 256 * 1024;

describe('fanout replicas (separate processes, PostgreSQL + Redis)', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let cluster: Cluster;
  let replicas: string[];
  const open: TestStream[] = [];
  const api = async <T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${cluster.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${cluster.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const connect = async (replica: number) => {
    const stream = await TestStream.connect(replicas[replica]!, { key: cluster.apiKey });
    open.push(stream);
    return stream;
  };
  const start = async (name: string, input: object) => (await api<{ id: string }>('POST', '/api/v1/runs', { namespace: 'fan', name, input })).body.id;
  const logLength = async (runId: string) => {
    let total = 0;
    for (let after = 0; ; ) {
      const page = await api<{ items: unknown[]; nextAfter: number }>('GET', `/api/v1/runs/${runId}/events?after=${after}&limit=1000`);
      if (page.body.items.length === 0) return total;
      total += page.body.items.length;
      after = page.body.nextAfter;
    }
  };
  const metric = async (replica: number, line: RegExp) => {
    const text = await (await fetch(`${replicas[replica]}/metrics`)).text();
    return Number(line.exec(text)?.[1] ?? 0);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await createTestRedis();
    cluster = await startCluster({
      env: { ...db.env, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, FANOUT_BUFFER_LIMIT_BYTES: String(BUFFER_LIMIT), BATON_STREAM_TOKEN_SECRET: 'replicas-test-secret-0123456789abcdef' },
      services: { orchestrator: 1, 'workflow-runner': 1, fanout: 2 },
    });
    replicas = cluster.processes.filter((p) => p.service === 'fanout').map((p) => `http://127.0.0.1:${p.port}`);
    for (const document of [workflows.ticker(), workflows.bulky(100)]) {
      const res = await api('POST', '/api/v1/workflows', document);
      if (res.status >= 300) throw new Error(`apply failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
  }, 120_000);
  afterAll(async () => {
    for (const stream of open) stream.close();
    await cluster?.stop();
    await redis?.cleanup();
    await db?.drop();
  });

  it('serves /health, /ready and /metrics on each replica', async () => {
    for (const url of replicas) {
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect(await (await fetch(`${url}/ready`)).json()).toEqual({ status: 'ready' });
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/fanout_connections/);
    }
  });

  it('delivers every live event on both replicas, and a client moving between them continues exactly', async () => {
    const runId = await start('ticker', { n: 40 });
    const watcher0 = await connect(0);
    const watcher1 = await connect(1);
    await watcher0.subscribe({ run: runId });
    await watcher1.subscribe({ run: runId });
    const mover = await connect(0);
    await mover.subscribe({ run: runId });
    await mover.waitFor((m) => m.seq >= 10, 20_000, 'ten events');
    mover.close();
    await mover.closed;
    const lastSeen = Math.max(...seqs(mover.events(runId)));
    const moved = await connect(1);
    await moved.subscribe({ run: runId, after: lastSeen });
    for (const stream of [watcher0, watcher1, moved]) await stream.waitForEnd(runId, 30_000);
    const total = await logLength(runId);
    expect(seqs(watcher0.events(runId))).toEqual(range(1, total));
    expect(seqs(watcher1.events(runId))).toEqual(range(1, total));
    expect([...seqs(mover.events(runId)), ...seqs(moved.events(runId))]).toEqual(range(1, total));
  });

  it('closes a client that stops reading with 4008 while the others keep receiving; it resumes exactly', async () => {
    const runId = await start('bulky', { n: 150 });
    const fast = [await connect(0), await connect(0)];
    const slow = await connect(0);
    for (const stream of [...fast, slow]) await stream.subscribe({ run: runId });
    slow.socket.pause(); // stop reading: the kernel buffers fill, then the replica's
    // Once the replica has given up on it, read again to see the close (before the replica's
    // 10 s grace for unread close frames runs out).
    for (const deadline = Date.now() + 90_000; (await metric(0, /fanout_closes_total\{reason="slow-consumer"[^}]*\} (\d+)/)) < 1; ) {
      if (Date.now() > deadline) throw new Error('the slow client was never closed');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    slow.socket.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(4008);
    expect(closed.reason).toMatch(/slow consumer/);
    for (const stream of fast) await stream.waitForEnd(runId, 90_000);
    const total = await logLength(runId);
    for (const stream of fast) expect(seqs(stream.events(runId))).toEqual(range(1, total));
    expect(await metric(0, /fanout_closes_total\{reason="slow-consumer"[^}]*\} (\d+)/)).toBe(1);
    const received = seqs(slow.events(runId));
    expect(received).toEqual(range(1, received.length)); // a prefix, in order
    expect(received.length).toBeLessThan(total);
    const resumed = await connect(1);
    await resumed.subscribe({ run: runId, after: received.at(-1) ?? 0 });
    await resumed.waitForEnd(runId, 30_000);
    expect([...received, ...seqs(resumed.events(runId))]).toEqual(range(1, total));
  }, 120_000);
});
