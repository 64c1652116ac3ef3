// GET /api/v1/system[/queues|/backlog] on both backends: what the queues hold and who consumes them,
// the PostgreSQL backlog, the runner lag; admin keys without a namespace only.
import { Queues, type TaskMessage } from '@baton/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, openHarness, registerWorkflow, sleep, startRun, uniqueNamespace, type BackendKind, type Harness } from './harness.ts';

for (const kind of ['embedded', 'distributed'] as BackendKind[]) {
  describe(`system view (${kind})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await openHarness(kind);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('reports each queue, its consumers (alive, what they hold, no payloads) and the backlog', async () => {
      const namespace = uniqueNamespace('sys');
      await registerWorkflow(h, namespace);
      const run = await startRun(h, namespace);
      const task: TaskMessage = { attemptId: `${run.id}:e1`, runId: run.id, effectId: 'e1', kind: 'http', namespace, reference: '/do/0/fetch', name: 'fetch', payload: { secret: 'never-shown' } };
      await h.bus.enqueue(Queues.tasks('http'), [task, { ...task, attemptId: `${run.id}:e2`, effectId: 'e2' }]);
      await h.bus.consume(Queues.tasks('http'), 'http-worker-test-1', { max: 1, blockMs: 0, visibilityMs: 60_000 });
      await sleep(20);

      const res = await h.request({ method: 'GET', url: '/api/v1/system' });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('never-shown');
      const { queues, backlog, runnerLag } = res.json();
      expect(queues.aliveWithinMs).toBe(30_000);
      expect(queues.queues.map((q: { name: string; service: string }) => `${q.name}→${q.service}`)).toEqual(['runner→workflow-runner', 'tasks.http→http-worker', 'tasks.agent→agent-runner', 'tasks.approval→hitl-worker']);
      const http = queues.queues[1];
      expect(http).toMatchObject({ waiting: 1, inFlight: 1, aliveConsumers: 1, goneConsumers: 0 });
      expect(http.oldestAgeMs).toBeGreaterThanOrEqual(15);
      expect(http.consumers).toEqual([
        { name: 'http-worker-test-1', alive: true, idleMs: expect.any(Number), pending: 1, held: [{ id: expect.any(String), deliveries: 1, ageMs: expect.any(Number), idleMs: expect.any(Number), runId: run.id, attemptId: `${run.id}:e1`, task: 'fetch', reference: '/do/0/fetch', namespace }] },
      ]);
      // The run is pending: nothing in this harness runs the runner, so its start waits in the runner queue.
      expect(backlog.pendingRuns.count).toBeGreaterThanOrEqual(1);
      expect(queues.queues[0].waiting).toBeGreaterThanOrEqual(1);
      expect(runnerLag.runnerQueueMs).toBeGreaterThanOrEqual(15);
      expect(runnerLag.lagMs).toBeGreaterThanOrEqual(runnerLag.runnerQueueMs);

      const parts = await Promise.all(['/api/v1/system/queues', '/api/v1/system/backlog'].map((url) => h.request({ method: 'GET', url })));
      expect(parts.map((p) => p.statusCode)).toEqual([200, 200]);
      expect(parts[0]!.json().queues).toHaveLength(4);
      expect(parts[1]!.json()).toMatchObject({ countCap: 100_000, pendingRuns: { count: expect.any(Number) }, outboxDue: { count: expect.any(Number) } });
    });

    it('needs an admin key without a namespace', async () => {
      const user = await createKey(h, { name: 'viewer', role: 'user' });
      const narrow = await createKey(h, { name: 'team-admin', role: 'admin', namespace: 'team' });
      const asUser = await h.request({ method: 'GET', url: '/api/v1/system', key: user.secret });
      expect(asUser.statusCode).toBe(403);
      const asNarrow = await h.request({ method: 'GET', url: '/api/v1/system/queues', key: narrow.secret });
      expect(asNarrow.statusCode).toBe(403);
      expect(asNarrow.headers['content-type']).toContain('application/problem+json');
      expect(asNarrow.json().detail).toContain('restricted to namespace "team"');
      expect((await h.request({ method: 'GET', url: '/api/v1/system/backlog', key: null })).statusCode).toBe(401);
    });
  });
}
