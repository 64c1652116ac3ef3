// Conformance: reset runs and their replay ledger (migration 0009) — created with the run in one
// transaction and idempotent with it; entries taken once, in order; replayed attempts written
// finished with the original's id; the log seq at which an outcome was applied.
import { describe, expect, it } from 'vitest';
import type { NewReplayEntry } from '@baton/core';
import { createRuns, definedRun, newId, uniqueNamespace } from './harness.ts';
import type { StoreHarness } from './harness.ts';

const ledger: NewReplayEntry[] = [
  { ord: 0, kind: 'task', reference: '/do/0/a', match: '{"q":1}', sourceAttemptId: 'orig:e2', outcome: { status: 'completed', result: { b: 1, a: [2] } } },
  { ord: 1, kind: 'task', reference: '/do/0/a', match: '{"q":1}', sourceAttemptId: 'orig:e4', outcome: { status: 'failed', error: { type: 'https://example.com/x', status: 503, title: 'down' } } },
  { ord: 2, kind: 'timer', reference: '/do/1/pause', match: 'timer' },
];

export function replayConformance(h: StoreHarness): void {
  describe('reset runs and their replay ledger', () => {
    it('creates the run with resetOf and its ledger once per idempotency key; the listing and lockRuns know it', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const [original] = await createRuns(store, ns, 1);
      const resetOf = { runId: original!, from: '/do/1/b' };
      const template = { ...(await definedRun(store, ns)), idempotencyKey: `reset:${original}:/do/1/b`, trigger: { kind: 'reset' as const, ...resetOf }, resetOf };
      const first = await store.createResetRun({ ...template, id: newId() }, ledger);
      expect(first).toMatchObject({ created: true, run: { resetOf, trigger: { kind: 'reset', runId: original, from: '/do/1/b' } } });
      const again = await store.createResetRun({ ...template, id: newId() }, ledger);
      expect(again).toMatchObject({ created: false, run: { id: first.run.id, resetOf } });
      expect((await store.getRun(first.run.id))?.resetOf).toEqual(resetOf);
      expect((await store.listRuns({ resetOf: original!, limit: 10 })).items.map((r) => r.id)).toEqual([first.run.id]);
      const [locked] = await store.transaction((tx) => tx.lockRuns([first.run.id]));
      expect(locked?.resetOf).toBe(original);
      const [plain] = await store.transaction((tx) => tx.lockRuns([original!]));
      expect(plain).not.toHaveProperty('resetOf');
      const open = await store.transaction((tx) => tx.openReplays([first.run.id]));
      expect(open.map((e) => e.ord)).toEqual([0, 1, 2]); // not twice
      expect(open[0]).toEqual({ runId: first.run.id, ...ledger[0] });
      expect(open[2]).toEqual({ runId: first.run.id, ...ledger[2] });
    });

    it('entries are taken once; replayed attempts are written finished with the original attempt; applied seqs are kept', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const [original] = await createRuns(store, ns, 1);
      const { run } = await store.createResetRun({ ...(await definedRun(store, ns)), id: newId(), resetOf: { runId: original!, from: '/do/1/b' } }, ledger);
      await store.transaction(async (tx) => {
        await tx.consumeReplays([{ runId: run.id, ord: 0, by: `${run.id}:e3` }]);
        await tx.consumeReplays([{ runId: run.id, ord: 0, by: `${run.id}:e9` }]); // taken already: unchanged
        await tx.insertReplayedAttempts([
          { id: `${run.id}:e3`, runId: run.id, effectId: 'e3', kind: 'http', reference: '/do/0/a', payload: { q: 1 }, outcome: { status: 'completed', result: { b: 1, a: [2] } }, replayedFrom: 'orig:e2' },
          { id: `${run.id}:e5`, runId: run.id, effectId: 'e5', kind: 'http', reference: '/do/0/a', payload: { q: 1 }, outcome: { status: 'failed', error: { type: 'https://example.com/x', status: 503, title: 'down' } }, replayedFrom: 'orig:e4' },
        ]);
        await tx.setAppliedSeqs([{ id: `${run.id}:e3`, seq: 4 }]);
      });
      expect((await store.transaction((tx) => tx.openReplays([run.id]))).map((e) => e.ord)).toEqual([1, 2]);
      const attempts = await store.listAttempts(run.id);
      expect(attempts).toHaveLength(2);
      expect(attempts.find((a) => a.effectId === 'e3')).toMatchObject({ status: 'completed', result: { b: 1, a: [2] }, replayedFrom: 'orig:e2', appliedSeq: 4 });
      expect(attempts.find((a) => a.effectId === 'e5')).toMatchObject({ status: 'failed', error: { status: 503 }, replayedFrom: 'orig:e4' });
      expect(attempts.find((a) => a.effectId === 'e5')).not.toHaveProperty('appliedSeq');
      expect(attempts.every((a) => a.finishedAt !== undefined && a.dispatchedAt === undefined)).toBe(true);
      // A replayed attempt is finished: a late result for it changes nothing.
      expect(await store.transaction((tx) => tx.completeAttempts([{ id: `${run.id}:e3`, status: 'completed', result: 'late' }]))).toEqual([]);
    });
  });
}
