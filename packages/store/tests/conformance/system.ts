// Conformance: systemBacklog — what waits for the machinery, counted and aged on the database's clock.
import { describe, expect, it } from 'vitest';
import type { BacklogCount, NewAttempt, SystemBacklog } from '@baton/core';
import { createRuns, newId, uniqueNamespace } from './harness.ts';
import type { StoreHarness } from './harness.ts';

const kindCount = (backlog: SystemBacklog, kind: string): BacklogCount => backlog.scheduledAttempts.find((a) => a.kind === kind) ?? { count: 0 };

export function systemConformance(h: StoreHarness): void {
  describe('systemBacklog', () => {
    it('counts pending runs, scheduled attempts per kind, due outbox rows and due timers, with the age of the oldest', async () => {
      const store = h.store();
      const before = await store.systemBacklog();
      expect(before.countCap).toBe(100_000);
      expect(Date.parse(before.at)).not.toBeNaN();

      const [started, waiting, other] = await createRuns(store, uniqueNamespace(), 3);
      await store.transaction((tx) => tx.saveRuns([{ id: started!, status: 'running', state: { status: 'running' }, eventSeq: 0 }]));
      const attempts: NewAttempt[] = [
        { id: `${started}:a`, runId: started!, effectId: 'a', kind: 'http', reference: '/do/0/a', payload: {} },
        { id: `${started}:b`, runId: started!, effectId: 'b', kind: 'http', reference: '/do/1/b', payload: {} },
        { id: `${started}:c`, runId: started!, effectId: 'c', kind: 'approval', reference: '/do/2/c', payload: {} },
      ];
      await store.transaction(async (tx) => {
        await tx.insertAttempts(attempts);
        await tx.completeAttempts([{ id: `${started}:b`, status: 'completed', result: 1 }]);
        // 1970: overdue by decades, whatever other tests left.
        await tx.insertTimers([{ id: `${waiting}:t`, runId: waiting!, timerId: 't', fireAt: 1_000 }, { id: `${waiting}:later`, runId: waiting!, timerId: 'later', fireAt: Date.now() + 3_600_000 }]);
        await tx.insertOutbox([
          { id: newId(), kind: 'runner', runId: other!, body: { type: 'start', runId: other! }, relayAfterMs: 0 },
          { id: newId(), kind: 'runner', runId: other!, body: { type: 'start', runId: other! }, relayAfterMs: 3_600_000 },
        ]);
      });
      await new Promise((resolve) => setTimeout(resolve, 20));

      const after = await store.systemBacklog();
      expect(after.pendingRuns.count - before.pendingRuns.count).toBe(2);
      expect(after.pendingRuns.oldestMs).toBeGreaterThanOrEqual(15);
      expect(kindCount(after, 'http').count - kindCount(before, 'http').count).toBe(1);
      expect(kindCount(after, 'approval').count - kindCount(before, 'approval').count).toBe(1);
      expect(kindCount(after, 'http').oldestMs).toBeGreaterThanOrEqual(15);
      expect(after.scheduledAttempts.map((a) => a.kind)).toEqual([...after.scheduledAttempts.map((a) => a.kind)].sort());
      expect(after.timersDue.count - before.timersDue.count).toBe(1);
      expect(after.timersDue.oldestMs).toBeGreaterThan(Date.now() - 10_000);
      expect(after.outboxDue.count - before.outboxDue.count).toBe(1);
      expect(after.outboxDue.oldestMs).toBeGreaterThanOrEqual(0);
      expect(after.schedulesDue.count).toBeGreaterThanOrEqual(0);
      expect(Date.parse(after.at)).toBeGreaterThanOrEqual(Date.parse(before.at));
    });
  });
}
