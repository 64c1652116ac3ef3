// Conformance: retention (deleteExpiredRuns) — terminal runs that ended before the cutoff go with
// every row they own; live runs, recent runs, and runs tied to a live parent or child stay; at most
// `limit` runs per call. A deletion is global, so each test lives in an era of its own, years
// before any other test's runs were created, and later tests use earlier eras: no test's cutoff
// reaches another test's runs.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NewRun, RunStatus, Store } from '@baton/core';
import type { SqlStore } from '../../src/index.ts';
import { definedRun, eventFixture, newId, uniqueNamespace } from './harness.ts';
import type { StoreHarness } from './harness.ts';

const HOUR = 3_600_000;

/** A test's time line: runs created in January, `ended` in February, `recent` after the July cutoff. */
function era(year: number) {
  return { created: `${year}-01-01T00:00:00.000Z`, ended: `${year}-02-01T00:00:00.000Z`, recent: `${year}-12-01T00:00:00.000Z`, cutoff: new Date(`${year}-07-01T00:00:00.000Z`) };
}

/** A run created at `created`, in `status`; terminal ones ended at `endedAt`. */
async function runIn(store: SqlStore, template: NewRun, created: string, status: RunStatus, endedAt?: string, overrides: Partial<NewRun> = {}): Promise<string> {
  const { run } = await store.createRun({ ...template, id: newId(), ...overrides });
  // created_at is the database's clock; a run of another year needs it set by hand.
  await store.db.query('UPDATE runs SET created_at = $2::timestamptz WHERE id = $1', [run.id, created]);
  if (status !== 'pending') {
    await store.transaction((tx) => tx.saveRuns([{ id: run.id, status, state: { status }, eventSeq: 0, startedAt: created, ...(endedAt ? { endedAt } : {}) }]));
  }
  return run.id;
}

/** Two of everything a run can own. */
async function furnish(store: Store, runId: string, namespace: string): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.appendEvents([eventFixture(runId, 1), eventFixture(runId, 2)]);
    await tx.insertAttempts(['e1', 'e2'].map((effectId) => ({ id: `${runId}:${effectId}`, runId, effectId, kind: 'approval' as const, reference: `/do/${effectId}`, payload: {} })));
    await tx.insertTimers(['t1', 't2'].map((timerId) => ({ id: `${runId}:${timerId}`, runId, timerId, fireAt: Date.now() + HOUR })));
    await tx.insertListens(['l1', 'l2'].map((listenId) => ({ id: `${runId}:${listenId}`, runId, listenId, filters: [{ with: { type: 'x' } }] })));
    await tx.insertApprovals(['e1', 'e2'].map((effectId) => ({
      id: `${runId}:${effectId}`, runId, attemptId: `${runId}:${effectId}`, namespace, workflowName: 'flow', taskName: 'review', reference: `/do/${effectId}`,
      spec: { title: 'Ship?', levels: [{ approvers: ['alice', 'bob'], quorum: 2 }], onTimeout: 'reject', onReject: 'fail', notify: [] }, level: 0, approvers: ['alice', 'bob'],
    })));
    for (const approver of ['alice', 'bob']) await tx.insertApprovalDecision({ approvalId: `${runId}:e1`, approver, level: 0, decision: 'approve', via: 'api', decidedAt: new Date().toISOString() });
    await tx.insertOutbox([1, 2].map(() => ({ id: randomUUID(), kind: 'runner' as const, runId, body: { type: 'start' as const, runId }, relayAfterMs: HOUR })));
  });
}

/** Rows a run owns, per table. */
async function owned(store: SqlStore, runId: string): Promise<Record<string, number>> {
  const count = async (sql: string) => Number((await store.db.query<{ n: unknown }>(sql, [runId]))[0]?.n);
  return {
    runs: await count('SELECT count(*) AS n FROM runs WHERE id = $1'),
    run_events: await count('SELECT count(*) AS n FROM run_events WHERE run_id = $1'),
    task_attempts: await count('SELECT count(*) AS n FROM task_attempts WHERE run_id = $1'),
    timers: await count('SELECT count(*) AS n FROM timers WHERE run_id = $1'),
    listens: await count('SELECT count(*) AS n FROM listens WHERE run_id = $1'),
    approvals: await count('SELECT count(*) AS n FROM approvals WHERE run_id = $1'),
    approval_decisions: await count('SELECT count(*) AS n FROM approval_decisions d JOIN approvals a ON a.id = d.approval_id WHERE a.run_id = $1'),
    outbox: await count('SELECT count(*) AS n FROM outbox WHERE run_id = $1'),
  };
}

const FURNISHED = { runs: 1, run_events: 2, task_attempts: 2, timers: 2, listens: 2, approvals: 2, approval_decisions: 2, outbox: 2 };
const NOTHING = { runs: 0, run_events: 0, task_attempts: 0, timers: 0, listens: 0, approvals: 0, approval_decisions: 0, outbox: 0 };

export function retentionConformance(h: StoreHarness): void {
  describe('retention', () => {
    it('deletes terminal runs that ended before the cutoff with every row they own, and nothing else', async () => {
      const store = h.store();
      const { created, ended, recent, cutoff } = era(2003);
      const namespace = uniqueNamespace();
      const template = await definedRun(store, namespace);
      const expired = [
        await runIn(store, template, created, 'completed', ended),
        await runIn(store, template, created, 'faulted', ended),
        await runIn(store, template, created, 'cancelled', ended),
      ];
      const kept = [
        await runIn(store, template, created, 'completed', recent),
        await runIn(store, template, created, 'running'),
        await runIn(store, template, created, 'waiting'),
        await runIn(store, template, created, 'pending'),
      ];
      for (const id of [...expired, ...kept]) await furnish(store, id, namespace);

      const batch = await store.deleteExpiredRuns(cutoff, 500);
      expect(batch).toEqual({ runs: 3, rows: Object.fromEntries(Object.entries(FURNISHED).map(([table, n]) => [table, n * 3])) });
      for (const id of expired) expect(await owned(store, id)).toEqual(NOTHING);
      for (const id of kept) expect(await owned(store, id)).toEqual(FURNISHED);
      expect(await store.getRun(expired[0]!)).toBeUndefined();
      expect(await store.listEvents(expired[0]!, 0, 10)).toEqual([]);
      expect(await store.getApproval(`${expired[0]}:e1`)).toBeUndefined();
      expect((await store.getRun(kept[0]!))?.status).toBe('completed');

      expect(await store.deleteExpiredRuns(cutoff, 500)).toEqual({ runs: 0, rows: {} });
    });

    it('deletes at most `limit` runs per call', async () => {
      const store = h.store();
      const { created, ended, cutoff } = era(2002);
      const template = await definedRun(store, uniqueNamespace());
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await runIn(store, template, created, 'completed', ended));
      const sizes: number[] = [];
      for (let i = 0; i < 4; i++) sizes.push((await store.deleteExpiredRuns(cutoff, 2)).runs);
      expect(sizes).toEqual([2, 2, 1, 0]);
      for (const id of ids) expect(await store.getRun(id)).toBeUndefined();
    });

    it('keeps a child while its parent is live, and a parent while a child is live', async () => {
      const store = h.store();
      const { created, ended, recent, cutoff } = era(2001);
      const namespace = uniqueNamespace();
      const template = await definedRun(store, namespace);
      const run = (status: RunStatus, endedAt?: string, overrides: Partial<NewRun> = {}) => runIn(store, template, created, status, endedAt, overrides);
      const child = (parentRunId: string) => ({ parentRunId, parentEffectId: 'e1' });
      const liveParent = await run('running');
      const childOfLive = await run('completed', ended, child(liveParent));
      const parentOfLive = await run('faulted', ended);
      const liveChild = await run('running', undefined, child(parentOfLive));
      const endedParent = await run('completed', ended);
      const endedChild = await run('completed', ended, child(endedParent));
      const recentParent = await run('completed', recent);
      const childOfRecent = await run('completed', ended, child(recentParent));
      const orphan = await run('cancelled', ended, child(newId()));

      expect((await store.deleteExpiredRuns(cutoff, 500)).runs).toBe(4);
      const left = async () => (await store.listRuns({ namespace, limit: 100 })).items.map((r) => r.id).sort();
      expect(await left()).toEqual([liveParent, childOfLive, parentOfLive, liveChild, recentParent].sort());
      for (const id of [endedParent, endedChild, childOfRecent, orphan]) expect(await store.getRun(id)).toBeUndefined();

      // Once the live runs end long enough ago, the rest goes too.
      await store.transaction((tx) => tx.saveRuns([liveParent, liveChild].map((id) => ({ id, status: 'completed' as const, state: { status: 'completed' as const }, eventSeq: 0, endedAt: ended }))));
      expect((await store.deleteExpiredRuns(cutoff, 500)).runs).toBe(4);
      expect(await left()).toEqual([recentParent]);
    });
  });
}
