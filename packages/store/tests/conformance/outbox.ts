// Conformance: the outbox (runner rows deleted once applied, relay rows deleted once relayed,
// sweeper claims with backoff), keyed events, releasing a run, transport epochs.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NewOutboxRow, RunnerMessage } from '@baton/core';
import { createRuns, eventFixture, uniqueNamespace } from './harness.ts';
import type { StoreHarness } from './harness.ts';

const HOUR = 3_600_000;

function runnerRow(runId: string, relayAfterMs: number, body: RunnerMessage = { type: 'start', runId }): NewOutboxRow {
  return { id: randomUUID(), kind: 'runner', runId, body, relayAfterMs };
}

export function outboxConformance(h: StoreHarness): void {
  describe('outbox', () => {
    it('claims due rows once, moving them forward with backoff; takeOutbox deletes applied rows once', async () => {
      const store = h.store();
      const [runId] = await createRuns(store, uniqueNamespace(), 1);
      const due = runnerRow(runId!, 0, { type: 'cancel', runId: runId!, reason: 'why' });
      const later = runnerRow(runId!, HOUR);
      const relay: NewOutboxRow = { id: randomUUID(), kind: 'relay', body: { tasks: [`${runId}:e1`], events: [[runId!, 1, 3]] }, relayAfterMs: 0 };
      await store.transaction((tx) => tx.insertOutbox([due, later, relay]));
      const mine = <T extends { id: string }>(rows: T[]) => rows.filter((r) => [due.id, later.id, relay.id].includes(r.id));

      const [a, b] = await Promise.all([store.claimOutbox(1000), store.claimOutbox(1000)]);
      const claimed = mine([...a, ...b]);
      expect(claimed.map((r) => r.id).sort()).toEqual([due.id, relay.id].sort());
      expect(claimed.find((r) => r.id === due.id)).toEqual({ id: due.id, kind: 'runner', runId, body: { type: 'cancel', runId, reason: 'why' }, relays: 1 });
      expect(claimed.find((r) => r.id === relay.id)).toEqual({ id: relay.id, kind: 'relay', body: relay.body, relays: 1 });
      // Claimed rows are due again only after the backoff.
      expect(mine(await store.claimOutbox(1000))).toEqual([]);

      // A new epoch makes every row due now.
      expect(await store.makeOutboxDue()).toBeGreaterThanOrEqual(3);
      const again = mine(await store.claimOutbox(1000));
      expect(again.map((r) => r.id).sort()).toEqual([due.id, later.id, relay.id].sort());
      expect(again.find((r) => r.id === due.id)?.relays).toBe(2);

      expect((await store.transaction((tx) => tx.takeOutbox([due.id, 'missing']))).sort()).toEqual([due.id]);
      expect(await store.transaction((tx) => tx.takeOutbox([due.id]))).toEqual([]);
      await store.deleteOutbox([relay.id, later.id]);
      await store.makeOutboxDue();
      expect(mine(await store.claimOutbox(1000))).toEqual([]);
    });

    it('rows written in a transaction that rolls back do not exist', async () => {
      const store = h.store();
      const [runId] = await createRuns(store, uniqueNamespace(), 1);
      const row = runnerRow(runId!, 0);
      await expect(store.transaction(async (tx) => {
        await tx.insertOutbox([row]);
        throw new Error('rollback');
      })).rejects.toThrow('rollback');
      expect(await store.transaction((tx) => tx.takeOutbox([row.id]))).toEqual([]);
    });

    it('keyed events: existingEventKeys finds logged keys; a key is unique within its run', async () => {
      const store = h.store();
      const [runA, runB] = await createRuns(store, uniqueNamespace(), 2);
      await store.transaction((tx) => tx.appendEvents([{ ...eventFixture(runA!, 1), key: 'k1' }, eventFixture(runA!, 2), { ...eventFixture(runB!, 1), key: 'k2' }]));
      const keys = await store.transaction((tx) => tx.existingEventKeys([runA!, runB!], ['k1', 'k2', 'k3']));
      expect([...keys].sort()).toEqual([`${runA} k1`, `${runB} k2`].sort());
      expect(await store.transaction((tx) => tx.existingEventKeys([runB!], ['k1']))).toEqual(new Set());
      await expect(store.transaction((tx) => tx.appendEvents([{ ...eventFixture(runA!, 3), key: 'k1' }]))).rejects.toThrow();
      await store.transaction((tx) => tx.appendEvents([{ ...eventFixture(runB!, 2), key: 'k1' }]));
    });

    it('eventsInRanges returns the ranges with their run names; scheduledTaskPayloads only scheduled attempts', async () => {
      const store = h.store();
      const namespace = uniqueNamespace();
      const [runA, runB] = await createRuns(store, namespace, 2);
      await store.transaction((tx) => tx.appendEvents([1, 2, 3].map((seq) => eventFixture(runA!, seq)).concat([eventFixture(runB!, 1)])));
      const events = await store.eventsInRanges([[runA!, 2, 3], [runB!, 1, 1]]);
      expect(events.map((e) => [e.runId, e.seq])).toEqual([[runA, 2], [runA, 3], [runB, 1]].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
      expect(events[0]).toMatchObject({ namespace, name: 'greet', version: '1.0.0', type: 'io.serverlessworkflow.task.started.v1' });

      const attempt = (effectId: string) => ({ id: `${runA}:${effectId}`, runId: runA!, effectId, kind: 'http' as const, reference: '/do/0', payload: { attemptId: `${runA}:${effectId}` } });
      await store.transaction((tx) => tx.insertAttempts([attempt('e1'), attempt('e2')]));
      await store.transaction((tx) => tx.completeAttempts([{ id: `${runA}:e2`, status: 'completed', result: null }]));
      expect(await store.scheduledTaskPayloads([`${runA}:e1`, `${runA}:e2`, 'nope'])).toEqual([{ id: `${runA}:e1`, kind: 'http', payload: { attemptId: `${runA}:e1` } }]);
    });

    it('releaseRuns deletes timers and listens and cancels scheduled attempts and approvals of the runs only', async () => {
      const store = h.store();
      const [runId, other] = await createRuns(store, uniqueNamespace(), 2);
      for (const id of [runId!, other!]) {
        await store.transaction(async (tx) => {
          await tx.insertAttempts([
            { id: `${id}:e1`, runId: id, effectId: 'e1', kind: 'http', reference: '/do/0', payload: {} },
            { id: `${id}:e2`, runId: id, effectId: 'e2', kind: 'workflow', reference: '/do/1', payload: {} },
            { id: `${id}:e3`, runId: id, effectId: 'e3', kind: 'http', reference: '/do/2', payload: {} },
          ]);
          await tx.completeAttempts([{ id: `${id}:e3`, status: 'completed', result: 1 }]);
          await tx.insertTimers([{ id: `${id}:t`, runId: id, timerId: 't', fireAt: 1 }]);
          await tx.insertListens([{ id: `${id}:l`, runId: id, listenId: 'l', filters: [{ with: { type: `t.${id}` } }] }]);
        });
      }
      const released = await store.transaction((tx) => tx.releaseRuns([runId!]));
      expect(released.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: `${runId}:e1`, runId, effectId: 'e1', kind: 'http', held: false },
        { id: `${runId}:e2`, runId, effectId: 'e2', kind: 'workflow', held: false },
      ]);
      const status = async (id: string) => (await store.listAttempts(id)).map((a) => a.status);
      expect(await status(runId!)).toEqual(['cancelled', 'cancelled', 'completed']);
      expect(await status(other!)).toEqual(['scheduled', 'scheduled', 'completed']);
      expect(await store.listensForType(`t.${runId}`)).toEqual([]);
      expect(await store.listensForType(`t.${other}`)).toHaveLength(1);
      const timers = await store.transaction((tx) => tx.takeDueTimers(1, 1000));
      expect(timers.filter((t) => t.runId === runId)).toEqual([]);
      expect(timers.filter((t) => t.runId === other)).toHaveLength(1);
    });

    it('listensForType with a namespace keeps the listens of runs in it', async () => {
      const store = h.store();
      const [inA] = await createRuns(store, uniqueNamespace('a'), 1);
      const nsB = uniqueNamespace('b');
      const [inB] = await createRuns(store, nsB, 1);
      const type = `com.example.${randomUUID()}`;
      await store.transaction((tx) => tx.insertListens([inA!, inB!].map((id) => ({ id: `${id}:l`, runId: id, listenId: 'l', filters: [{ with: { type } }] }))));
      expect((await store.listensForType(type)).map((l) => l.runId).sort()).toEqual([inA, inB].sort());
      expect((await store.listensForType(type, nsB)).map((l) => l.runId)).toEqual([inB]);
      expect(await store.transaction((tx) => tx.listensForType(type, 'nobody'))).toEqual([]);
    });

    it('noteEpoch: the epoch is seen (its since) but not claimed; makeOutboxDue(before) makes only older rows due', async () => {
      const store = h.store();
      const [runId] = await createRuns(store, uniqueNamespace(), 1);
      const older = runnerRow(runId!, HOUR);
      await store.transaction((tx) => tx.insertOutbox([older]));
      await new Promise((resolve) => setTimeout(resolve, 5)); // created_at is in milliseconds
      const epoch = `test:${randomUUID()}`;
      await store.noteEpoch(epoch);
      const [row] = await store.db.query<{ created_at: Date }>('SELECT created_at FROM bus_epochs WHERE epoch = $1', [epoch]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const newer = runnerRow(runId!, HOUR);
      await store.transaction((tx) => tx.insertOutbox([newer]));
      await store.noteEpoch(epoch); // seen again: nothing changes
      // The first runner claims it at once, with the note's time as since.
      const claim = await store.claimEpoch(epoch, 'runner-a', HOUR);
      expect(claim).toEqual({ claim: 'claimed', since: row!.created_at.toISOString() });
      expect((await store.claimEpoch(epoch, 'runner-b', HOUR)).claim).toBe('busy');
      await store.noteEpoch(epoch); // a note does not take a claim over
      expect((await store.claimEpoch(epoch, 'runner-b', HOUR)).claim).toBe('busy');
      expect(await store.makeOutboxDue(claim.since)).toBeGreaterThanOrEqual(1);
      const due = (await store.claimOutbox(1000)).map((r) => r.id);
      expect(due).toContain(older.id);
      expect(due).not.toContain(newer.id);
      await store.markEpochRepaired(epoch);
      await store.noteEpoch(epoch);
      expect((await store.claimEpoch(epoch, 'runner-b', HOUR)).claim).toBe('done');
      await store.deleteOutbox([older.id, newer.id]);
      await store.db.query('DELETE FROM bus_epochs WHERE epoch = $1', [epoch]); // leave no history for retention's own tests
    });

    it('claimEpoch: one claimant repairs an epoch; busy while its lease runs, done once repaired', async () => {
      const store = h.store();
      const epoch = `test:${randomUUID()}`;
      expect((await store.claimEpoch(epoch, 'runner-a', HOUR)).claim).toBe('claimed');
      expect((await store.claimEpoch(epoch, 'runner-b', HOUR)).claim).toBe('busy');
      expect((await store.claimEpoch(epoch, 'runner-a', HOUR)).claim).toBe('claimed');
      await store.markEpochRepaired(epoch);
      expect((await store.claimEpoch(epoch, 'runner-b', HOUR)).claim).toBe('done');
      // Retention keeps the newest epoch (a runner started later would repair it again) and drops older ones.
      const newest = `test:${randomUUID()}`;
      expect((await store.claimEpoch(newest, 'runner-a', HOUR)).claim).toBe('claimed');
      await store.markEpochRepaired(newest);
      // Both repaired long ago (an era no run of any test is in), the newest last.
      await store.db.query(`UPDATE bus_epochs SET repaired_at = '2001-01-02', created_at = CASE WHEN epoch = $2 THEN timestamptz '2001-01-02' ELSE '2001-01-01' END WHERE epoch IN ($1, $2)`, [epoch, newest]);
      const { rows } = await store.deleteExpiredRuns(new Date('2001-06-01'), 1);
      expect(rows.bus_epochs).toBe(1);
      expect((await store.claimEpoch(epoch, 'runner-b', HOUR)).claim).toBe('claimed');
      expect((await store.claimEpoch(newest, 'runner-b', HOUR)).claim).toBe('done');
      await store.db.query('DELETE FROM bus_epochs WHERE epoch = $1', [newest]); // leave no history for retention's own tests
      const expiring = `test:${randomUUID()}`;
      expect((await store.claimEpoch(expiring, 'runner-a', 1)).claim).toBe('claimed');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await store.claimEpoch(expiring, 'runner-b', HOUR)).claim).toBe('claimed');
    });
  });
}
