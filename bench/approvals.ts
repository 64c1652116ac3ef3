// The approvals benchmark of the hitl-worker issue: services as separate processes
// (1 orchestrator, 1 workflow-runner, 1 hitl-worker) on the machine's PostgreSQL and Redis.
// BENCH_APPROVAL_RUNS runs (default 1,000) park on an approval; then every approval is decided
// through the API in a burst (BENCH_APPROVAL_CONCURRENCY requests in flight, default 100).
// Reported: per run, the time from sending its decision to the next task's
// `task.started` event on the events topic (p50/p90/p99), the decision API latency, the time
// from the API's answer to that event (the runner's share), and the burst's wall-clock time.
// Nothing is left out: runs that failed to start, decisions refused, runs that never went on or
// did not complete, a next task started twice, and messages reclaimed after a lease ran out.
import { createBus } from '@baton/bus';
import { createTestDatabase, createTestRedis, startCluster } from '@baton/testkit';
import { api, counterDelta, log, machine, scrapeCounters, summary } from './lib.ts';

const runs = Number(process.env.BENCH_APPROVAL_RUNS ?? 1000);
const concurrency = Number(process.env.BENCH_APPROVAL_CONCURRENCY ?? 100);

const workflow = JSON.stringify({
  document: { dsl: '1.0.0', namespace: 'bench', name: 'approval', version: '1.0.0' },
  do: [
    { review: { call: 'approval:1.0.0@default', with: { title: '${ "Release " + (.n | tostring) }', approvers: ['ops@example.com'] } } },
    { after: { set: { decision: '${ .decision }' } } },
  ],
});

async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export async function benchApprovals(): Promise<Record<string, unknown>> {
  const db = await createTestDatabase('baton_bench');
  const redis = await createTestRedis();
  const services = { orchestrator: 1, 'workflow-runner': 1, 'hitl-worker': 1 };
  const cluster = await startCluster({
    env: { ...db.env, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, BATON_APPROVAL_SECRET: 'bench-approval-secret-0123456789' },
    services,
    verbose: process.env.BENCH_VERBOSE === '1',
  });
  const call = <T>(method: string, path: string, body?: unknown) => api<T>(cluster.apiUrl, cluster.apiKey, method, path, body);
  const bus = createBus({ kind: 'redis', url: redis.url, prefix: redis.prefix });
  const nextTaskAt = new Map<string, number>();
  let nextTaskStartedAgain = 0;
  const ended = new Map<string, string>();
  const unsubscribe = await bus.subscribe<{ runId: string; type: string; data: { name?: string } }>('events', (entries) => {
    const now = performance.now();
    for (const { body } of entries) {
      if (body.type === 'io.serverlessworkflow.task.started.v1' && body.data.name === 'after') {
        if (nextTaskAt.has(body.runId)) nextTaskStartedAgain += 1;
        else nextTaskAt.set(body.runId, now);
      }
      const end = /^io\.serverlessworkflow\.workflow\.(completed|faulted|cancelled)\.v1$/.exec(body.type);
      if (end) ended.set(body.runId, end[1]!);
    }
  });
  const metricsUrls = cluster.processes.map((p) => `http://127.0.0.1:${p.port}/metrics`);
  const countersBefore = await scrapeCounters(metricsUrls, ['baton_messages_reclaimed_total']);
  try {
    const registered = await call('POST', '/api/v1/workflows', workflow);
    if (registered.status >= 300) throw new Error(`registering the workflow failed: ${registered.status} ${JSON.stringify(registered.body)}`);
    log(`parking ${runs} runs on an approval`);
    const runIds: string[] = [];
    const startFailures: string[] = [];
    await inParallel(Array.from({ length: runs }, (_, n) => n), 50, async (n) => {
      const res = await call<{ id: string }>('POST', '/api/v1/runs', { namespace: 'bench', name: 'approval', input: { n } }).catch((e: unknown) => ({ status: String(e), body: undefined }));
      if (res.status === 201 && res.body) runIds.push(res.body.id);
      else startFailures.push(`${res.status}`);
    });
    const approvals = await waitForPending(call, runIds.length);
    log(`${approvals.length} approvals pending; deciding them in a burst (${concurrency} in flight)`);
    const decidedAt = new Map<string, number>();
    const apiMs: number[] = [];
    const answeredAt = new Map<string, number>();
    const decisionFailures: string[] = [];
    const burstStart = performance.now();
    await inParallel(approvals, concurrency, async (a) => {
      const t0 = performance.now();
      decidedAt.set(a.runId, t0);
      const res = await call('POST', `/api/v1/approvals/${encodeURIComponent(a.id)}/decision`, { decision: 'approve', comment: 'bench' }).catch((e: unknown) => ({ status: String(e), body: undefined }));
      const t1 = performance.now();
      if (res.status !== 200) {
        decisionFailures.push(`${res.status} ${JSON.stringify(res.body)}`.slice(0, 200));
        decidedAt.delete(a.runId);
        return;
      }
      apiMs.push(t1 - t0);
      answeredAt.set(a.runId, t1);
    });
    const burstMs = performance.now() - burstStart;
    const deadline = Date.now() + 120_000;
    while ((nextTaskAt.size < decidedAt.size || ended.size < decidedAt.size) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const latencies = [...decidedAt].flatMap(([runId, t0]) => (nextTaskAt.has(runId) ? [nextTaskAt.get(runId)! - t0] : []));
    const allDoneMs = Math.max(...nextTaskAt.values()) - burstStart;
    return {
      machine: await machine(),
      services,
      runs: runIds.length,
      concurrency,
      decisionToNextTaskMs: summary(latencies),
      decisionApiMs: summary(apiMs),
      // The runner's share: from the API's answer (decision committed) to the next task's start.
      answerToNextTaskMs: summary([...answeredAt].flatMap(([runId, t1]) => (nextTaskAt.has(runId) ? [nextTaskAt.get(runId)! - t1] : []))),
      burst: { decisionsSeconds: Number((burstMs / 1000).toFixed(2)), decisionsPerSecond: Math.round(approvals.length / (burstMs / 1000)), lastNextTaskAfterMs: Math.round(allDoneMs), nextTasksSeen: nextTaskAt.size },
      failures: {
        runsNotStarted: startFailures.length,
        decisionsRefused: decisionFailures.length,
        samples: [...startFailures, ...decisionFailures].slice(0, 3),
        decidedRunsWithoutNextTask: [...decidedAt.keys()].filter((id) => !nextTaskAt.has(id)).length,
        decidedRunsNotCompleted: [...decidedAt.keys()].filter((id) => ended.get(id) !== 'completed').length,
      },
      repeatedWork: {
        nextTaskStartedAgain,
        messagesReclaimed: counterDelta(countersBefore, await scrapeCounters(metricsUrls, ['baton_messages_reclaimed_total'])).baton_messages_reclaimed_total ?? 0,
      },
    };
  } finally {
    await unsubscribe();
    await bus.close();
    await cluster.stop();
    await redis.cleanup();
    await db.drop();
  }
}

type Call = <T>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

/** Every pending approval (paging through the listing) once `expected` of them are open. */
async function waitForPending(call: Call, expected: number): Promise<{ id: string; runId: string }[]> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const found: { id: string; runId: string }[] = [];
    let cursor: string | undefined;
    do {
      const res = await call<{ items: { id: string; runId: string }[]; nextCursor?: string }>('GET', `/api/v1/approvals?status=pending&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      found.push(...res.body.items.map(({ id, runId }) => ({ id, runId })));
      cursor = res.body.nextCursor;
    } while (cursor);
    if (found.length >= expected) return found;
    if (Date.now() > deadline) throw new Error(`only ${found.length} of ${expected} approvals opened`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
