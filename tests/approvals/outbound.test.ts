// Issue #12, row 9: approval `notify` webhooks obey the outbound address policy of `call: http`.
// With HTTP_WORKER_ALLOW_PRIVATE=false a webhook to 127.0.0.1 (literal or from a secret) is not
// delivered — just as `call: http` to the same address is refused — and the approval's audit
// trail says the notification was refused, without the URL's path. PostgreSQL + Redis.
import { ErrorTypes } from '@baton/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApprovalHarness, type ApprovalHarness } from './harness.ts';
import { approvalDoc, finishedRun, openApprovalOf, startRun, until } from './helpers.ts';

const HOOK_PATH = '/hooks/T0-secret-path';

describe('approval webhooks and the outbound address policy', () => {
  let h: ApprovalHarness;
  beforeAll(async () => {
    h = await startApprovalHarness((webhooks) => ({
      HTTP_WORKER_ALLOW_PRIVATE: 'false',
      BATON_SECRET_HOOK: `${webhooks.url}${HOOK_PATH}`,
      BATON_SECRET_HOOK_NAMESPACES: 'test',
    }));
    const port = new URL(h.webhooks.url).port;
    await h.apply(approvalDoc('hooked', { approvers: ['alice'], notify: [`${h.webhooks.url}/hook`, { url: `http://[::1]:${port}/v6`, format: 'slack' }, { url: '${ $secrets.HOOK }' }] }, { after: false }));
    await h.apply({ document: { dsl: '1.0.0', namespace: 'test', name: 'direct', version: '1.0.0' }, do: [{ get: { call: 'http', with: { method: 'post', endpoint: `${h.webhooks.url}/hook` } } }] });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('row 9: webhooks to 127.0.0.1 and [::1] are refused, audited as refused (no path) and counted; nothing is delivered', async () => {
    const runId = await startRun(h.api, 'hooked');
    const approval = await openApprovalOf(h.api, runId);
    const audit = await until('three notified audit events', async () => {
      const detail = await h.api('GET', `/api/v1/approvals/${approval.id}`);
      const notified = detail.body.audit.filter((e: any) => e.type === 'dev.baton.approval.notified.v1');
      return notified.length >= 3 ? detail.body.audit : undefined;
    });
    const notified = audit.filter((e: any) => e.type === 'dev.baton.approval.notified.v1').map((e: any) => e.data);
    expect(notified).toHaveLength(3); // one attempt each: a refusal is not retried
    for (const attempt of notified) expect(attempt).toMatchObject({ ok: false, refused: true, final: true, attempt: 1 });
    expect(notified.map((a: any) => a.error).join('\n')).toMatch(/outbound connection refused: 127\.0\.0\.1/);
    expect(notified.map((a: any) => a.error).join('\n')).toMatch(/outbound connection refused: ::1/);
    expect(JSON.stringify(audit)).not.toContain(HOOK_PATH);
    expect(JSON.stringify(audit)).not.toContain('/hook');
    expect(h.webhooks.received).toEqual([]);
    // The same in the run's own event log.
    const events = await h.api('GET', `/api/v1/runs/${runId}/events?limit=1000`);
    expect(events.body.items.filter((e: any) => e.type === 'dev.baton.approval.notified.v1' && e.data.refused === true)).toHaveLength(3);
    expect(JSON.stringify(events.body)).not.toContain(HOOK_PATH);
    // Counted (today as failed notifications; see docs/SECURITY.md).
    const metrics = await (await fetch(`${h.baton.url}/metrics`)).text();
    expect(Number(/hitl_notifications_total\{[^}]*outcome="refused"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0)).toBeGreaterThanOrEqual(3);
    // The approval itself is unaffected: still open, decidable through the API.
    expect((await h.api('POST', `/api/v1/approvals/${approval.id}/decision`, { decision: 'approve' })).status).toBe(200);
  });

  it('call: http to the same address is refused by the same rule', async () => {
    const run = await finishedRun(h.api, await startRun(h.api, 'direct'));
    expect(run).toMatchObject({ status: 'faulted', error: { type: ErrorTypes.authorization, status: 403, title: 'Outbound address refused' } });
    expect(h.webhooks.received).toEqual([]);
  });
});
