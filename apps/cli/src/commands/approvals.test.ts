import type { Approval } from '@baton/sdk';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../api/args.ts';
import { approvalsQuery, decisionLine } from './approvals.ts';

const approval = (over: Partial<Approval> = {}): Approval => ({
  id: 'run-1:e2',
  runId: 'run-1',
  namespace: 'demo',
  workflow: 'refund',
  task: 'review',
  title: 'Refund?',
  status: 'pending',
  level: 0,
  approvers: ['alice', 'bob', 'group:ops'],
  quorum: 2,
  decisions: [{ approver: 'alice', level: 0, decision: 'approve', via: 'api', decidedAt: '2026-11-27T11:00:00.000Z' }],
  createdAt: '2026-11-27T10:00:00.000Z',
  updatedAt: '2026-11-27T11:00:00.000Z',
  ...over,
});

describe('approvalsQuery', () => {
  it('maps the options to the API filters and checks them', () => {
    expect(approvalsQuery({ status: 'pending', run: 'r1', approver: 'alice', namespace: 'demo', limit: '5' })).toEqual({ status: 'pending', runId: 'r1', approver: 'alice', namespace: 'demo', limit: 5 });
    expect(() => approvalsQuery({ status: 'open' })).toThrow(/--status must be one of pending, approved, rejected, timed_out, cancelled/);
    expect(() => approvalsQuery({ all: true, cursor: 'c' })).toThrow(UsageError);
  });
});

describe('decisionLine', () => {
  it('says whether the decision closed the approval or how far the quorum is', () => {
    expect(decisionLine(approval(), { decision: 'approve', approver: 'alice' })).toBe('approved run-1:e2 as alice; the approval is still pending: 1 of 2 approvals from alice, bob, group:ops (2 of 3)\n');
    const rejected = approval({ status: 'rejected', decisions: [{ approver: 'bob', level: 0, decision: 'reject', via: 'api', decidedAt: '2026-11-27T11:00:00.000Z' }] });
    expect(decisionLine(rejected, { decision: 'reject' })).toBe('rejected run-1:e2 as bob; the approval is now rejected\n');
    expect(decisionLine(approval({ status: 'timed_out' }), { decision: 'approve', approver: 'bob' })).toMatch(/is now timed out\n$/);
  });
});
