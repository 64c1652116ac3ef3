// Conformance: what the sweepers read outside the runner's transactions — the outbox, stale
// attempts, pending runs, due timers — and the listens an incoming event is matched against.
import { describe, expect, it } from 'vitest';
import type { NewAttempt } from '@baton/core';
import { createRuns, uniqueNamespace } from './harness.ts';
import type { StoreHarness } from './harness.ts';

const HOUR = 3_600_000;

export function sweepConformance(h: StoreHarness): void {
  describe('sweeps', () => {
    it('outbox: undispatched until marked; stale when dispatched long ago and still scheduled', async () => {
      const store = h.store();
      const [runId] = await createRuns(store, uniqueNamespace(), 1);
      const attempts: NewAttempt[] = ['e1', 'e2', 'e3'].map((effectId) => ({
        id: `${runId}:${effectId}`, runId: runId!, effectId, kind: 'http', reference: `/do/${effectId}`, payload: { effectId },
      }));
      await store.transaction((tx) => tx.insertAttempts(attempts));
      const ids = attempts.map((a) => a.id);
      const mine = (list: { id: string }[]) => list.map((a) => a.id).filter((id) => ids.includes(id));

      expect(mine(await store.undispatchedAttempts(0, 1000))).toEqual(ids);
      expect(mine(await store.undispatchedAttempts(HOUR, 1000))).toEqual([]);
      const [outboxEntry] = (await store.undispatchedAttempts(0, 1000)).filter((a) => a.id === ids[0]);
      expect(outboxEntry).toMatchObject({ runId, effectId: 'e1', kind: 'http', status: 'scheduled', payload: { effectId: 'e1' } });
      expect(outboxEntry).not.toHaveProperty('dispatchedAt');

      await store.markDispatched([ids[0]!, ids[1]!]);
      await store.markDispatched([]);
      expect(mine(await store.undispatchedAttempts(0, 1000))).toEqual([ids[2]]);
      await store.transaction((tx) => tx.completeAttempts([{ id: ids[1]!, status: 'completed', result: 1 }]));

      expect(mine(await store.staleAttempts('http', 0, 1000))).toEqual([ids[0]]);
      expect(mine(await store.staleAttempts('agent', 0, 1000))).toEqual([]);
      expect(mine(await store.staleAttempts('http', HOUR, 1000))).toEqual([]);
      const [stale] = (await store.staleAttempts('http', 0, 1000)).filter((a) => a.id === ids[0]);
      expect(stale?.dispatchedAt).toEqual(expect.any(String));
    });

    it('pendingRuns lists runs without a first decision, oldest first', async () => {
      const store = h.store();
      const ids = await createRuns(store, uniqueNamespace(), 3);
      const mine = (list: string[]) => list.filter((id) => ids.includes(id));
      expect(mine(await store.pendingRuns(0, 10_000))).toEqual(ids);
      expect(mine(await store.pendingRuns(HOUR, 10_000))).toEqual([]);
      await store.transaction((tx) => tx.saveRuns([{ id: ids[1]!, status: 'running', state: { status: 'running' }, eventSeq: 0 }]));
      expect(mine(await store.pendingRuns(0, 10_000))).toEqual([ids[0], ids[2]]);
    });

    it('dueTimers returns timers due at `now`, earliest first; nextTimerAt the earliest', async () => {
      const store = h.store();
      const [runId] = await createRuns(store, uniqueNamespace(), 1);
      // Times in 1970 so that no other test's timer is earlier.
      const timers = [30, 10, 20].map((fireAt) => ({ id: `${runId}:t${fireAt}`, runId: runId!, timerId: `t${fireAt}`, fireAt }));
      await store.transaction((tx) => tx.insertTimers(timers));
      expect(await store.nextTimerAt()).toBe(10);
      const due = await store.dueTimers(20, 1000);
      expect(due).toEqual([
        { id: `${runId}:t10`, runId, timerId: 't10', fireAt: 10 },
        { id: `${runId}:t20`, runId, timerId: 't20', fireAt: 20 },
      ]);
      expect(await store.dueTimers(20, 1)).toHaveLength(1);
      // Re-arming a timer moves it.
      await store.transaction((tx) => tx.insertTimers([{ ...timers[1]!, fireAt: 25 }]));
      expect(await store.nextTimerAt()).toBe(20);
      await store.transaction((tx) => tx.deleteTimers(timers.map((t) => t.id)));
      const next = await store.nextTimerAt();
      expect(next === undefined || next > 30).toBe(true);
    });

    it('listensForType returns listens whose filters accept the type, or any type', async () => {
      const store = h.store();
      const [runId] = await createRuns(store, uniqueNamespace(), 1);
      const typeA = `com.example.a.${runId}`;
      const typeB = `com.example.b.${runId}`;
      const listens = [
        { id: `${runId}:onlyA`, runId: runId!, listenId: 'onlyA', filters: [{ with: { type: typeA, source: 'x' } }] },
        { id: `${runId}:aOrB`, runId: runId!, listenId: 'aOrB', filters: [{ with: { type: typeA } }, { with: { type: typeB } }] },
        { id: `${runId}:any`, runId: runId!, listenId: 'any', filters: [{ with: { type: typeB } }, { correlate: { order: { from: '.data.id' } } }] },
      ];
      await store.transaction((tx) => tx.insertListens(listens));
      const mine = async (type: string) => (await store.listensForType(type)).filter((l) => l.runId === runId).map((l) => l.listenId).sort();
      expect(await mine(typeA)).toEqual(['aOrB', 'any', 'onlyA']);
      expect(await mine(typeB)).toEqual(['aOrB', 'any']);
      expect(await mine('com.example.other')).toEqual(['any']);
      const [stored] = (await store.listensForType(typeA)).filter((l) => l.id === listens[0]!.id);
      expect(stored).toEqual(listens[0]);
      await store.transaction((tx) => tx.deleteListens([listens[2]!.id, listens[1]!.id]));
      expect(await mine(typeA)).toEqual(['onlyA']);
      expect(await mine('com.example.other')).toEqual([]);
    });

    it('keeps listens and looks up events whose type a text column cannot hold (U+0000, lone surrogates)', async () => {
      const store = h.store();
      const [runId] = await createRuns(store, uniqueNamespace(), 1);
      const listens = [
        { id: `${runId}:nul`, runId: runId!, listenId: 'nul', filters: [{ with: { type: `a\u0000${runId}` } }] },
        { id: `${runId}:surrogate`, runId: runId!, listenId: 'surrogate', filters: [{ with: { type: `b\uD800${runId}` } }] },
      ];
      await store.transaction((tx) => tx.insertListens(listens));
      const mine = async (type: string) => (await store.listensForType(type)).filter((l) => l.runId === runId);
      expect((await mine(`a\u0000${runId}`)).map((l) => l.listenId).sort()).toEqual(['nul', 'surrogate']);
      expect((await mine('\u0000')).find((l) => l.listenId === 'nul')).toEqual(listens[0]);
      await store.transaction((tx) => tx.deleteListens(listens.map((l) => l.id)));
    });
  });
}
