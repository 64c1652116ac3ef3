// Conformance: the RunnerTx — one runner batch in one transaction.
import { describe, expect, it } from 'vitest';
import { RunsChanged, type RunEventRecord, type RunState, type RunUpdate } from '@baton/core';
import { StoreReentryError } from '../../src/index.ts';
import { createRuns, definedRun, newId, uniqueNamespace } from './harness.ts';
import type { StoreHarness } from './harness.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function eventFixture(runId: string, seq: number, data: unknown = { seq }): RunEventRecord {
  return { runId, seq, id: `${runId}.${seq}`, type: 'io.serverlessworkflow.task.started.v1', time: new Date(1_700_000_000_000 + seq).toISOString(), data };
}

function update(id: string, patch: Partial<RunUpdate> = {}): RunUpdate {
  const state: RunState = { status: 'running', position: '/do/0', vars: { a: [1, 'two', null] } };
  return { id, status: 'running', state, eventSeq: 0, ...patch };
}

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

    it('saveRuns sets status, state, output, error, timestamps and adds usage numbers', async () => {
      const store = h.store();
      const [a, b] = await createRuns(store, uniqueNamespace(), 2);
      const started = '2026-01-02T03:04:05.678Z';
      await store.transaction((tx) =>
        tx.saveRuns([update(a!, { startedAt: started, eventSeq: 2, usage: { tokens: 10, cost: 0.5 } }), update(b!, { startedAt: started })]),
      );
      const running = await store.getRun(a!);
      expect(running).toMatchObject({ status: 'running', startedAt: started, usage: { tokens: 10, cost: 0.5 } });
      expect(running).not.toHaveProperty('endedAt');
      const ended = '2026-01-02T03:05:00.000Z';
      const error = { type: 'https://serverlessworkflow.io/spec/1.0.0/errors/runtime', status: 500, detail: 'boom' };
      await store.transaction(async (tx) => {
        const [locked] = await tx.lockRuns([a!]);
        expect(locked?.state).toEqual(update(a!).state);
        expect(locked?.eventSeq).toBe(2);
        await tx.saveRuns([
          update(a!, { status: 'completed', output: { answer: 42 }, endedAt: ended, startedAt: '2030-01-01T00:00:00.000Z', eventSeq: 4, usage: { tokens: 5, calls: 1 } }),
          update(b!, { status: 'faulted', error, endedAt: ended }),
        ]);
      });
      const done = await store.getRun(a!);
      expect(done).toMatchObject({ status: 'completed', output: { answer: 42 }, startedAt: started, endedAt: ended });
      expect(done?.usage).toEqual({ tokens: 15, cost: 0.5, calls: 1 });
      expect(done!.updatedAt >= done!.createdAt).toBe(true);
      const faulted = await store.getRun(b!);
      expect(faulted).toMatchObject({ status: 'faulted', error });
      expect(faulted).not.toHaveProperty('output');
      expect(faulted).not.toHaveProperty('usage');
    });

    it('saveRuns collapses two updates of one run in a batch (last wins, usage adds up)', async () => {
      const store = h.store();
      const [id] = await createRuns(store, uniqueNamespace(), 1);
      await store.transaction((tx) =>
        tx.saveRuns([update(id!, { eventSeq: 1, usage: { tokens: 1 } }), update(id!, { status: 'waiting', eventSeq: 3, usage: { tokens: 2 } })]),
      );
      const [locked] = await store.transaction((tx) => tx.lockRuns([id!]));
      expect(locked).toMatchObject({ status: 'waiting', eventSeq: 3 });
      expect((await store.getRun(id!))?.usage).toEqual({ tokens: 3 });
    });

    it('setEventSeqs moves only event_seq, never backwards', async () => {
      const store = h.store();
      const [a, b] = await createRuns(store, uniqueNamespace(), 2);
      await store.transaction((tx) => tx.saveRuns([update(a!, { eventSeq: 4 })]));
      await store.transaction((tx) => tx.setEventSeqs([{ id: a!, eventSeq: 6 }, { id: b!, eventSeq: 2 }, { id: newId(), eventSeq: 1 }]));
      await store.transaction((tx) => tx.setEventSeqs([{ id: a!, eventSeq: 5 }]));
      const locked = await store.transaction((tx) => tx.lockRuns([a!, b!]));
      const byId = new Map(locked.map((r) => [r.id, r]));
      expect(byId.get(a!)).toMatchObject({ eventSeq: 6, status: 'running', state: update(a!).state });
      expect(byId.get(b!)).toMatchObject({ eventSeq: 2, status: 'pending' });
      expect(byId.get(b!)).not.toHaveProperty('state');
    });

    it('clearRunStates clears the state of runs that ended, and of no live run; an update without a state keeps it', async () => {
      const store = h.store();
      const [ended, live] = await createRuns(store, uniqueNamespace(), 2);
      await store.transaction((tx) => tx.saveRuns([update(ended!, { eventSeq: 1 }), update(live!, { eventSeq: 1 })]));
      const error = { type: 'https://serverlessworkflow.io/spec/1.0.0/errors/runtime', status: 500, title: 'Run could not be advanced' };
      await store.transaction(async (tx) => {
        await tx.saveRuns([{ id: ended!, status: 'faulted', eventSeq: 2, error, endedAt: new Date().toISOString() }]);
        await tx.clearRunStates([ended!, live!, newId()]);
      });
      await store.transaction((tx) => tx.clearRunStates([]));
      const byId = new Map((await store.transaction((tx) => tx.lockRuns([ended!, live!]))).map((r) => [r.id, r]));
      expect(byId.get(ended!)).toMatchObject({ status: 'faulted', eventSeq: 2 });
      expect(byId.get(ended!)).not.toHaveProperty('state');
      expect(byId.get(live!)).toMatchObject({ status: 'running', state: update(live!).state });
      expect(await store.getRun(ended!)).toMatchObject({ status: 'faulted', error, endedAt: expect.any(String) });
    });

    it("appendEvents writes the log; listEvents reads after a seq; a taken seq, or an id that is not the run's and the seq's, is rejected", async () => {
      const store = h.store();
      const [id] = await createRuns(store, uniqueNamespace(), 1);
      const events = [1, 2, 3, 4].map((seq) => eventFixture(id!, seq));
      events[2]!.data = null;
      events[3]!.data = 'text';
      await store.transaction((tx) => tx.appendEvents(events));
      expect(await store.listEvents(id!, 0, 100)).toEqual(events);
      expect((await store.listEvents(id!, 1, 2)).map((e) => e.seq)).toEqual([2, 3]);
      expect(await store.listEvents(id!, 4, 10)).toEqual([]);
      await expect(store.transaction((tx) => tx.appendEvents([eventFixture(id!, 2)]))).rejects.toThrow();
      // The id is `<run>.<seq>` (migrations 0014 and 0015): unique with the primary key.
      await expect(store.transaction((tx) => tx.appendEvents([{ ...eventFixture(id!, 5), id: `${id}.6` }]))).rejects.toThrow(`event id '${id}.6' is not its run's id and seq ('${id}.5')`);
      expect(await store.listEvents(id!, 0, 100)).toHaveLength(4);
    });

    it('saveTransitions writes states, events, new attempts and applied seqs in one call, each part as its own statement would', async () => {
      const store = h.store();
      const [a, b] = await createRuns(store, uniqueNamespace(), 2);
      const attempt = (runId: string, effectId: string, held = false) => ({ id: `${runId}:${effectId}`, runId, effectId, kind: 'http' as const, reference: '/do/0', payload: { effectId }, ...(held && { held: true }) });
      await store.transaction((tx) => tx.insertAttempts([attempt(a!, 'e1')]));
      await store.transaction((tx) => tx.completeAttempts([{ id: `${a}:e1`, status: 'completed', result: { ok: 1 } }]));
      const events = [eventFixture(a!, 1), { ...eventFixture(a!, 2, null), key: 'k-1' }, eventFixture(b!, 1, 'text')];
      await store.transaction((tx) =>
        tx.saveTransitions({
          updates: [update(a!, { eventSeq: 2, output: { done: true } }), update(b!, { eventSeq: 1 })],
          events,
          attempts: [attempt(a!, 'e2'), attempt(b!, 'e3', true)],
          applied: [{ id: `${a}:e1`, seq: 0 }],
        }),
      );
      const locked = await store.transaction((tx) => tx.lockRuns([a!, b!]));
      expect(locked.map((r) => [r.status, r.eventSeq])).toEqual([...[a!, b!]].sort().map((id) => (id === a ? ['running', 2] : ['running', 1])));
      expect((await store.getRun(a!))?.output).toEqual({ done: true });
      expect(await store.listEvents(a!, 0, 10)).toEqual(events.slice(0, 2).map(({ key: _key, ...e }) => e));
      expect(await store.listEvents(b!, 0, 10)).toEqual([events[2]]);
      expect(await store.transaction((tx) => tx.existingEventKeys([a!], ['k-1']))).toEqual(new Set([`${a} k-1`]));
      const attempts = [...(await store.listAttempts(a!)), ...(await store.listAttempts(b!))];
      expect(attempts.map((x) => [x.effectId, x.status, x.appliedSeq])).toEqual([
        ['e1', 'completed', 0],
        ['e2', 'scheduled', undefined],
        ['e3', 'held', undefined],
      ]);
      // Empty parts write nothing; a taken seq fails the statement and its transaction.
      await store.transaction((tx) => tx.saveTransitions({ updates: [], events: [], attempts: [], applied: [] }));
      await expect(store.transaction((tx) => tx.saveTransitions({ updates: [update(b!, { eventSeq: 5 })], events: [eventFixture(a!, 2)], attempts: [], applied: [] }))).rejects.toThrow();
      expect((await store.transaction((tx) => tx.lockRuns([b!])))[0]?.eventSeq).toBe(1);
      // An event whose id is not its run's id and seq is refused before anything is written.
      await expect(store.transaction((tx) => tx.saveTransitions({ updates: [update(b!, { eventSeq: 2 })], events: [{ ...eventFixture(b!, 2), id: `${b}.3` }], attempts: [], applied: [] }))).rejects.toThrow(
        `event id '${b}.3' is not its run's id and seq ('${b}.2')`,
      );
      expect((await store.transaction((tx) => tx.lockRuns([b!])))[0]?.eventSeq).toBe(1);
      expect(await store.listEvents(b!, 0, 10)).toEqual([events[2]]);
    });

    it('transactionId after saveTransitions is the id its statement answered: the one lockRunsUnchanged checks the saved rows against', async () => {
      const store = h.store();
      const [a] = await createRuns(store, uniqueNamespace(), 1);
      // Asked after the save, as the engine's batches ask it.
      const savedBy = await store.transaction(async (tx) => {
        await tx.saveTransitions({ updates: [update(a!, { eventSeq: 1 })], events: [eventFixture(a!, 1)], attempts: [], applied: [] });
        return tx.transactionId();
      });
      expect(savedBy).toMatch(/^\d+$/);
      // Nothing written: a statement of its own answers, another transaction's id.
      const other = await store.transaction(async (tx) => {
        await tx.saveTransitions({ updates: [], events: [], attempts: [], applied: [] });
        return tx.transactionId();
      });
      expect(other).toMatch(/^\d+$/);
      expect(other).not.toBe(savedBy);
      // The run is as the saving transaction left it, and not as the other one did.
      await store.transaction((tx) => tx.lockRunsUnchanged([{ id: a!, savedBy }]));
      await expect(store.transaction((tx) => tx.lockRunsUnchanged([{ id: a!, savedBy: other }]))).rejects.toBeInstanceOf(RunsChanged);
    });

    it('completeAttempts applies an outcome once; cancelAttempts only cancels scheduled attempts', async () => {
      const store = h.store();
      const [runId] = await createRuns(store, uniqueNamespace(), 1);
      const attempt = (effectId: string) => ({ id: `${runId}:${effectId}`, runId: runId!, effectId, kind: 'http' as const, reference: '/do/0/get', payload: { url: 'http://x', n: effectId } });
      await store.transaction((tx) => tx.insertAttempts([attempt('e1'), attempt('e2'), attempt('e3')]));
      const e1 = `${runId}:e1`;
      const e2 = `${runId}:e2`;
      const e3 = `${runId}:e3`;
      const error = { type: 'https://serverlessworkflow.io/spec/1.0.0/errors/communication', status: 503 };
      const first = await store.transaction((tx) =>
        tx.completeAttempts([{ id: e1, status: 'completed', result: { body: 'ok' } }, { id: e2, status: 'failed', error }, { id: 'nope', status: 'completed' }]),
      );
      expect(first.sort()).toEqual([e1, e2].sort());
      expect(await store.transaction((tx) => tx.completeAttempts([{ id: e1, status: 'failed', error }]))).toEqual([]);
      expect(await store.transaction((tx) => tx.cancelAttempts([e1, e3]))).toEqual([{ id: e3, kind: 'http', held: false }]);
      expect(await store.transaction((tx) => tx.cancelAttempts([e3]))).toEqual([]);
      const byId = new Map((await store.listAttempts(runId!)).map((a) => [a.id, a]));
      expect(byId.get(e1)).toMatchObject({ status: 'completed', result: { body: 'ok' }, payload: { url: 'http://x', n: 'e1' }, kind: 'http' });
      expect(byId.get(e1)).not.toHaveProperty('error');
      expect(byId.get(e1)?.finishedAt).toEqual(expect.any(String));
      expect(byId.get(e2)).toMatchObject({ status: 'failed', error });
      expect(byId.get(e3)?.status).toBe('cancelled');
    });

    it('takeTimers returns the timers that existed, once', async () => {
      const store = h.store();
      const [runId] = await createRuns(store, uniqueNamespace(), 1);
      const timers = ['t1', 't2'].map((timerId) => ({ id: `${runId}:${timerId}`, runId: runId!, timerId, fireAt: Date.now() + 60_000 }));
      await store.transaction((tx) => tx.insertTimers(timers));
      const ids = timers.map((t) => t.id);
      const [a, b] = await Promise.all([
        store.transaction((tx) => tx.takeTimers([ids[0]!, 'missing'])),
        store.transaction((tx) => tx.takeTimers([ids[0]!])),
      ]);
      expect([...a, ...b]).toEqual([ids[0]]);
      await store.transaction((tx) => tx.deleteTimers([ids[1]!]));
      expect(await store.transaction((tx) => tx.takeTimers(ids))).toEqual([]);
    });

    it('createRuns inserts child runs', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const [parent] = await createRuns(store, ns, 1);
      const child = await definedRun(store, ns, { parentRunId: parent!, parentEffectId: 'e7', input: ['child'] });
      await store.transaction((tx) => tx.createRuns([child]));
      expect(await store.getRun(child.id)).toMatchObject({ status: 'pending', parentRunId: parent, parentEffectId: 'e7', input: ['child'] });
    });

    it('keeps JSON documents exactly: object key order and NUL characters', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const doc = { zeta: 1, alpha: { yy: true, b: null }, mid: 'nul\u0000inside', list: [{ z: 1, a: 2 }] };
      const keys = (value: unknown) => JSON.stringify(value);
      const { run } = await store.createRun(await definedRun(store, ns, { input: doc }));
      expect(keys((await store.getRun(run.id))?.input)).toBe(keys(doc));
      const attemptId = `${run.id}:e1`;
      await store.transaction(async (tx) => {
        await tx.insertAttempts([{ id: attemptId, runId: run.id, effectId: 'e1', kind: 'http', reference: '/do/0', payload: doc }]);
        await tx.saveRuns([update(run.id, { state: { status: 'running', ...doc }, output: doc, eventSeq: 1 })]);
        await tx.appendEvents([eventFixture(run.id, 1, doc)]);
      });
      await store.transaction((tx) => tx.completeAttempts([{ id: attemptId, status: 'completed', result: doc }]));
      const [locked] = await store.transaction((tx) => tx.lockRuns([run.id]));
      expect(keys(locked?.state)).toBe(keys({ status: 'running', ...doc }));
      expect(keys((await store.getRun(run.id))?.output)).toBe(keys(doc));
      expect(keys((await store.listEvents(run.id, 0, 1))[0]?.data)).toBe(keys(doc));
      const [attempt] = await store.listAttempts(run.id);
      expect(keys(attempt?.payload)).toBe(keys(doc));
      expect(keys(attempt?.result)).toBe(keys(doc));
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
