// RunWaiters through the app: one topic subscription per process, shared by every waiter.
import { Topics, type Bus } from '@baton/core';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createOrchestratorApp, defaultOrchestratorConfig } from '../src/index.ts';
import { advanceRun, openHarness, registerWorkflow, sleep, uniqueNamespace } from './harness.ts';

async function eventuallyAsync(predicate: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(5);
  }
}

/** The ids of the runs read through the store's getRun from now on. */
function recordReads(h: Awaited<ReturnType<typeof openHarness>>): string[] {
  const getRun = h.store.getRun.bind(h.store);
  const reads: string[] = [];
  h.store.getRun = (id) => {
    reads.push(id);
    return getRun(id);
  };
  return reads;
}

describe('wait: one shared subscription', () => {
  it('five concurrent waits use one subscription and each wakes on its own run', async () => {
    const h = await openHarness('embedded');
    const subscribe = h.bus.subscribe.bind(h.bus);
    const topics: string[] = [];
    h.bus.subscribe = ((topic, handler, after) => {
      topics.push(topic);
      return subscribe(topic, handler, after);
    }) as typeof h.bus.subscribe;
    const reads = recordReads(h);
    try {
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      const requests = Array.from({ length: 5 }, (_, i) =>
        h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'hello', idempotencyKey: `w${i}`, wait: 'PT60S' } }),
      );
      // Every request has registered its waiter, then created its run (no read of it in between:
      // the waiter was there before the run).
      let ids: string[] = [];
      await eventuallyAsync(async () => (ids = (await h.store.listRuns({ namespace: ns, limit: 10 })).items.map((r) => r.id)).length === 5);
      expect(reads).toEqual([]);
      for (const [i, id] of ids.entries()) await advanceRun(h, id, 'completed', { output: { i } });
      // Woken by the events, not by the end of the wait (PT60S, beyond the test's timeout).
      const responses = (await Promise.race([Promise.all(requests), sleep(10_000)])) as Awaited<(typeof requests)[number]>[] | undefined;
      if (!responses) throw new Error('the terminal events did not wake the waiters');
      expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
      expect(new Set(responses.map((r) => r.json().id))).toEqual(new Set(ids));
      expect(topics).toEqual([Topics.ended]);
      // One read after waking: no polling.
      expect(reads.sort()).toEqual([...ids].sort());
    } finally {
      await h.close();
    }
  });

  it("a notice that carries the run's end answers the wait without reading the run, as a read then answers", async () => {
    const h = await openHarness('embedded');
    const reads = recordReads(h);
    try {
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      const waits = ['carried', 'malformed'].map((key) => h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'hello', idempotencyKey: key, wait: 'PT60S' } }));
      let runs: { id: string; idempotencyKey?: string }[] = [];
      await eventuallyAsync(async () => (runs = (await h.store.listRuns({ namespace: ns, limit: 10 })).items).length === 2);
      const idOf = (key: string) => runs.find((r) => r.idempotencyKey === key)!.id;
      const type = 'io.serverlessworkflow.workflow.completed.v1';
      for (const key of ['carried', 'malformed']) await advanceRun(h, idOf(key), 'completed', { output: { key }, publish: false });
      const read = async (id: string) => (await h.request({ method: 'GET', url: `/api/v1/runs/${id}` })).json();
      const carried = await read(idOf('carried'));
      const malformed = await read(idOf('malformed'));
      reads.length = 0;
      const { status, output, startedAt, endedAt, updatedAt } = carried;
      await h.bus.publish(Topics.ended, [
        { runId: idOf('carried'), type, end: { status, output, startedAt, endedAt, updatedAt } },
        { runId: idOf('malformed'), type, end: { status: 'completed', updatedAt: 5 } },
      ]);
      const responses = (await Promise.race([Promise.all(waits), sleep(10_000)])) as Awaited<(typeof waits)[number]>[] | undefined;
      if (!responses) throw new Error('the notices did not wake the waiters');
      expect(responses.map((r) => r.statusCode)).toEqual([200, 200]);
      expect(responses[0]!.json()).toEqual(carried);
      expect(responses[1]!.json()).toEqual(malformed);
      // The malformed end is ignored: that waiter reads its run.
      expect(reads).toEqual([idOf('malformed')]);
    } finally {
      await h.close();
    }
  });

  it('a subscription that never establishes does not outlast the wait', async () => {
    const h = await openHarness('embedded');
    // The real bus, except that subscribing hangs (a transport that does not answer).
    const hangingBus: Bus = Object.assign(Object.create(h.bus) as Bus, { subscribe: () => new Promise<never>(() => undefined) });
    const app = await createOrchestratorApp({ store: h.store, bus: hangingBus, logger: pino({ level: 'silent' }), metrics: new Registry(), config: defaultOrchestratorConfig() });
    try {
      await app.ready();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      const response = await app.inject({ method: 'POST', url: '/api/v1/runs', headers: { authorization: `Bearer ${h.adminKey}` }, payload: { namespace: ns, name: 'hello', wait: 'PT0.3S' } });
      expect(response.statusCode).toBe(202);
      expect(response.json().status).toBe('pending');
    } finally {
      await app.close();
      await h.close();
    }
  });
});
