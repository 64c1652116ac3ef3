// The all-in-one process on its own backends (PGlite in memory, the in-process bus, the
// in-memory deadline schedule): an approval is decided through the API, another times out.
import { ErrorTypes } from '@baton/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from '../runtime/harness.ts';
import { approvalDoc, finishedRun, openApprovalOf, startRun } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('embedded');
  await h.apply(approvalDoc('embedded-approve', { approvers: ['ada'] }));
  await h.apply(approvalDoc('embedded-timeout', { approvers: ['ada'], timeout: 'PT0.5S' }));
}, 60_000);
afterAll(async () => {
  await h?.close();
});

it('approves through the API and times out on the embedded backends', async () => {
  const runId = await startRun(h.api, 'embedded-approve');
  const approval = await openApprovalOf(h.api, runId);
  expect((await h.api('POST', `/api/v1/approvals/${approval.id}/decision`, { decision: 'approve' })).status).toBe(200);
  expect((await finishedRun(h.api, runId)).output).toEqual({ decision: 'approved', by: ['ada'], data: {} });

  const timedOut = await finishedRun(h.api, await startRun(h.api, 'embedded-timeout'));
  expect(timedOut.error).toMatchObject({ type: ErrorTypes.timeout, approval: { decision: 'timed_out' } });
}, 60_000);
