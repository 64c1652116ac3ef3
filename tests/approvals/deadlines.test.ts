// Deadlines and escalation on PostgreSQL + Redis (the hitl-worker's Redis schedule fires them;
// the runner checks them against Postgres), and notification retries.
import { ErrorTypes } from '@baton/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApprovalHarness, type ApprovalHarness } from './harness.ts';
import { approvalDoc, finishedRun, openApprovalOf, startRun, until } from './helpers.ts';

describe('approval deadlines', () => {
  let h: ApprovalHarness;
  beforeAll(async () => {
    h = await startApprovalHarness();
    await h.apply(approvalDoc('reject-on-timeout', { approvers: ['alice'], timeout: 'PT1S' }));
    await h.apply(approvalDoc('approve-on-timeout', { approvers: ['alice'], timeout: 'PT1S', onTimeout: 'approve' }));
    await h.apply(approvalDoc('escalating', { approvers: ['alice'], timeout: 'PT1S', onTimeout: 'escalate', escalation: [{ approvers: ['boss'], timeout: 'PT30S' }], notify: [`${h.webhooks.url}/escalation`] }));
    await h.apply(approvalDoc('escalate-twice', { approvers: ['alice'], timeout: 'PT0.5S', escalation: [{ approvers: ['boss'], timeout: 'PT0.5S' }] }));
    await h.apply(approvalDoc('flaky-hook', { approvers: ['alice'], notify: [`${h.webhooks.url}/flaky`] }));
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('timeout → reject: the run faults with a timeout error carrying decision timed_out', async () => {
    const runId = await startRun(h.api, 'reject-on-timeout');
    const run = await finishedRun(h.api, runId);
    expect(run.status).toBe('faulted');
    expect(run.error).toMatchObject({ type: ErrorTypes.timeout, status: 408, instance: '/do/0/review', approval: { decision: 'timed_out', by: [] } });
    const approval = (await h.api('GET', `/api/v1/approvals?status=timed_out&limit=500`)).body.items.find((a: any) => a.runId === runId);
    expect(approval.outcome.decision).toBe('timed_out');
    const late = await h.api('POST', `/api/v1/approvals/${approval.id}/decision`, { decision: 'approve' });
    expect(late.status).toBe(409);
  });

  it('timeout with onTimeout: approve completes the task as approved', async () => {
    const run = await finishedRun(h.api, await startRun(h.api, 'approve-on-timeout'));
    expect(run.status).toBe('completed');
    expect(run.output).toMatchObject({ decision: 'approved', by: [] });
  });

  it('timeout → escalate → approve: the next level is notified and decides; the first level may not', async () => {
    const runId = await startRun(h.api, 'escalating');
    const first = await openApprovalOf(h.api, runId);
    expect(first.approvers).toEqual(['alice']);
    const escalated = await until('the escalation', async () => {
      const a = await h.api('GET', `/api/v1/approvals/${first.id}`);
      return a.body.level === 1 ? a.body : undefined;
    });
    expect(escalated).toMatchObject({ status: 'pending', approvers: ['boss'] });
    const notices = await until('the level-1 notification', async () => {
      const hits = h.webhooks.received.filter((r) => r.path === '/escalation' && r.body.runId === runId);
      return hits.some((r) => r.body.level === 1) ? hits : undefined;
    });
    expect(notices.find((r) => r.body.level === 1)!.body.links.map((l: any) => l.approver)).toEqual(['boss']);
    expect((await h.api('POST', `/api/v1/approvals/${first.id}/decision`, { decision: 'approve', approver: 'alice' })).status).toBe(403);
    expect((await h.api('POST', `/api/v1/approvals/${first.id}/decision`, { decision: 'approve', comment: 'fine' })).status).toBe(200);
    const run = await finishedRun(h.api, runId);
    expect(run.output).toMatchObject({ decision: 'approved', by: ['boss'] });
    const trail = (await until('the audit trail', async () => {
      const a = await h.api('GET', `/api/v1/approvals/${first.id}`);
      return a.body.audit.some((e: any) => e.type.endsWith('.decided.v1')) ? a.body.audit : undefined;
    })).map((e: any) => e.type);
    expect(trail).toContain('dev.baton.approval.escalated.v1');
  });

  it('escalation past the last level ends timed_out (escalate is the default with an escalation list)', async () => {
    const run = await finishedRun(h.api, await startRun(h.api, 'escalate-twice'));
    expect(run.status).toBe('faulted');
    expect(run.error).toMatchObject({ type: ErrorTypes.timeout, approval: { decision: 'timed_out', level: 1 } });
  });

  it('retries a failing webhook and records every attempt in the audit trail', async () => {
    h.webhooks.failFirst.set('/flaky', 2);
    const runId = await startRun(h.api, 'flaky-hook');
    const approval = await openApprovalOf(h.api, runId);
    const attempts = await until('three notification attempts', async () => {
      const a = await h.api('GET', `/api/v1/approvals/${approval.id}`);
      const notified = a.body.audit.filter((e: any) => e.type === 'dev.baton.approval.notified.v1');
      return notified.length >= 3 ? notified.map((e: any) => e.data) : undefined;
    });
    expect(attempts.map((d: any) => [d.attempt, d.ok, d.status, d.final])).toEqual([[1, false, 503, false], [2, false, 503, false], [3, true, 200, true]]);
    await h.api('POST', `/api/v1/runs/${runId}/cancel`);
  });
});
