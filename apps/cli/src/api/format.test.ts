import type { ApprovalWithAudit, Run } from '@baton/sdk';
import { describe, expect, it } from 'vitest';
import { approvalDetails, approvalsTable, humanDuration, keysTable, runDetails, runDuration, runsTable, shortJson, shortTime, table } from './format.ts';

const NOW = Date.parse('2026-11-27T12:00:00.000Z');
const run = (over: Partial<Run> = {}): Run => ({
  id: '01a21cb5-1fac-71bd-8bc9-d0f1308407a1',
  definitionId: 'd',
  namespace: 'demo',
  name: 'hello',
  version: '1.0.0',
  status: 'completed',
  input: {},
  createdAt: '2026-11-27T11:59:00.000Z',
  startedAt: '2026-11-27T11:59:01.000Z',
  endedAt: '2026-11-27T11:59:03.500Z',
  updatedAt: '2026-11-27T11:59:03.500Z',
  ...over,
});

describe('table', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(table(['A', 'BB'], [['xxx', 'y'], ['z', 'long value']])).toBe('A    BB\nxxx  y\nz    long value\n');
  });
});

describe('durations and times', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [12_340, '12.3s'],
    [245_000, '4m05s'],
    [7_380_000, '2h03m'],
    [273_600_000, '3d04h'],
  ])('%d ms → %s', (ms, text) => expect(humanDuration(ms)).toBe(text));

  it('measures a run from start to end, or to now while it runs', () => {
    expect(runDuration(run(), NOW)).toBe('2.5s');
    expect(runDuration(run({ status: 'running', endedAt: undefined }), NOW)).toBe('59.0s');
    expect(runDuration(run({ status: 'pending', startedAt: undefined, endedAt: undefined }), NOW)).toBe('-');
  });

  it('prints UTC times to the second', () => {
    expect(shortTime('2026-11-27T11:59:03.500Z')).toBe('2026-11-27 11:59:03');
    expect(shortTime(undefined)).toBe('-');
    expect(shortTime('not a date')).toBe('not a date');
  });
});

describe('runs', () => {
  it('lists runs as a table', () => {
    const text = runsTable([run(), run({ id: 'r2', status: 'running', endedAt: undefined })], NOW);
    expect(text.split('\n')[0]).toMatch(/^ID\s+WORKFLOW\s+STATUS\s+CREATED\s+DURATION$/);
    expect(text).toContain('01a21cb5-1fac-71bd-8bc9-d0f1308407a1  demo/hello@1.0.0  completed  2026-11-27 11:59:00  2.5s');
    expect(text).toMatch(/r2\s+demo\/hello@1\.0\.0\s+running\s+2026-11-27 11:59:00\s+59\.0s/);
  });

  it('shows a completed run with its output and a faulted run with its error', () => {
    expect(runDetails(run({ output: { greeting: 'hi' } }), NOW)).toContain('status:          completed\n');
    expect(runDetails(run({ output: { greeting: 'hi' } }), NOW)).toContain('output:\n  {\n    "greeting": "hi"\n  }\n');
    const faulted = runDetails(run({ status: 'faulted', error: { type: 'https://x/runtime', status: 500, title: 'boom' } }), NOW);
    expect(faulted).toContain('error:\n  {\n    "type": "https://x/runtime"');
    expect(faulted).not.toContain('output:');
  });
});

describe('shortJson', () => {
  it('cuts compact JSON to a length', () => {
    expect(shortJson({ a: 'x'.repeat(100) }, 20)).toHaveLength(20);
    expect(shortJson({ a: 'x'.repeat(100) }, 20).endsWith('…')).toBe(true);
    expect(shortJson(undefined)).toBe('');
  });
});

describe('keys', () => {
  it('marks revoked keys and unrestricted namespaces', () => {
    const text = keysTable([
      { id: 'k1', name: 'ci', prefix: 'bt_ab', role: 'user', namespace: 'demo', createdAt: '2026-11-27T10:00:00Z' },
      { id: 'k2', name: 'ops', prefix: 'bt_cd', role: 'admin', createdAt: '2026-11-27T10:00:00Z', revokedAt: '2026-11-27T11:00:00Z' },
    ]);
    expect(text).toMatch(/k1\s+ci\s+user\s+demo\s+bt_ab…\s+2026-11-27 10:00:00\s+active/);
    expect(text).toMatch(/k2\s+ops\s+admin\s+\*\s+bt_cd…\s+2026-11-27 10:00:00\s+revoked 2026-11-27 11:00:00/);
  });
});

describe('approvals', () => {
  const approval: ApprovalWithAudit = {
    id: 'run-1:e2',
    runId: 'run-1',
    namespace: 'demo',
    workflow: 'refund',
    task: 'review',
    title: 'Refund order 42',
    description: 'Customer **Ada**\nasks for 120 EUR.',
    status: 'approved',
    level: 0,
    approvers: ['alice'],
    quorum: 1,
    decisions: [{ approver: 'alice', level: 0, decision: 'approve', comment: 'ok', data: { amount: 120 }, via: 'link', decidedAt: '2026-11-27T11:00:00.000Z' }],
    createdAt: '2026-11-27T10:00:00.000Z',
    updatedAt: '2026-11-27T11:00:00.000Z',
    closedAt: '2026-11-27T11:00:00.000Z',
    audit: [{ seq: 4, type: 'dev.baton.approval.decided.v1', time: '2026-11-27T11:00:00.100Z', data: {} }],
  };

  it('tables approvals with their current approvers', () => {
    expect(approvalsTable([approval, { ...approval, id: 'run-2:e1', status: 'pending', approvers: ['a', 'group:ops'], quorum: 2, title: 'Two' }])).toBe(
      [
        'ID        STATUS    WORKFLOW     TASK    APPROVERS              CREATED              TITLE',
        'run-1:e2  approved  demo/refund  review  alice                  2026-11-27 10:00:00  Refund order 42',
        'run-2:e1  pending   demo/refund  review  a, group:ops (2 of 2)  2026-11-27 10:00:00  Two',
        '',
      ].join('\n'),
    );
  });

  it('details one approval: fields, description, decisions, audit', () => {
    const text = approvalDetails(approval);
    expect(text).toContain('id:        run-1:e2\ntitle:     Refund order 42\nstatus:    approved\nrun:       run-1\n');
    expect(text).toContain('closed:    2026-11-27 11:00:00\n');
    expect(text).toContain('description:\n  Customer **Ada**\n  asks for 120 EUR.\n');
    expect(text).toContain('decisions:\n  2026-11-27 11:00:00  approve  alice  "ok"  {"amount":120}  via link\n');
    expect(text).toContain('audit:\n     4  2026-11-27 11:00:00  approval.decided\n');
    expect(text).not.toContain('deadline');
  });
});
