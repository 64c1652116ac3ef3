// Conformance: what the sweepers claim — stale attempts, pending runs, due timers — and the
// listens an incoming event is matched against.
import { describe, expect, it } from 'vitest';
import type { NewAttempt } from '@baton/core';
import { createRuns, uniqueNamespace } from './harness.ts';
import type { StoreHarness } from './harness.ts';

const HOUR = 3_600_000;

export function sweepConformance(h: StoreHarness): void {
  describe('sweeps', () => {
    it('claimStaleAttempts: scheduled attempts handed out before the cutoff, each claimed once', async () => {
      const store = h.store();
      const [runId] = await createRuns(store, uniqueNamespace(), 1);
      const attempts: NewAttempt[] = ['e1', 'e2', 'e3'].map((effectId) => ({
        id: `${runId}:${effectId}`, runId: runId!, effectId, kind: 'http', reference: `/do/${effectId}`, payload: { effectId },
      }));
      const before = await store.databaseNow();
      await store.transaction((tx) => tx.insertAttempts(attempts));
      const ids = attempts.map((a) => a.id);
      const mine = (list: { id: string }[]) => list.map((a) => a.id).filter((id) => ids.includes(id)).sort();
      await store.transaction((tx) => tx.completeAttempts([{ id: ids[1]!, status: 'completed', result: 1 }]));
      // Written now: not stale for an hour, nor before a cutoff taken before they were written.
      expect(mine(await store.claimStaleAttempts('http', { olderThanMs: HOUR }, 1000))).toEqual([]);
      expect(mine(await store.claimStaleAttempts('http', { before }, 1000))).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const claimed = await store.claimStaleAttempts('http', { olderThanMs: 0 }, 1000);
      expect(mine(claimed)).toEqual([ids[0], ids[2]]);
      expect(claimed.find((a) => a.id === ids[0])).toMatchObject({ runId, effectId: 'e1', kind: 'http', status: 'scheduled', payload: { effectId: 'e1' }, dispatchedAt: expect.any(String) });
      expect(mine(await store.claimStaleAttempts('agent', { olderThanMs: 0 }, 1000))).toEqual([]);
      // Claimed: dispatched again just now, so a second sweep with a window does not take them.
      expect(mine(await store.claimStaleAttempts('http', { olderThanMs: 1_000 }, 1000))).toEqual([]);
      const cutoff = await store.databaseNow();
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(mine(await store.claimStaleAttempts('http', { before: new Date(Date.parse(cutoff) + 10_000).toISOString() }, 1000))).toEqual([ids[0], ids[2]]);
    });

    it('claimPendingRuns: runs without a first decision, oldest first, each claimed once per window', async () => {
      const store = h.store();
      const ids = await createRuns(store, uniqueNamespace(), 3);
      const mine = (list: string[]) => list.filter((id) => ids.includes(id));
      expect(mine(await store.claimPendingRuns({ olderThanMs: HOUR }, 10_000))).toEqual([]);
      await store.transaction((tx) => tx.saveRuns([{ id: ids[1]!, status: 'running', state: { status: 'running' }, eventSeq: 0 }]));
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(mine(await store.claimPendingRuns({ olderThanMs: 0 }, 10_000))).toEqual([ids[0], ids[2]]);
      expect(mine(await store.claimPendingRuns({ olderThanMs: 1_000 }, 10_000))).toEqual([]);
    });

    it('takeDueTimers deletes and returns timers due at `now`, earliest first, each to one caller; nextTimerAt the earliest', async () => {
      const store = h.store();
      const [runId] = await createRuns(store, uniqueNamespace(), 1);
      // Times in 1970 so that no other test's timer is earlier.
      const timers = [30, 10, 20, 15].map((fireAt) => ({ id: `${runId}:t${fireAt}`, runId: runId!, timerId: `t${fireAt}`, fireAt }));
      await store.transaction((tx) => tx.insertTimers(timers));
      expect(await store.nextTimerAt()).toBe(10);
      // Re-arming a timer moves it.
      await store.transaction((tx) => tx.insertTimers([{ ...timers[1]!, fireAt: 12 }]));
      expect(await store.nextTimerAt()).toBe(12);
      const [a, b] = await Promise.all([store.transaction((tx) => tx.takeDueTimers(20, 2)), store.transaction((tx) => tx.takeDueTimers(20, 2))]);
      const taken = [...a, ...b].filter((t) => t.runId === runId);
      expect(taken.map((t) => t.timerId).sort()).toEqual(['t10', 't15', 't20']);
      expect(a.map((t) => t.fireAt)).toEqual([...a.map((t) => t.fireAt)].sort((x, y) => x - y));
      expect(taken.find((t) => t.timerId === 't10')).toEqual({ id: `${runId}:t10`, runId, timerId: 't10', fireAt: 12 });
      expect((await store.transaction((tx) => tx.takeDueTimers(20, 10))).filter((t) => t.runId === runId)).toEqual([]);
      expect(await store.nextTimerAt()).toBe(30);
      await store.transaction((tx) => tx.deleteTimers([timers[0]!.id]));
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
