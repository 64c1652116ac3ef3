// POST/GET /api/v1/runs…, cancel.
import type { RunnerMessage } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { advanceRun, type Harness, registerWorkflow, startRun, uniqueNamespace } from '../harness.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Messages on the runner queue (consumed and acked: nothing else reads this test bus). */
async function drainRunnerQueue(h: Harness): Promise<RunnerMessage[]> {
  const messages = await h.bus.consume<RunnerMessage>('runner', 'orchestrator-test', { max: 1000, blockMs: 0, visibilityMs: 60_000 });
  if (messages.length > 0) await h.bus.ack('runner', messages.map((m) => m.id));
  return messages.map((m) => m.body);
}

export function runSuite(harness: () => Harness): void {
  describe('runs', () => {
    it('starts a run: 201, UUIDv7 id, stored, a start message on the runner queue, counted', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      await drainRunnerQueue(h);
      const response = await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'hello', input: { n: 1 } } });
      expect(response.statusCode).toBe(201);
      const run = response.json();
      expect(run).toMatchObject({ namespace: ns, name: 'hello', version: '1.0.0', status: 'pending', input: { n: 1 } });
      expect(run.id).toMatch(UUID_V7);
      expect(response.headers.location).toBe(`/api/v1/runs/${run.id}`);
      expect(await h.store.getRun(run.id)).toMatchObject({ id: run.id, status: 'pending' });
      expect(await drainRunnerQueue(h)).toContainEqual({ type: 'start', runId: run.id });
      const metrics = await h.registry.metrics();
      expect(metrics).toContain(`runs_started_total{namespace="${ns}"} 1`);

      const read = await h.request({ method: 'GET', url: `/api/v1/runs/${run.id}` });
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(run);
      const defaultInput = await startRun(h, ns);
      expect(defaultInput.input).toEqual({});
    });

    it('a run without a version is of the latest version, also right after a new version is applied', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns, 'hello', '1.0.0');
      // The second run of a request is created in one statement from the first's pick (createPickedRun).
      expect((await startRun(h, ns)).version).toBe('1.0.0');
      expect((await startRun(h, ns)).version).toBe('1.0.0');
      expect((await startRun(h, ns, 'hello', { version: '1.0.0' })).version).toBe('1.0.0');
      await registerWorkflow(h, ns, 'hello', '1.2.0');
      await registerWorkflow(h, ns, 'hello', '1.1.0');
      const [latest, again, pinned] = [await startRun(h, ns), await startRun(h, ns), await startRun(h, ns, 'hello', { version: '1.0.0' })];
      expect([latest.version, again.version, pinned.version]).toEqual(['1.2.0', '1.2.0', '1.0.0']);
      expect(await h.store.getRun(latest.id)).toMatchObject({ version: '1.2.0', definitionId: (await h.store.getDefinition(ns, 'hello', '1.2.0'))!.id });
      await drainRunnerQueue(h);
    });

    it('404 for an unknown workflow or version; 400 for invalid bodies with the zod issues', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      const unknown = await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'nope' } });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().detail).toContain('POST /api/v1/workflows');
      expect((await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'hello', version: '7.0.0' } })).statusCode).toBe(404);

      const missing = await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns } });
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toMatchObject({ type: 'https://baton.dev/problems/validation', problems: [expect.objectContaining({ path: '/body/name' })] });
      const wrongType = await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 42 } });
      expect(wrongType.statusCode).toBe(400);
      const extra = await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'hello', inputs: {} } });
      expect(extra.statusCode).toBe(400);
      const array = await h.request({ method: 'POST', url: '/api/v1/runs', payload: [1, 2] });
      expect(array.statusCode).toBe(400);
      expect((await h.request({ method: 'POST', url: '/api/v1/runs' })).statusCode).toBe(400);
    });

    it('the same idempotencyKey returns the same run (200), also under 10 concurrent requests', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      const first = await startRun(h, ns, 'hello', { idempotencyKey: 'order-1' });
      const again = await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'hello', idempotencyKey: 'order-1' } });
      expect(again.statusCode).toBe(200);
      expect(again.json().id).toBe(first.id);

      await drainRunnerQueue(h);
      const racing = await Promise.all(
        Array.from({ length: 10 }, () => h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'hello', idempotencyKey: 'race' } })),
      );
      const ids = new Set(racing.map((r) => r.json().id));
      expect(ids.size).toBe(1);
      expect(racing.filter((r) => r.statusCode === 201)).toHaveLength(1);
      expect(racing.filter((r) => r.statusCode === 200)).toHaveLength(9);
      const runs = await h.store.listRuns({ namespace: ns, limit: 100 });
      expect(runs.items.filter((r) => r.idempotencyKey === 'race')).toHaveLength(1);
      const starts = (await drainRunnerQueue(h)).filter((m) => m.type === 'start' && m.runId === [...ids][0]);
      expect(starts).toHaveLength(1);
    });

    it('lists runs newest first with status/namespace/name filters and keyset pages', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns, 'one');
      await registerWorkflow(h, ns, 'two');
      const a = await startRun(h, ns, 'one');
      const b = await startRun(h, ns, 'two');
      const c = await startRun(h, ns, 'one');
      await advanceRun(h, b.id, 'completed', { output: { ok: true } });

      const all = await h.request({ method: 'GET', url: '/api/v1/runs', query: { namespace: ns } });
      expect(all.json().items.map((r: { id: string }) => r.id)).toEqual([c.id, b.id, a.id]);
      const completed = await h.request({ method: 'GET', url: '/api/v1/runs', query: { namespace: ns, status: 'completed' } });
      expect(completed.json().items).toEqual([expect.objectContaining({ id: b.id, status: 'completed', output: { ok: true } })]);
      const named = await h.request({ method: 'GET', url: '/api/v1/runs', query: { namespace: ns, name: 'one' } });
      expect(named.json().items.map((r: { id: string }) => r.id)).toEqual([c.id, a.id]);

      const first = await h.request({ method: 'GET', url: '/api/v1/runs', query: { namespace: ns, limit: '2' } });
      expect(first.json().items).toHaveLength(2);
      const second = await h.request({ method: 'GET', url: '/api/v1/runs', query: { namespace: ns, limit: '2', cursor: first.json().nextCursor } });
      expect(second.json().items.map((r: { id: string }) => r.id)).toEqual([a.id]);
      expect(second.json()).not.toHaveProperty('nextCursor');

      const badQueries: Record<string, string>[] = [{ cursor: 'garbage' }, { cursor: Buffer.from('{"x":1}').toString('base64url') }, { limit: '0' }, { limit: '100000' }, { status: 'done' }];
      for (const query of badQueries) {
        const response = await h.request({ method: 'GET', url: '/api/v1/runs', query });
        expect(response.statusCode, JSON.stringify(query)).toBe(400);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    });

    it('GET an unknown or malformed run id → 404', async () => {
      const h = harness();
      expect((await h.request({ method: 'GET', url: '/api/v1/runs/0190f1d2-0000-7000-8000-000000000000' })).statusCode).toBe(404);
      expect((await h.request({ method: 'GET', url: `/api/v1/runs/${encodeURIComponent('a b$')}` })).statusCode).toBe(404);
    });

    it('cancel: 202 and a cancel message for a live run; 409 for a finished one; 404 unknown', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      const run = await startRun(h, ns);
      await drainRunnerQueue(h);
      const cancel = await h.request({ method: 'POST', url: `/api/v1/runs/${run.id}/cancel` });
      expect(cancel.statusCode).toBe(202);
      expect(cancel.json()).toMatchObject({ id: run.id, status: 'pending' });
      const withReason = await h.request({ method: 'POST', url: `/api/v1/runs/${run.id}/cancel`, payload: { reason: 'no longer needed' } });
      expect(withReason.statusCode).toBe(202);
      const emptyJson = await h.request({ method: 'POST', url: `/api/v1/runs/${run.id}/cancel`, headers: { 'content-type': 'application/json' }, payload: '' });
      expect(emptyJson.statusCode).toBe(202);
      // Each recorded in the outbox before the 202 (the outboxId of its row travels with it).
      const outboxId = expect.any(String);
      expect(await drainRunnerQueue(h)).toEqual([
        { type: 'cancel', runId: run.id, outboxId },
        { type: 'cancel', runId: run.id, reason: 'no longer needed', outboxId },
        { type: 'cancel', runId: run.id, outboxId },
      ]);

      await advanceRun(h, run.id, 'cancelled');
      const finished = await h.request({ method: 'POST', url: `/api/v1/runs/${run.id}/cancel` });
      expect(finished.statusCode).toBe(409);
      expect(finished.json()).toMatchObject({ type: 'https://baton.dev/problems/conflict', runStatus: 'cancelled' });
      expect((await h.request({ method: 'POST', url: '/api/v1/runs/0190f1d2-0000-7000-8000-000000000000/cancel' })).statusCode).toBe(404);
      expect((await h.request({ method: 'POST', url: `/api/v1/runs/${run.id}/cancel`, payload: { reason: 5 } })).statusCode).toBe(400);
    });
  });
}
