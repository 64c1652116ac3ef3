// Conformance: what operators' actions store (migration 0008) — reruns linked to their run,
// suspended runs, held attempts (written, released, cancelled) and suspend / resume requests
// of which the latest wins.
import { describe, expect, it } from 'vitest';
import type { NewAttempt, NewOutboxRow, RunnerMessage } from '@baton/core';
import { createRuns, definedRun, newId, uniqueNamespace } from './harness.ts';
import type { StoreHarness } from './harness.ts';

const attempt = (runId: string, effectId: string, held: boolean, kind: NewAttempt['kind'] = 'http'): NewAttempt => ({
  id: `${runId}:${effectId}`,
  runId,
  effectId,
  kind,
  reference: `/do/${effectId}`,
  payload: { effectId },
  ...(held && { held: true }),
});

const controlRow = (runId: string, type: 'suspend' | 'resume'): NewOutboxRow => {
  const id = newId();
  return { id, kind: 'runner', runId, body: { type, runId, outboxId: id } as RunnerMessage, relayAfterMs: 60_000 };
};

export function operationsConformance(h: StoreHarness): void {
  describe('operators: rerun, suspend, held attempts', () => {
    it('a rerun keeps rerunOf and its trigger, and the listing finds the reruns of a run', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const [original] = await createRuns(store, ns, 1);
      const template = await definedRun(store, ns);
      const { run } = await store.createRun({ ...template, id: newId(), rerunOf: original!, trigger: { kind: 'rerun', runId: original! } });
      expect(run).toMatchObject({ rerunOf: original, trigger: { kind: 'rerun', runId: original } });
      expect((await store.getRun(original!))?.rerunOf).toBeUndefined();
      expect((await store.listRuns({ rerunOf: original!, limit: 10 })).items.map((r) => r.id)).toEqual([run.id]);
    });

    it('a run may be suspended before its first decision: saveRuns without a state keeps it', async () => {
      const store = h.store();
      const [id] = await createRuns(store, uniqueNamespace(), 1);
      await store.transaction((tx) => tx.saveRuns([{ id: id!, status: 'suspended', eventSeq: 1 }]));
      const [locked] = await store.transaction((tx) => tx.lockRuns([id!]));
      expect(locked).toMatchObject({ status: 'suspended', eventSeq: 1 });
      expect(locked).not.toHaveProperty('state');
      expect((await store.listRuns({ status: 'suspended', namespace: (await store.getRun(id!))!.namespace, limit: 10 })).items.map((r) => r.id)).toEqual([id]);
    });

    it('held attempts are never stale nor relayed; released in effect order they are scheduled with their new payload', async () => {
      const store = h.store();
      const [run] = await createRuns(store, uniqueNamespace(), 1);
      await store.transaction((tx) => tx.insertAttempts([attempt(run!, 'e10', true), attempt(run!, 'e2', true), attempt(run!, 'e3', false)]));
      expect((await store.listAttempts(run!)).map((a) => [a.effectId, a.status]).sort()).toEqual([['e10', 'held'], ['e2', 'held'], ['e3', 'scheduled']]);
      expect(await store.scheduledTaskPayloads([`${run}:e2`, `${run}:e10`])).toEqual([]);
      const stale = await store.claimStaleAttempts('http', { olderThanMs: -60_000 }, 1000);
      expect(stale.filter((a) => a.runId === run).map((a) => a.effectId)).toEqual(['e3']);
      const held = await store.transaction((tx) => tx.heldAttempts([run!]));
      expect(held.map((a) => a.effectId)).toEqual(['e2', 'e10']);
      expect(held[0]).toEqual({ id: `${run}:e2`, runId: run, effectId: 'e2', kind: 'http', reference: '/do/e2', payload: { effectId: 'e2' } });
      const released = await store.transaction((tx) => tx.releaseAttempts([{ id: `${run}:e2`, payload: { sent: true } }, { id: `${run}:e3`, payload: { not: 'held' } }]));
      expect(released).toEqual([`${run}:e2`]);
      expect(await store.scheduledTaskPayloads([`${run}:e2`])).toEqual([{ id: `${run}:e2`, kind: 'http', payload: { sent: true } }]);
      expect((await store.transaction((tx) => tx.heldAttempts([run!]))).map((a) => a.effectId)).toEqual(['e10']);
    });

    it('cancelAttempts and releaseRuns cancel held attempts too and say which were held', async () => {
      const store = h.store();
      const [a, b, c] = await createRuns(store, uniqueNamespace(), 3);
      await store.transaction((tx) =>
        tx.insertAttempts([attempt(a!, 'e1', true, 'workflow'), attempt(a!, 'e2', false, 'workflow'), attempt(b!, 'e1', true), attempt(b!, 'e2', false), attempt(c!, 'e1', true), attempt(c!, 'e2', false)]),
      );
      const cancelled = await store.transaction((tx) => tx.cancelAttempts([`${a}:e1`, `${a}:e2`]));
      expect(cancelled.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
        { id: `${a}:e1`, kind: 'workflow', held: true },
        { id: `${a}:e2`, kind: 'workflow', held: false },
      ]);
      expect(await store.transaction((tx) => tx.cancelAttempts([`${a}:e1`]))).toEqual([]);
      const released = await store.transaction((tx) => tx.releaseRuns([b!]));
      expect(released.map((r) => [r.effectId, r.held]).sort()).toEqual([['e1', true], ['e2', false]]);
      await store.transaction((tx) => tx.cancelHeldAttempts([c!]));
      expect((await store.listAttempts(c!)).map((x) => [x.effectId, x.status])).toEqual([['e1', 'cancelled'], ['e2', 'scheduled']]);
    });

    it('liveChildRuns lists the child runs that have not ended', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const [parent] = await createRuns(store, ns, 1);
      const template = await definedRun(store, ns);
      const child = (effect: string) => ({ ...template, id: `${parent}.${effect}`, parentRunId: parent!, parentEffectId: effect });
      await store.transaction((tx) => tx.createRuns([child('e1'), child('e2')]));
      await store.transaction((tx) => tx.saveRuns([{ id: `${parent}.e2`, status: 'completed', eventSeq: 0, state: { status: 'completed' } }]));
      expect(await store.transaction((tx) => tx.liveChildRuns([parent!, newId()]))).toEqual([{ id: `${parent}.e1`, parentRunId: parent }]);
    });

    it('dropSupersededControls deletes the older suspend / resume rows of the same run only', async () => {
      const store = h.store();
      const [run, other] = await createRuns(store, uniqueNamespace(), 2);
      const older = controlRow(run!, 'suspend');
      const newer = controlRow(run!, 'resume');
      const elsewhere = controlRow(other!, 'suspend');
      const cancel: NewOutboxRow = { id: newId(), kind: 'runner', runId: run!, body: { type: 'cancel', runId: run! }, relayAfterMs: 60_000 };
      await store.transaction((tx) => tx.insertOutbox([older, cancel, elsewhere]));
      await store.transaction((tx) => tx.insertOutbox([newer]));
      expect(await store.transaction((tx) => tx.dropSupersededControls([older.id]))).toEqual([]);
      expect(await store.transaction((tx) => tx.dropSupersededControls([newer.id]))).toEqual([older.id]);
      expect((await store.transaction((tx) => tx.takeOutbox([older.id, newer.id, cancel.id, elsewhere.id]))).sort()).toEqual([newer.id, cancel.id, elsewhere.id].sort());
    });
  });
}
