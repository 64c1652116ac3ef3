// Conformance: the RunnerTx's writes — run states, the event log, attempts, timers, child runs —
// and how they keep what they are given (runner.ts: its locks and checks).
import { describe, expect, it } from 'vitest';
import { RunsChanged } from '@baton/core';
import { createRuns, definedRun, eventFixture, newId, runUpdate as update, uniqueNamespace } from './harness.ts';
import type { StoreHarness } from './harness.ts';

export function runnerWritesConformance(h: StoreHarness): void {
  describe('RunnerTx', () => {
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
  });
}
