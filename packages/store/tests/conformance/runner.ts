// Conformance: the RunnerTx — one runner batch in one transaction: its locks and checks, its
// rollback and re-entry guard (runner-writes.ts: its writes).
import { describe, expect, it } from 'vitest';
import { RunsChanged, type RunUpdate } from '@baton/core';
import { StoreReentryError } from '../../src/index.ts';
import { createRuns, definedRun, eventFixture, newId, runUpdate as update, uniqueNamespace } from './harness.ts';
import type { StoreHarness } from './harness.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function runnerTxConformance(h: StoreHarness): void {
  describe('RunnerTx', () => {
    it('lockRuns returns known runs in id order and skips unknown ids', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const ids = await createRuns(store, ns, 3);
      const locked = await store.transaction((tx) => tx.lockRuns([ids[2]!, newId(), ids[0]!, ids[1]!]));
      expect(locked.map((r) => r.id)).toEqual([...ids].sort());
      expect(locked[0]).toMatchObject({ namespace: ns, name: 'greet', version: '1.0.0', status: 'pending', eventSeq: 0 });
      expect(locked[0]).not.toHaveProperty('state');
      expect(await store.transaction((tx) => tx.lockRuns([]))).toEqual([]);
    });

    it("lockRuns reads what a run's end leaves alone (started, ended, usage) and the transaction's time, which its writes stamp on updated_at", async () => {
      const store = h.store();
      const [a, b] = await createRuns(store, uniqueNamespace(), 2);
      const [fresh] = await store.transaction((tx) => tx.lockRuns([a!]));
      expect(fresh).not.toHaveProperty('startedAt');
      expect(fresh).not.toHaveProperty('endedAt');
      expect(fresh).not.toHaveProperty('usage');
      await store.transaction((tx) => tx.saveRuns([update(a!, { eventSeq: 1, startedAt: '2026-01-02T03:04:05.678Z', usage: { tokens: 3 } })]));
      await store.transaction((tx) => tx.saveRuns([update(b!, { status: 'completed', eventSeq: 1, startedAt: '2026-01-02T03:04:05.678Z', endedAt: '2026-01-02T03:04:06.001Z' })]));
      await sleep(5);
      const [locked, saved] = await store.transaction(async (tx) => {
        const runs = await tx.lockRuns([a!, b!]);
        await sleep(5); // the transaction's time is its start, not the write's
        await tx.saveTransitions({ updates: [update(a!, { eventSeq: 2 })], events: [], attempts: [], applied: [] });
        return [runs, await tx.lockRuns([a!])] as const;
      });
      const byId = new Map(locked.map((run) => [run.id, run]));
      expect(byId.get(a!)).toMatchObject({ startedAt: '2026-01-02T03:04:05.678Z', usage: { tokens: 3 } });
      expect(byId.get(a!)).not.toHaveProperty('endedAt');
      expect(byId.get(b!)).toMatchObject({ startedAt: '2026-01-02T03:04:05.678Z', endedAt: '2026-01-02T03:04:06.001Z' });
      expect(byId.get(a!)!.lockedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(byId.get(b!)!.lockedAt).toBe(byId.get(a!)!.lockedAt);
      expect(saved[0]!.lockedAt).toBe(byId.get(a!)!.lockedAt);
      expect((await store.getRun(a!))!.updatedAt).toBe(byId.get(a!)!.lockedAt);
      // The next transaction has a time of its own.
      expect((await store.transaction((tx) => tx.lockRuns([a!])))[0]!.lockedAt! > byId.get(a!)!.lockedAt!).toBe(true);
    });

    it("lockRuns gives each run the rate limits of its namespace, read by the lock's own statement (none: []); rateLimitsOf those of namespaces", async () => {
      const store = h.store();
      const [ns1, ns2, ns3, ns4] = [uniqueNamespace(), uniqueNamespace(), uniqueNamespace(), uniqueNamespace()];
      const [a] = await createRuns(store, ns1, 1);
      const [b, c] = await createRuns(store, ns2, 2);
      await createRuns(store, ns3, 1);
      const [d] = await createRuns(store, ns4, 1);
      await store.putRateLimit({ namespace: ns1, name: 'api', kind: 'requests', per: 'second', limit: 5, host: 'api.example.com' });
      await store.putRateLimit({ namespace: ns2, name: 'llm', kind: 'tokens', per: 'minute', limit: 1000, model: 'gpt' });
      await store.putRateLimit({ namespace: ns2, name: 'all', kind: 'requests', per: 'minute', limit: 60 });
      await store.putRateLimit({ namespace: ns3, name: 'other', kind: 'requests', per: 'second', limit: 1 });
      const [locked, byNamespace] = await store.transaction(async (tx) => Promise.all([tx.lockRuns([c!, a!, d!, b!, newId()]), tx.rateLimitsOf([ns2])]));
      expect(locked.map((run) => run.id)).toEqual([a, b, c, d].sort());
      const limitsOf = (id: string) => locked.find((run) => run.id === id)!.rateLimits;
      expect(limitsOf(a!)).toEqual([{ namespace: ns1, name: 'api', kind: 'requests', per: 'second', limit: 5, host: 'api.example.com' }]);
      const ns2Limits = [
        { namespace: ns2, name: 'all', kind: 'requests', per: 'minute', limit: 60 },
        { namespace: ns2, name: 'llm', kind: 'tokens', per: 'minute', limit: 1000, model: 'gpt' },
      ];
      expect(limitsOf(b!)).toEqual(ns2Limits);
      expect(limitsOf(c!)).toEqual(ns2Limits);
      expect(limitsOf(d!)).toEqual([]);
      expect(byNamespace).toEqual(ns2Limits);
      // A limit set after the lock's statement is the next batch's.
      await store.putRateLimit({ namespace: ns4, name: 'late', kind: 'requests', per: 'second', limit: 2 });
      expect((await store.transaction((tx) => tx.lockRuns([d!])))[0]!.rateLimits).toEqual([{ namespace: ns4, name: 'late', kind: 'requests', per: 'second', limit: 2 }]);
    });

    it('lockRunsUnchanged commits while each run is running as the transaction savedBy left it; any later write, another status, a rate limit or a missing run fails the transaction with RunsChanged', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const [a, b] = await createRuns(store, ns, 2);
      // The transaction that saves the runs tells its id (asked with the statements around it).
      const save = (ids: string[], patch: Partial<RunUpdate> = {}) => store.transaction(async (tx) => {
        await tx.saveRuns(ids.map((id) => update(id, { eventSeq: 1, ...patch })));
        return tx.transactionId();
      });
      const savedBy = await save([a!, b!]);
      expect(savedBy).toMatch(/^\d+$/);
      // Unchanged: the lock's transaction commits what it writes after it.
      const next = await store.transaction(async (tx) => {
        await tx.lockRunsUnchanged([{ id: b!, savedBy }, { id: a!, savedBy }]);
        await tx.saveRuns([update(a!, { eventSeq: 2 })]);
        return tx.transactionId();
      });
      expect((await store.getRun(a!))!).toMatchObject({ status: 'running' });
      expect((await store.transaction((tx) => tx.lockRuns([a!])))[0]!.eventSeq).toBe(2);
      const changed = (attempt: Promise<unknown>) => expect(attempt).rejects.toBeInstanceOf(RunsChanged);
      // `a` was written by `next` since `savedBy`: nothing of the transaction stays.
      await changed(store.transaction(async (tx) => {
        await tx.lockRunsUnchanged([{ id: a!, savedBy }]);
        await tx.saveRuns([update(a!, { eventSeq: 9 })]);
      }));
      expect((await store.transaction((tx) => tx.lockRuns([a!])))[0]!.eventSeq).toBe(2);
      // A row locked (not written) by another transaction since is unchanged.
      await store.transaction((tx) => tx.lockRuns([a!]));
      await store.transaction((tx) => tx.lockRunsUnchanged([{ id: a!, savedBy: next }]));
      // A write that leaves the event seq as it was is a change too.
      const same = await save([a!], { eventSeq: 2, state: { status: 'running', position: '/do/1' } });
      await changed(store.transaction((tx) => tx.lockRunsUnchanged([{ id: a!, savedBy: next }])));
      await store.transaction((tx) => tx.lockRunsUnchanged([{ id: a!, savedBy: same }]));
      // Another status than running.
      const suspended = await save([b!], { status: 'suspended' });
      await changed(store.transaction((tx) => tx.lockRunsUnchanged([{ id: b!, savedBy: suspended }])));
      // A run that is not there (with one that is).
      await changed(store.transaction((tx) => tx.lockRunsUnchanged([{ id: a!, savedBy: same }, { id: newId(), savedBy: same }])));
      // A rate limit declared in the run's namespace.
      await store.putRateLimit({ namespace: ns, name: 'api', kind: 'requests', per: 'second', limit: 5 });
      await changed(store.transaction((tx) => tx.lockRunsUnchanged([{ id: a!, savedBy: same }])));
      await store.deleteRateLimit(ns, 'api');
      await store.transaction((tx) => tx.lockRunsUnchanged([{ id: a!, savedBy: same }]));
      // The connection is usable after the failures.
      expect(await store.transaction((tx) => tx.lockRuns([a!]))).toHaveLength(1);
    });

    it('lockInsertedRuns commits for runs its own transaction inserted; a run inserted before, a missing one or a rate limit in the namespace fails the transaction with RunsChanged', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const template = await definedRun(store, ns);
      const [earlier] = await createRuns(store, ns, 1);
      const inserted = newId();
      await store.transaction(async (tx) => {
        await tx.createRuns([{ ...template, id: inserted }]);
        await tx.lockInsertedRuns([inserted]);
        await tx.saveRuns([update(inserted, { eventSeq: 1 })]);
      });
      expect((await store.getRun(inserted))!.status).toBe('running');
      const changed = (attempt: Promise<unknown>) => expect(attempt).rejects.toBeInstanceOf(RunsChanged);
      const fresh = newId();
      await changed(store.transaction(async (tx) => {
        await tx.createRuns([{ ...template, id: fresh }]);
        await tx.lockInsertedRuns([fresh, earlier!]);
      }));
      expect(await store.getRun(fresh)).toBeUndefined();
      await changed(store.transaction((tx) => tx.lockInsertedRuns([newId()])));
      await store.putRateLimit({ namespace: ns, name: 'api', kind: 'requests', per: 'second', limit: 5 });
      const limited = newId();
      await changed(store.transaction(async (tx) => {
        await tx.createRuns([{ ...template, id: limited }]);
        await tx.lockInsertedRuns([limited]);
      }));
      expect(await store.getRun(limited)).toBeUndefined();
    });

    it('completeOpenAttempts completes open attempts; one already completed fails the transaction with RunsChanged and nothing stays', async () => {
      const store = h.store();
      const [id] = await createRuns(store, uniqueNamespace(), 1);
      const attempt = (effectId: string) => ({ id: `${id}:${effectId}`, runId: id!, effectId, kind: 'http' as const, reference: '/do/0', payload: {} });
      await store.transaction((tx) => tx.insertAttempts([attempt('e1'), attempt('e2'), attempt('e3')]));
      // An outcome with its applied seq sets it with the completion; one without leaves it unset.
      await store.transaction((tx) => tx.completeOpenAttempts([{ id: `${id}:e1`, status: 'completed', result: { ok: 1 }, appliedSeq: 4 }, { id: `${id}:e2`, status: 'failed', error: { type: 'x', status: 500, title: 'X' } }]));
      await expect(store.transaction(async (tx) => {
        await tx.completeOpenAttempts([{ id: `${id}:e3`, status: 'completed', result: { ok: 3 } }, { id: `${id}:e1`, status: 'completed', result: { again: true } }]);
        await tx.saveRuns([update(id!, { eventSeq: 5 })]);
      })).rejects.toBeInstanceOf(RunsChanged);
      const byId = new Map((await store.listAttempts(id!)).map((a) => [a.effectId, a]));
      expect(byId.get('e1')).toMatchObject({ status: 'completed', result: { ok: 1 }, appliedSeq: 4 });
      expect(byId.get('e2')).toMatchObject({ status: 'failed', error: { title: 'X' } });
      expect(byId.get('e2')).not.toHaveProperty('appliedSeq');
      expect(byId.get('e3')).toMatchObject({ status: 'scheduled' });
      expect((await store.transaction((tx) => tx.lockRuns([id!])))[0]!.eventSeq).toBe(0);
      // An attempt that is not there is not open either.
      await expect(store.transaction((tx) => tx.completeOpenAttempts([{ id: `${id}:nope`, status: 'completed', result: 1 }]))).rejects.toBeInstanceOf(RunsChanged);
    });

    it("a run update's updatedAt is what its save stamps; without it, the transaction's time", async () => {
      const store = h.store();
      const [a, b] = await createRuns(store, uniqueNamespace(), 2);
      const [lockedAt] = await store.transaction(async (tx) => {
        const [locked] = await tx.lockRuns([b!]);
        await tx.saveTransitions({ updates: [update(a!, { eventSeq: 1, updatedAt: '2026-03-04T05:06:07.089Z' }), update(b!, { eventSeq: 1 })], events: [], attempts: [], applied: [] });
        return [locked!.lockedAt];
      });
      expect((await store.getRun(a!))!.updatedAt).toBe('2026-03-04T05:06:07.089Z');
      expect((await store.getRun(b!))!.updatedAt).toBe(lockedAt);
    });

    it('a write that fails rolls its transaction back: the next statement and the commit throw its error, nothing before or after it stays', async () => {
      const store = h.store();
      const [id] = await createRuns(store, uniqueNamespace(), 1);
      const attempt = { id: `${id}:e1`, runId: id!, effectId: 'e1', kind: 'http' as const, reference: '/do/0', payload: {} };
      await store.transaction((tx) => tx.insertAttempts([attempt]));
      const duplicate = (error: unknown) => /duplicate key|unique/i.test((error as Error).message);
      // The failing write is followed by a statement whose rows are read: that one reports the write's error.
      const read = store.transaction(async (tx) => {
        await tx.saveRuns([update(id!, { eventSeq: 7 })]);
        await tx.insertAttempts([attempt]);
        await tx.lockRuns([id!]);
      });
      await expect(read).rejects.toSatisfy(duplicate);
      // The failing write is the last statement: the commit reports it.
      const last = store.transaction(async (tx) => {
        await tx.saveRuns([update(id!, { eventSeq: 8 })]);
        await tx.insertAttempts([attempt]);
      });
      await expect(last).rejects.toSatisfy(duplicate);
      const [locked] = await store.transaction((tx) => tx.lockRuns([id!]));
      expect(locked).toMatchObject({ status: 'pending', eventSeq: 0 });
      expect((await store.listAttempts(id!)).map((a) => a.id)).toEqual([attempt.id]);
      // The connection is usable again: a transaction after the failures commits.
      await store.transaction((tx) => tx.saveRuns([update(id!, { eventSeq: 9 })]));
      expect((await store.transaction((tx) => tx.lockRuns([id!])))[0]).toMatchObject({ status: 'running', eventSeq: 9 });
    });

    it('lockRuns hands a run without a state what its start decides on (input, trigger), and a started run nothing of it', async () => {
      const store = h.store();
      const template = await definedRun(store, uniqueNamespace());
      const { run: triggered } = await store.createRun({ ...template, id: newId(), input: { a: [1, null] }, trigger: { kind: 'api', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
      const { run: nulled } = await store.createRun({ ...template, id: newId(), input: null });
      const { run: started } = await store.createRun({ ...template, id: newId() });
      await store.transaction((tx) => tx.saveRuns([update(started.id)]));
      const locked = await store.transaction((tx) => tx.lockRuns([triggered.id, nulled.id, started.id]));
      const byId = new Map(locked.map((run) => [run.id, run]));
      expect(byId.get(triggered.id)?.start).toEqual({ input: { a: [1, null] }, trigger: { kind: 'api', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
      expect(byId.get(nulled.id)?.start).toEqual({ input: null });
      expect(byId.get(started.id)).not.toHaveProperty('start');
    });

    it('a second transaction locking the same run waits for the first to commit', async () => {
      const store = h.store();
      const [id] = await createRuns(store, uniqueNamespace(), 1);
      const order: string[] = [];
      let locked!: () => void;
      const firstLocked = new Promise<void>((resolve) => (locked = resolve));
      const first = store.transaction(async (tx) => {
        await tx.lockRuns([id!]);
        locked();
        await sleep(150);
        await tx.saveRuns([update(id!, { eventSeq: 5 })]);
        order.push('first done');
      });
      await firstLocked;
      const second = store.transaction(async (tx) => {
        const [run] = await tx.lockRuns([id!]);
        order.push('second locked');
        return run;
      });
      const [, seen] = await Promise.all([first, second]);
      expect(order).toEqual(['first done', 'second locked']);
      expect(seen?.eventSeq).toBe(5);
    });

    it('refuses store calls from inside a transaction instead of hanging or reading around it', async () => {
      const store = h.store();
      const [id] = await createRuns(store, uniqueNamespace(), 1);
      await expect(store.transaction(async () => store.getRun(id!))).rejects.toBeInstanceOf(StoreReentryError);
      await expect(store.transaction(async () => store.transaction(async () => 1))).rejects.toBeInstanceOf(StoreReentryError);
      expect((await store.getRun(id!))?.id).toBe(id);
    });

    it('rolls everything back when the function throws', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const [runId] = await createRuns(store, ns, 1);
      const child = await definedRun(store, ns);
      const failure = new Error('decision failed');
      await expect(
        store.transaction(async (tx) => {
          await tx.lockRuns([runId!]);
          await tx.saveRuns([update(runId!, { eventSeq: 1 })]);
          await tx.appendEvents([eventFixture(runId!, 1)]);
          await tx.insertAttempts([{ id: `${runId}:e1`, runId: runId!, effectId: 'e1', kind: 'agent', reference: '/do/0', payload: {} }]);
          await tx.insertTimers([{ id: `${runId}:t`, runId: runId!, timerId: 't', fireAt: 5 }]);
          await tx.insertListens([{ id: `${runId}:l`, runId: runId!, listenId: 'l', filters: [] }]);
          await tx.createRuns([child]);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect((await store.getRun(runId!))?.status).toBe('pending');
      expect(await store.listEvents(runId!, 0, 10)).toEqual([]);
      expect(await store.listAttempts(runId!)).toEqual([]);
      expect((await store.transaction((tx) => tx.takeDueTimers(5, 1000))).filter((t) => t.runId === runId)).toEqual([]);
      expect((await store.listensForType('any')).filter((l) => l.runId === runId)).toEqual([]);
      expect(await store.getRun(child.id)).toBeUndefined();
    });
  });
}
