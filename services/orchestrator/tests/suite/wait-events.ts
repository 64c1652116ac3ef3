// POST /api/v1/runs with wait; GET /api/v1/runs/{id}/events; POST /api/v1/events.
import type { RunnerMessage, RunRecord, Store } from '@baton/core';
import type { LightMyRequestResponse } from 'fastify';
import { send } from '@baton/engine';
import { describe, expect, it } from 'vitest';
import { advanceRun, type Harness, registerWorkflow, sleep, startRun, uniqueNamespace } from '../harness.ts';

/** Counts store.getRun calls made by the app (the store stays real; only counted). */
function countGetRun(store: Store): { calls: string[]; restore: () => void } {
  const original = store.getRun;
  const calls: string[] = [];
  store.getRun = async (id: string) => {
    calls.push(id);
    return original.call(store, id);
  };
  return { calls, restore: () => void (store.getRun = original) };
}

async function runnerMessages(h: Harness): Promise<RunnerMessage[]> {
  const messages = await h.bus.consume<RunnerMessage>('runner', 'orchestrator-test', { max: 1000, blockMs: 0, visibilityMs: 60_000 });
  if (messages.length > 0) await h.bus.ack('runner', messages.map((m) => m.id));
  return messages.map((m) => m.body);
}

/** The id of the namespace's run not in `known`, once it exists (a waiting start creates it after registering its waiter). */
async function newRunOf(h: Harness, ns: string, known: string[] = []): Promise<string> {
  let id: string | undefined;
  await eventuallyAsync(async () => (id = (await h.store.listRuns({ namespace: ns, limit: 10 })).items.find((run) => !known.includes(run.id))?.id) !== undefined);
  return id!;
}

async function eventuallyAsync(predicate: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(5);
  }
}

export function waitAndEventSuite(harness: () => Harness): void {
  describe('wait', () => {
    it('answers 200 with the whole run once the terminal event is published — without polling the store', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      const counter = countGetRun(h.store);
      try {
        let answered: LightMyRequestResponse | undefined;
        const pending = h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'hello', wait: 'PT60S' } }).then((r) => (answered = r));
        // The waiter is registered before the run is created, so it never reads the run before
        // its end: it only listens.
        const runId = await newRunOf(h, ns);
        await advanceRun(h, runId, 'running');
        await advanceRun(h, runId, 'completed', { output: { message: 'hi' }, publish: false });
        await sleep(300);
        expect(answered).toBeUndefined();
        expect(counter.calls).toHaveLength(0);
        await send(h.bus, { tasks: [], runner: [], events: [{ runId, seq: 99, id: 'x', type: 'io.serverlessworkflow.workflow.completed.v1', time: new Date().toISOString(), data: {}, namespace: ns, name: 'hello', version: '1.0.0' }] });
        // Woken by the event, not by the end of the wait (PT60S, beyond the test's timeout).
        const response = (await Promise.race([pending, sleep(10_000)])) as LightMyRequestResponse | undefined;
        expect(response, 'the terminal event did not wake the waiter').toBeDefined();
        expect(response!.statusCode).toBe(200);
        expect(response!.json()).toMatchObject({ id: runId, status: 'completed', output: { message: 'hi' } });
        expect(response!.json().endedAt).toBeDefined();
        expect(counter.calls).toEqual([runId]);
      } finally {
        counter.restore();
      }
    });

    it('a run already finished when the waiter reads it answers 200 at once (idempotent retry with wait)', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      const run = await startRun(h, ns, 'hello', { idempotencyKey: 'done-1' });
      await advanceRun(h, run.id, 'faulted', { publish: false });
      const response = await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'hello', idempotencyKey: 'done-1', wait: 'PT30S' } });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ id: run.id, status: 'faulted', error: { status: 500, detail: 'boom' } });
    });

    it('answers 202 with the run as it stands when the wait ends first', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      const response = await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'hello', wait: 'PT0.3S' } });
      expect(response.statusCode).toBe(202);
      expect(response.json()).toMatchObject({ namespace: ns, status: 'pending' });
      const timedOut = (response.json() as RunRecord).id;
      // Other runs' terminal events do not wake a waiter; its own does.
      const other = await startRun(h, ns);
      const counter = countGetRun(h.store);
      try {
        let answered = false;
        const pending = h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'hello', wait: 'PT60S' } }).then((r) => ((answered = true), r));
        const waited = await newRunOf(h, ns, [other.id, timedOut]);
        await advanceRun(h, other.id, 'completed');
        await sleep(150);
        expect(answered).toBe(false);
        await advanceRun(h, waited, 'completed');
        const response = (await Promise.race([pending, sleep(10_000)])) as LightMyRequestResponse | undefined;
        expect(response?.statusCode).toBe(200);
      } finally {
        counter.restore();
      }
    });

    it('400 for a wait that is not an ISO 8601 duration', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      for (const wait of ['soon', 'P1M', 'PT', '30']) {
        const response = await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'hello', wait } });
        expect(response.statusCode, wait).toBe(400);
        expect(response.json().problems[0].path).toBe('/body/wait');
      }
      const runs = await h.store.listRuns({ namespace: ns, limit: 10 });
      expect(runs.items).toHaveLength(0);
    });
  });

  describe('run events', () => {
    it('serves the log as CloudEvents with runid/seq, from a position', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      const run: RunRecord = await startRun(h, ns);
      const types = ['io.serverlessworkflow.workflow.started.v1', 'io.serverlessworkflow.task.started.v1', 'io.serverlessworkflow.task.completed.v1'];
      const records = await advanceRun(h, run.id, 'running', { eventTypes: types });
      const all = await h.request({ method: 'GET', url: `/api/v1/runs/${run.id}/events` });
      expect(all.statusCode).toBe(200);
      const body = all.json();
      expect(body.nextAfter).toBe(3);
      expect(body.items).toHaveLength(3);
      expect(body.items[0]).toEqual({
        specversion: '1.0',
        id: records[0]!.id,
        source: `baton://${ns}/hello`,
        type: types[0],
        time: records[0]!.time,
        subject: run.id,
        datacontenttype: 'application/json',
        data: { status: 'running' },
        runid: run.id,
        seq: 1,
      });
      const after = await h.request({ method: 'GET', url: `/api/v1/runs/${run.id}/events`, query: { after: '1', limit: '1' } });
      expect(after.json().items.map((e: { seq: number }) => e.seq)).toEqual([2]);
      expect(after.json().nextAfter).toBe(2);
      const end = await h.request({ method: 'GET', url: `/api/v1/runs/${run.id}/events`, query: { after: '3' } });
      expect(end.json()).toEqual({ items: [], nextAfter: 3 });
      const badQueries: Record<string, string>[] = [{ after: '-1' }, { after: 'x' }, { limit: '0' }, { limit: '1001' }];
      for (const query of badQueries) {
        expect((await h.request({ method: 'GET', url: `/api/v1/runs/${run.id}/events`, query })).statusCode, JSON.stringify(query)).toBe(400);
      }
      expect((await h.request({ method: 'GET', url: '/api/v1/runs/0190f1d2-0000-7000-8000-000000000000/events' })).statusCode).toBe(404);
    });
  });

  describe('events in', () => {
    it('delivers a posted CloudEvent to the matching listens and answers 202 {matched}', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      const run = await startRun(h, ns);
      const type = `com.example.${ns}.paid`;
      await h.store.transaction(async (tx) => {
        await tx.insertListens([{ id: `${run.id}:l1`, runId: run.id, listenId: 'l1', filters: [{ with: { type, source: 'https://shop.example' } }] }]);
      });
      await runnerMessages(h);
      const event = { specversion: '1.0', id: 'evt-1', source: 'https://shop.example', type, data: { orderId: 42 }, traceparent: 'x' };
      const matched = await h.request({ method: 'POST', url: '/api/v1/events', headers: { 'content-type': 'application/cloudevents+json' }, payload: JSON.stringify(event) });
      expect(matched.statusCode).toBe(202);
      expect(matched.json()).toEqual({ matched: 1, runs: [] });
      expect(await runnerMessages(h)).toEqual([{ type: 'event', runId: run.id, listenId: 'l1', event, outboxId: expect.any(String) }]);

      const otherSource = await h.request({ method: 'POST', url: '/api/v1/events', payload: { ...event, id: 'evt-2', source: 'https://elsewhere' } });
      expect(otherSource.statusCode).toBe(202);
      expect(otherSource.json()).toEqual({ matched: 0, runs: [] });
      expect(await runnerMessages(h)).toEqual([]);
    });

    it('400 for anything that is not a CloudEvent 1.0', async () => {
      const h = harness();
      const valid = { specversion: '1.0', id: 'e', source: 's', type: 't' };
      for (const body of [{ ...valid, specversion: '0.3' }, { ...valid, id: undefined }, { ...valid, source: '' }, { ...valid, type: 7 }, { ...valid, time: 'yesterday' }, 'text', [valid]]) {
        const response = await h.request({ method: 'POST', url: '/api/v1/events', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
        expect(response.statusCode, JSON.stringify(body)).toBe(400);
        expect(response.json().problems.length).toBeGreaterThan(0);
      }
      const malformed = await h.request({ method: 'POST', url: '/api/v1/events', payload: '{"specversion":', headers: { 'content-type': 'application/cloudevents+json' } });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().type).toBe('https://baton.dev/problems/malformed-body');
    });
  });
}
