// Conformance: approvals and their decisions (migration 0004) — the row written with its
// attempt, one decision per approver, updates, the listing filters, the sweeper's queries,
// and cancellation following the attempt.
import { describe, expect, it } from 'vitest';
import { InvalidCursorError, type ApprovalDecision, type NewApproval } from '@baton/core';
import { createRuns, uniqueNamespace } from './harness.ts';
import type { StoreHarness } from './harness.ts';

function approvalOf(runId: string, namespace: string, approvers: string[], deadlineAt?: number): NewApproval {
  const approval: NewApproval = {
    id: `${runId}:e1`, runId, attemptId: `${runId}:e1`, namespace, workflowName: 'flow', taskName: 'review', reference: '/do/0/review',
    spec: { title: 'Ship?', levels: [{ approvers, quorum: 1 }], onTimeout: 'reject', onReject: 'fail', notify: [] },
    level: 0, approvers,
  };
  if (deadlineAt !== undefined) approval.deadlineAt = deadlineAt;
  return approval;
}

const decision = (approvalId: string, approver: string, at: string): ApprovalDecision => ({ approvalId, approver, level: 0, decision: 'approve', via: 'api', comment: 'ok', data: { n: 1 }, decidedAt: at });

export function approvalConformance(h: StoreHarness): void {
  describe('approvals', () => {
    it('writes an approval with its attempt, records one decision per approver, updates and lists it', async () => {
      const store = h.store();
      const namespace = uniqueNamespace();
      const [runId] = await createRuns(store, namespace, 1);
      const approval = approvalOf(runId!, namespace, ['alice', 'group:ops'], Date.parse('2030-01-01T00:00:00.000Z'));
      await store.transaction(async (tx) => {
        await tx.insertAttempts([{ id: approval.attemptId, runId: runId!, effectId: 'e1', kind: 'approval', reference: approval.reference, payload: {} }]);
        await tx.insertApprovals([approval]);
      });
      const read = await store.getApproval(approval.id);
      expect(read).toMatchObject({ ...approval, status: 'pending', decisions: [] });
      expect(read).not.toHaveProperty('outcome');

      const first = await store.transaction(async (tx) => {
        expect((await tx.lockApproval(approval.id))?.status).toBe('pending');
        return tx.insertApprovalDecision(decision(approval.id, 'alice', '2026-01-01T00:00:00.000Z'));
      });
      const again = await store.transaction((tx) => tx.insertApprovalDecision({ ...decision(approval.id, 'alice', '2026-01-01T00:00:01.000Z'), decision: 'reject' }));
      expect([first, again]).toEqual([true, false]);
      expect((await store.getApproval(approval.id))?.decisions).toEqual([decision(approval.id, 'alice', '2026-01-01T00:00:00.000Z')]);

      expect((await store.listApprovals({ namespace, approver: 'group:ops', status: 'pending', limit: 10 })).items.map((a) => a.id)).toEqual([approval.id]);
      expect((await store.listApprovals({ namespace, approver: 'bob', limit: 10 })).items).toEqual([]);

      const outcome = { decision: 'approved', by: ['alice'] };
      const result = { type: 'result', runId, attemptId: approval.attemptId, status: 'completed', output: outcome };
      await store.transaction((tx) => tx.updateApproval({ id: approval.id, status: 'approved', level: 0, approvers: approval.approvers, outcome, result }));
      const closed = await store.getApproval(approval.id);
      expect(closed).toMatchObject({ status: 'approved', outcome, result, closedAt: expect.any(String) });
      expect(closed).not.toHaveProperty('deadlineAt');
      expect((await store.listApprovals({ namespace, status: 'pending', limit: 10 })).items).toEqual([]);
      // Closed but the attempt still waits for its result: the sweeper sends the result again.
      expect((await store.unresolvedApprovals(0, 1000)).map((a) => a.id)).toContain(approval.id);
      await store.transaction((tx) => tx.completeAttempts([{ id: approval.attemptId, status: 'completed', result: outcome }]));
      expect((await store.unresolvedApprovals(0, 1000)).map((a) => a.id)).not.toContain(approval.id);
    });

    it('pages newest first; overdue pending approvals; cancelled with their attempt', async () => {
      const store = h.store();
      const namespace = uniqueNamespace();
      const runIds = await createRuns(store, namespace, 3);
      const approvals = runIds.map((runId, i) => approvalOf(runId, namespace, ['alice'], i === 0 ? Date.now() - 60_000 : undefined));
      for (const approval of approvals) {
        await store.transaction(async (tx) => {
          await tx.insertAttempts([{ id: approval.attemptId, runId: approval.runId, effectId: 'e1', kind: 'approval', reference: approval.reference, payload: {} }]);
          await tx.insertApprovals([approval]);
        });
      }
      const first = await store.listApprovals({ namespace, limit: 2 });
      const second = await store.listApprovals({ namespace, limit: 2, cursor: first.nextCursor! });
      expect([...first.items, ...second.items].map((a) => a.id)).toEqual(approvals.map((a) => a.id).reverse());
      expect(second.nextCursor).toBeUndefined();
      // A forged cursor whose timestamp PostgreSQL cannot read is refused as such, not a database error.
      for (const key of [['1', 'x'], ['2026-01-01T00:00:00.000Z\u0000', 'x'], ['not a time', 'x']]) {
        const forged = Buffer.from(JSON.stringify(['approvals', ...key])).toString('base64url');
        await expect(store.listApprovals({ namespace, limit: 2, cursor: forged })).rejects.toBeInstanceOf(InvalidCursorError);
      }
      // One run's approvals (a run may hold several: a loop, parallel branches).
      expect((await store.listApprovals({ runId: runIds[1]!, limit: 10 })).items.map((a) => a.id)).toEqual([approvals[1]!.id]);
      expect((await store.listApprovals({ runId: runIds[1]!, namespace: 'elsewhere', limit: 10 })).items).toEqual([]);

      const overdue = (await store.overdueApprovals(Date.now(), 1_000, 1000)).map((a) => a.id);
      expect(overdue).toContain(approvals[0]!.id);
      expect(overdue).not.toContain(approvals[1]!.id);
      expect((await store.overdueApprovals(Date.now(), 3_600_000, 1000)).map((a) => a.id)).not.toContain(approvals[0]!.id);

      await store.transaction((tx) => tx.cancelAttempts([approvals[2]!.attemptId]));
      expect((await store.getApproval(approvals[2]!.id))?.status).toBe('cancelled');
      expect((await store.getApproval(approvals[1]!.id))?.status).toBe('pending');
    });
  });
}
