// The hitl-worker killed (SIGKILL) while an approval waits for its deadline: the schedule lives
// in Redis, so the restarted worker claims the entry when it is due and the run times out as it
// should. Services run as separate processes on PostgreSQL + Redis, as deployed.
import { createTestDatabase, createTestRedis, startCluster, type Cluster } from '@baton/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { approvalDoc, finishedRun, openApprovalOf, startRun, until, type Api } from '../../../tests/approvals/helpers.ts';

let cluster: Cluster;
let cleanup: () => Promise<void>;
let redis: Redis;
let prefix: string;

beforeAll(async () => {
  const db = await createTestDatabase();
  const testRedis = await createTestRedis();
  prefix = testRedis.prefix;
  redis = new Redis(testRedis.url);
  cluster = await startCluster({
    env: { ...db.env, REDIS_URL: testRedis.url, REDIS_PREFIX: testRedis.prefix, BATON_APPROVAL_SECRET: 'sigkill-test-secret-0123456789', HITL_POLL_MS: '50' },
    services: { orchestrator: 1, 'workflow-runner': 1, 'hitl-worker': 1 },
  });
  cleanup = async () => {
    await cluster.stop();
    redis.disconnect();
    await testRedis.cleanup();
    await db.drop();
  };
}, 120_000);

afterAll(async () => {
  await cleanup?.();
});

const api: Api = async (method, path, body) => {
  const res = await fetch(`${cluster.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${cluster.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};

it('a hitl-worker killed mid-wait loses no deadline', async () => {
  const res = await api('POST', '/api/v1/workflows', approvalDoc('killed-wait', { approvers: ['alice'], timeout: 'PT2S' }));
  expect(res.status).toBe(201);
  const runId = await startRun(api, 'killed-wait');
  const approval = await openApprovalOf(api, runId);
  // The request event is reported after the deadline is scheduled.
  await until('the request to be handled', async () => {
    const a = await api('GET', `/api/v1/approvals/${approval.id}`);
    return a.body.audit.some((e: any) => e.type === 'dev.baton.approval.requested.v1') ? true : undefined;
  });
  await cluster.kill('hitl-worker-0', 'SIGKILL');
  expect(await redis.zcard(`${prefix}hitl:deadlines`)).toBe(1);
  expect((await api('GET', `/api/v1/runs/${runId}`)).body.status).toBe('waiting');
  await cluster.restart('hitl-worker-0');
  const run = await finishedRun(api, runId, 30_000);
  expect(run.status).toBe('faulted');
  expect(run.error.approval).toMatchObject({ decision: 'timed_out' });
  const worker = cluster.processes.find((p) => p.name === 'hitl-worker-0')!;
  const metrics = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
  expect(metrics).toMatch(/^hitl_deadlines_fired_total(\{[^}]*\})? 1$/m);
  expect(await redis.zcard(`${prefix}hitl:deadlines`)).toBe(0);
}, 60_000);

it('a schedule lost with Redis is re-sent from Postgres by the runner sweeper', async () => {
  await api('POST', '/api/v1/workflows', approvalDoc('lost-schedule', { approvers: ['alice'], timeout: 'PT1S' }));
  const runId = await startRun(api, 'lost-schedule');
  const approval = await openApprovalOf(api, runId);
  await until('the request to be handled', async () => {
    const a = await api('GET', `/api/v1/approvals/${approval.id}`);
    return a.body.audit.some((e: any) => e.type === 'dev.baton.approval.requested.v1') ? true : undefined;
  });
  await cluster.kill('hitl-worker-0', 'SIGKILL');
  await redis.del(`${prefix}hitl:deadlines`);
  const run = await finishedRun(api, runId, 30_000);
  expect(run.status).toBe('faulted');
  expect(run.error.approval).toMatchObject({ decision: 'timed_out' });
}, 60_000);
