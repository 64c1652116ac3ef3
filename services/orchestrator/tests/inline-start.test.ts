// The API's inline start (@baton/engine inline-start.ts) on both backends: a run created through
// POST /api/v1/runs from a pick is started in the transaction that creates it — its first tasks
// on the worker queue, no start message for a runner —, and a start that writes a timer is left to
// the runner. (The suites in api-suites.ts drive starts by hand instead: no starter there.)
import { Queues, type RunnerMessage, type RunRecord, type TaskMessage } from '@baton/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlStore } from '@baton/store';
import { type BackendKind, type Harness, openHarness, uniqueNamespace } from './harness.ts';

async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const STARTED = 'io.serverlessworkflow.workflow.started.v1';

for (const kind of ['embedded', 'distributed'] as BackendKind[]) {
  describe(`inline start (${kind})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await openHarness(kind, {}, { starter: true });
    });
    afterAll(async () => {
      await h?.close();
    });

    async function apply(document: Record<string, unknown>): Promise<void> {
      const response = await h.request({ method: 'POST', url: '/api/v1/workflows', payload: { document: { dsl: '1.0.0', version: '1.0.0', ...(document.document as object) }, do: document.do } });
      expect(response.statusCode, response.body).toBe(201);
    }
    async function post(payload: Record<string, unknown>): Promise<{ status: number; run: RunRecord }> {
      const response = await h.request({ method: 'POST', url: '/api/v1/runs', payload });
      expect(response.statusCode, response.body).toBeLessThan(300);
      return { status: response.statusCode, run: response.json<RunRecord>() };
    }
    async function drain<T>(queue: string): Promise<T[]> {
      const messages = await h.bus.consume<T>(queue, 'inline-start-test', { max: 1000, blockMs: 0, visibilityMs: 60_000 });
      if (messages.length > 0) await h.bus.ack(queue, messages.map((m) => m.id));
      return messages.map((m) => m.body);
    }
    async function eventTypes(runId: string): Promise<string[]> {
      return (await h.store.listEvents(runId, 0, 100)).map((e) => e.type);
    }
    /** A workflow whose first task is an http call, with one run made (the next ones are of its pick) and the queues drained. */
    async function httpWorkflow(name: string): Promise<string> {
      const ns = uniqueNamespace('inline');
      await apply({ document: { namespace: ns, name }, do: [{ get: { call: 'http', with: { method: 'get', endpoint: 'http://127.0.0.1:9/x' } } }] });
      await post({ namespace: ns, name });
      await drain(Queues.runner);
      await drain(Queues.tasks('http'));
      return ns;
    }

    it('a run of a pick is started and, with only set tasks, ended by its creation: the wait answers with it, no start message is sent', async () => {
      const ns = uniqueNamespace('inline');
      await apply({ document: { namespace: ns, name: 'sum' }, do: [{ add: { set: { total: '${ .a + .b }' } } }] });
      await post({ namespace: ns, name: 'sum', input: { a: 0, b: 0 } }); // the first finds the definition: its pick serves the next ones
      await drain(Queues.runner);
      const { status, run } = await post({ namespace: ns, name: 'sum', input: { a: 2, b: 3 }, wait: 'PT10S' });
      expect(status).toBe(200);
      expect(run).toMatchObject({ status: 'completed', output: { total: 5 } });
      expect(await drain<RunnerMessage>(Queues.runner)).toEqual([]);
      const stored = await h.store.getRun(run.id);
      expect(stored).toMatchObject({ status: 'completed', output: { total: 5 } });
      expect(stored!.startedAt).toBeDefined();
      const events = await h.store.listEvents(run.id, 0, 100);
      expect(events.map((e) => e.type)).toEqual([STARTED, 'io.serverlessworkflow.task.created.v1', 'io.serverlessworkflow.task.started.v1', 'io.serverlessworkflow.task.completed.v1', 'io.serverlessworkflow.workflow.completed.v1']);
      expect(events[0]!.data).toMatchObject({ trigger: { kind: 'api' } });
      expect(await h.registry.metrics()).toMatch(new RegExp(`baton_runs_finished_total\\{namespace="${ns}",status="completed"\\} 1`));
    });

    it('the first task of a run leaves with its creation: on the worker queue, the run running, its attempt scheduled', async () => {
      const ns = await httpWorkflow('fetch');
      const { status, run } = await post({ namespace: ns, name: 'fetch', input: { n: 1 } });
      expect(status).toBe(201);
      // The record as inserted is the run as its start left it (no pending row first: started-runs.ts).
      expect(run).toMatchObject({ status: 'running', startedAt: expect.any(String) });
      expect(Date.parse(run.createdAt)).toBeLessThanOrEqual(Date.parse(run.startedAt!));
      const tasks = await drain<TaskMessage>(Queues.tasks('http'));
      expect(tasks).toEqual([expect.objectContaining({ runId: run.id, kind: 'http', reference: '/do/0/get' })]);
      expect(await drain(Queues.runner)).toEqual([]);
      expect(await h.store.getRun(run.id)).toMatchObject({ status: 'running' });
      expect(await h.store.listAttempts(run.id)).toEqual([expect.objectContaining({ id: tasks[0]!.attemptId, status: 'scheduled' })]);
      expect(await eventTypes(run.id)).toEqual([STARTED, 'io.serverlessworkflow.task.created.v1', 'io.serverlessworkflow.task.started.v1']);
      // Its relay row is deleted once relayed (within RELAYED_DELETE_WINDOW_MS): no sweeper sends the task again.
      const relayRows = async () => (await (h.store as SqlStore).db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE kind = 'relay' AND (body -> 'tasks')::jsonb ? $1`, [tasks[0]!.attemptId]))[0]!.n;
      await eventually(async () => (await relayRows()) === 0);
    });

    it('a start that writes a timer is left to the runner: the run pending, its start message sent, nothing of it written', async () => {
      const ns = uniqueNamespace('inline');
      await apply({ document: { namespace: ns, name: 'pause' }, do: [{ nap: { wait: { milliseconds: 200 } } }] });
      await post({ namespace: ns, name: 'pause' });
      await drain(Queues.runner);
      const { status, run } = await post({ namespace: ns, name: 'pause' });
      expect(status).toBe(201);
      expect(await drain<RunnerMessage>(Queues.runner)).toEqual([{ type: 'start', runId: run.id }]);
      expect(await h.store.getRun(run.id)).toMatchObject({ status: 'pending' });
      expect(await eventTypes(run.id)).toEqual([]);
    });

    it('concurrency keys gate an inline start as a runner does: over the limit, the run waits queued', async () => {
      const ns = uniqueNamespace('inline');
      const doc = { namespace: ns, name: 'one-at-a-time', metadata: { baton: { concurrency: { limit: 1, key: '${ .customer }', strategy: 'queue' } } } };
      await apply({ document: doc, do: [{ get: { call: 'http', with: { method: 'get', endpoint: 'http://127.0.0.1:9/x' } } }] });
      await post({ namespace: ns, name: 'one-at-a-time', input: { customer: 'warm-up' } });
      const first = await post({ namespace: ns, name: 'one-at-a-time', input: { customer: 'c1' } });
      const second = await post({ namespace: ns, name: 'one-at-a-time', input: { customer: 'c1' } });
      expect(await h.store.getRun(first.run.id)).toMatchObject({ status: 'running' });
      expect(await h.store.getRun(second.run.id)).toMatchObject({ status: 'pending', concurrency: { key: 'c1', state: 'queued', position: 1 } });
    });

    it('a request answered while another is in progress leaves its start to the runner (its batches start many at once)', async () => {
      const ns = await httpWorkflow('busy');
      // Alone: started inline. Its wait holds the request open (no worker answers its task).
      const waiting = h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'busy', wait: 'PT1S' } });
      await eventually(async () => (await drain<TaskMessage>(Queues.tasks('http'))).some((task) => task.namespace === ns));
      const { run } = await post({ namespace: ns, name: 'busy', input: { second: true } });
      expect(await drain<RunnerMessage>(Queues.runner)).toEqual([{ type: 'start', runId: run.id }]);
      expect(await h.store.getRun(run.id)).toMatchObject({ status: 'pending' });
      expect((await waiting).statusCode).toBe(202);
    });

    it('concurrent requests with one idempotency key make one run, started once', async () => {
      const ns = uniqueNamespace('inline');
      await apply({ document: { namespace: ns, name: 'keyed' }, do: [{ get: { call: 'http', with: { method: 'get', endpoint: 'http://127.0.0.1:9/x' } } }] });
      await post({ namespace: ns, name: 'keyed' });
      const answers = await Promise.all(Array.from({ length: 10 }, () => post({ namespace: ns, name: 'keyed', idempotencyKey: 'same', input: { k: 1 } })));
      const ids = new Set(answers.map((a) => a.run.id));
      expect(ids.size).toBe(1);
      expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
      const [id] = [...ids];
      const starts = (await drain<RunnerMessage>(Queues.runner)).filter((m) => m.type === 'start' && m.runId === id);
      const started = (await eventTypes(id!)).filter((type) => type === STARTED);
      expect(starts.length + started.length).toBe(1);
    });
  });
}
