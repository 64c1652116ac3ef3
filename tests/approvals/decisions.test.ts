// Approvals end to end on PostgreSQL + Redis: decisions through the API and through signed
// links, quorum, form validation, refusals that leave the run untouched, the audit trail.
import { BatonErrorTypes, Queues } from '@baton/core';
import { noticeTask } from '@baton/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVAL_SECRET, startApprovalHarness, type ApprovalHarness } from './harness.ts';
import { approvalDoc, finishedRun, linkToken, openApprovalOf, startRun, until } from './helpers.ts';

const FORM = { type: 'object', required: ['amount'], properties: { amount: { type: 'integer', minimum: 1, title: 'Amount' }, reason: { type: 'string', maxLength: 100 } } };

describe('approval decisions', () => {
  let h: ApprovalHarness;
  beforeAll(async () => {
    h = await startApprovalHarness();
    await h.apply(approvalDoc('single', { title: '${ "Deploy " + .service + "?" }', description: '${ "Deploy **" + .service + "** <script>alert(1)</script>" }', approvers: ['alice@example.com'], notify: [`${h.webhooks.url}/hook`, { url: `${h.webhooks.url}/slack`, format: 'slack' }] }));
    await h.apply(approvalDoc('lenient', { approvers: ['alice'], onReject: 'continue' }));
    await h.apply(approvalDoc('quorum', { approvers: ['a', 'b', 'group:ops'], quorum: 2 }));
    await h.apply(approvalDoc('form', { approvers: ['alice'], form: FORM }));
    await h.apply(approvalDoc('broken', { approvers: ['a'], quorum: '${ .quorum }' }));
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('approves through the API: the run continues with {decision, by, comments, data, decidedAt}; the trail is in the run log', async () => {
    const runId = await startRun(h.api, 'single', { service: 'billing' });
    const approval = await openApprovalOf(h.api, runId);
    expect(approval).toMatchObject({ title: 'Deploy billing?', approvers: ['alice@example.com'], quorum: 1, status: 'pending', level: 0 });
    const res = await h.api('POST', `/api/v1/approvals/${approval.id}/decision`, { decision: 'approve', comment: 'go' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('approved');
    const run = await finishedRun(h.api, runId);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ decision: 'approved', by: ['alice@example.com'], data: {} });
    const detail = await until('the decided audit event', async () => {
      const d = await h.api(`GET`, `/api/v1/approvals/${approval.id}`);
      return d.body.audit.some((e: any) => e.type === 'dev.baton.approval.decided.v1') ? d.body : undefined;
    });
    expect(detail.outcome).toMatchObject({ decision: 'approved', by: ['alice@example.com'], comments: [{ by: 'alice@example.com', comment: 'go' }] });
    const types = detail.audit.map((e: any) => e.type);
    expect(types).toContain('dev.baton.approval.requested.v1');
    expect(types).toContain('dev.baton.approval.notified.v1');
    // The audit trail never carries a link token or a webhook path.
    expect(JSON.stringify(detail.audit)).not.toMatch(/approve\/|\/hook|\/slack/);
  });

  it('a notice delivered again (a transport that lost it, a redelivery) notifies again, and its audit has each entry once', async () => {
    const runId = await startRun(h.api, 'single', { service: 'search' });
    const approval = await openApprovalOf(h.api, runId);
    const hooks = () => h.webhooks.received.filter((r) => r.path === '/hook' && JSON.stringify(r.body).includes(approval.id)).length;
    // The worker acks a notice once its audit entries are on the runner queue; once both queues
    // are empty, every entry of a handling was applied (or dropped as a duplicate).
    const idle = async (queue: string) => {
      const depth = await h.baton.bus.depth(queue);
      return depth.waiting + depth.inFlight === 0;
    };
    const drained = () => until('both queues to drain', async () => ((await idle(Queues.tasks('approval'))) && (await idle(Queues.runner)) ? true : undefined));
    await until('the first notification', async () => (hooks() >= 1 ? true : undefined));
    // Delivered again once the first delivery is handled: a copy that comes while the worker still
    // runs the first (its Slack webhook not yet sent, on a slow machine) is acked as a copy of a
    // running task, and notifies nothing (queue-worker.ts) — a flake of this test in CI (stop 52).
    await drained();
    const record = await h.baton.store.getApproval(approval.id);
    await h.baton.bus.enqueue(Queues.tasks('approval'), [noticeTask(record!)]);
    await until('the second notification', async () => (hooks() >= 2 ? true : undefined));
    await drained();
    const audit = (await h.api('GET', `/api/v1/runs/${runId}/events`)).body.items;
    expect(audit.filter((e: any) => e.type === 'dev.baton.approval.requested.v1')).toHaveLength(1);
    // One entry per webhook target (2) and attempt (1 each), although each was delivered twice.
    expect(audit.filter((e: any) => e.type === 'dev.baton.approval.notified.v1')).toHaveLength(2);
  });

  it('notifies webhooks (JSON and Slack-compatible) with one working link per approver', async () => {
    const runId = await startRun(h.api, 'single', { service: 'search' });
    const json = await until('the JSON notification', async () => h.webhooks.received.find((r) => r.path === '/hook' && r.body.runId === runId));
    const slack = await until('the Slack notification', async () => h.webhooks.received.find((r) => r.path === '/slack' && r.body.blocks?.some((b: any) => JSON.stringify(b).includes(runId))));
    expect(json.body).toMatchObject({ title: 'Deploy search?', approvers: ['alice@example.com'], links: [{ approver: 'alice@example.com' }] });
    expect(slack.body.text).toBe('Approval needed: Deploy search?');
    const link = new URL(json.body.links[0].url);
    const view = await h.page('GET', link.pathname);
    expect(view.status).toBe(200);
    expect(view.text).toContain('<strong>search</strong>');
    expect(view.text).not.toContain('<script>'); // the description's HTML is shown as text
    const sent = await h.page('POST', link.pathname, { decision: 'approve', comment: 'via link' });
    expect(sent.status).toBe(200);
    expect((await finishedRun(h.api, runId)).status).toBe('completed');
    // Single use: the same link again is refused, and so is a second API decision.
    expect((await h.page('GET', link.pathname)).status).toBe(409);
    expect((await h.page('POST', link.pathname, { decision: 'reject' })).status).toBe(409);
  });

  it('a rejection fails the task with a typed error, or continues with onReject: continue', async () => {
    const runId = await startRun(h.api, 'single', { service: 'x' });
    const approval = await openApprovalOf(h.api, runId);
    await h.api('POST', `/api/v1/approvals/${approval.id}/decision`, { decision: 'reject', comment: 'not today' });
    const run = await finishedRun(h.api, runId);
    expect(run.status).toBe('faulted');
    expect(run.error).toMatchObject({ type: BatonErrorTypes.approvalRejected, status: 403, detail: 'rejected by alice@example.com: not today', approval: { decision: 'rejected', by: ['alice@example.com'] } });

    const lenientId = await startRun(h.api, 'lenient');
    const lenient = await openApprovalOf(h.api, lenientId);
    await h.api('POST', `/api/v1/approvals/${lenient.id}/decision`, { decision: 'reject' });
    const continued = await finishedRun(h.api, lenientId);
    expect(continued.status).toBe('completed');
    expect(continued.output).toMatchObject({ decision: 'rejected', by: ['alice'] });
  });

  it('2 of 3: stays pending after one approval, closes at the second; later deciders get 409', async () => {
    const runId = await startRun(h.api, 'quorum');
    const approval = await openApprovalOf(h.api, runId);
    // Earlier tests opened approvals of other runs.
    expect((await h.api('GET', `/api/v1/approvals?runId=${runId}`)).body.items.map((i: any) => i.id)).toEqual([approval.id]);
    const decide = (body: object) => h.api('POST', `/api/v1/approvals/${approval.id}/decision`, body);
    expect((await decide({ decision: 'approve' })).status).toBe(400); // several approvers: say on whose behalf
    expect((await decide({ decision: 'approve', approver: 'mallory' })).status).toBe(403);
    const first = await decide({ decision: 'approve', approver: 'a' });
    expect(first.body.status).toBe('pending');
    expect((await h.api('GET', `/api/v1/approvals?status=pending&approver=group:ops`)).body.items.map((i: any) => i.id)).toContain(approval.id);
    const second = await decide({ decision: 'approve', approver: 'group:ops', comment: 'ops ok' });
    expect(second.body.status).toBe('approved');
    const late = await decide({ decision: 'reject', approver: 'b' });
    expect(late.status).toBe(409);
    const run = await finishedRun(h.api, runId);
    expect(run.output).toMatchObject({ decision: 'approved', by: ['a', 'group:ops'] });
  });

  it('double submission by one approver: exactly one decision counts', async () => {
    const runId = await startRun(h.api, 'quorum');
    const approval = await openApprovalOf(h.api, runId);
    const token = linkToken(APPROVAL_SECRET, approval.id, 'b');
    const results = await Promise.all([
      h.api('POST', `/api/v1/approvals/${approval.id}/decision`, { decision: 'approve', approver: 'b' }),
      h.api('POST', `/api/v1/approvals/${approval.id}/decision`, { decision: 'approve', approver: 'b' }),
      h.page('POST', `/approve/${token}`, { decision: 'approve' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const after = await h.api('GET', `/api/v1/approvals/${approval.id}`);
    expect(after.body.decisions).toHaveLength(1);
    expect(after.body.status).toBe('pending');
    expect((await h.api('GET', `/api/v1/runs/${runId}`)).body.status).toBe('waiting');
  });

  it('form data is validated against the form; an invalid submission leaves the run waiting', async () => {
    const runId = await startRun(h.api, 'form');
    const approval = await openApprovalOf(h.api, runId);
    const bad = await h.api('POST', `/api/v1/approvals/${approval.id}/decision`, { decision: 'approve', data: { amount: 0 } });
    expect(bad.status).toBe(422);
    expect(bad.body.problems[0]).toMatchObject({ path: '/body/data/amount' });
    const token = linkToken(APPROVAL_SECRET, approval.id, 'alice');
    const badPage = await h.page('POST', `/approve/${token}`, { decision: 'approve', 'f.reason': 'x' });
    expect(badPage.status).toBe(422);
    expect(badPage.text).toContain('amount');
    expect((await h.api('GET', `/api/v1/approvals/${approval.id}`)).body).toMatchObject({ status: 'pending', decisions: [] });
    expect((await h.api('GET', `/api/v1/runs/${runId}`)).body.status).toBe('waiting');
    const good = await h.page('POST', `/approve/${token}`, { decision: 'approve', 'f.amount': '42', 'f.reason': 'budget' });
    expect(good.status).toBe(200);
    const run = await finishedRun(h.api, runId);
    expect(run.output).toEqual({ decision: 'approved', by: ['alice'], data: { amount: 42, reason: 'budget' } });
  });

  it('forged and expired links are refused with 403 and change nothing', async () => {
    const runId = await startRun(h.api, 'form');
    const approval = await openApprovalOf(h.api, runId);
    const forged = linkToken('some-other-secret-of-16+chars', approval.id, 'alice');
    const expired = linkToken(APPROVAL_SECRET, approval.id, 'alice', 0, -5);
    const [payload] = linkToken(APPROVAL_SECRET, approval.id, 'alice').split('.');
    const tampered = `${Buffer.from(JSON.stringify({ a: approval.id, p: 'mallory', l: 0, e: 9_999_999_999 })).toString('base64url')}.${linkToken(APPROVAL_SECRET, approval.id, 'alice').split('.')[1]}`;
    for (const token of [forged, expired, tampered, `${payload}.garbage`]) {
      const view = await h.page('GET', `/approve/${token}`);
      expect(view.status).toBe(403);
      expect((await h.page('POST', `/approve/${token}`, { decision: 'approve', 'f.amount': '5' })).status).toBe(403);
    }
    expect((await h.page('GET', `/approve/${expired}`)).text).toContain('expired');
    // Only the page takes form posts: the API still answers 415 to them.
    expect((await h.api('POST', '/api/v1/runs', 'namespace=test&name=form', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await h.api('GET', `/api/v1/approvals/${approval.id}`)).body).toMatchObject({ status: 'pending', decisions: [] });
    expect((await h.api('GET', `/api/v1/runs/${runId}`)).body.status).toBe('waiting');
    await h.api('POST', `/api/v1/runs/${runId}/cancel`);
    await finishedRun(h.api, runId);
    const cancelled = await until('the approval to be cancelled with its run', async () => {
      const a = await h.api('GET', `/api/v1/approvals/${approval.id}`);
      return a.body.status === 'cancelled' ? a.body : undefined;
    });
    expect(cancelled.status).toBe('cancelled');
  });

  it('a key restricted to another namespace neither sees nor decides the approval', async () => {
    const runId = await startRun(h.api, 'single', { service: 'ns' });
    const approval = await openApprovalOf(h.api, runId);
    const key = await h.api('POST', '/api/v1/keys', { name: 'other-team', role: 'user', namespace: 'other' });
    const as = (method: string, path: string, body?: unknown) =>
      fetch(`${h.baton.url}${path}`, { method, headers: { authorization: `Bearer ${key.body.secret}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    expect((await as('GET', `/api/v1/approvals/${approval.id}`)).status).toBe(403);
    expect((await as('POST', `/api/v1/approvals/${approval.id}/decision`, { decision: 'approve' })).status).toBe(403);
    expect((await as('GET', '/api/v1/approvals?status=pending')).body.items).toEqual([]);
    expect((await h.api('GET', `/api/v1/approvals/${approval.id}`)).body.decisions).toEqual([]);
    await h.api('POST', `/api/v1/runs/${runId}/cancel`);
  });

  it('invalid approval arguments are refused at registration with their path', async () => {
    const res = await h.api('POST', '/api/v1/workflows', approvalDoc('refused', { approvers: ['a', 'b'], quorum: 3, timeout: 'soon', onTimeout: 'escalate', notify: ['not a url'], approver: 'x' }));
    expect(res.status).toBe(422);
    const paths = res.body.problems.map((p: any) => p.path);
    for (const path of ['/do/0/review/with/quorum', '/do/0/review/with/timeout', '/do/0/review/with/onTimeout', '/do/0/review/with/notify/0', '/do/0/review/with/approver']) expect(paths).toContain(path);
    const missing = await h.api('POST', '/api/v1/workflows', approvalDoc('refused2', { title: 'no approvers' }));
    expect(missing.body.problems.map((p: any) => p.path)).toEqual(['/do/0/review/with/approvers']);
  });

  it('arguments that only turn out invalid at run time fail the task with a configuration error', async () => {
    const runId = await startRun(h.api, 'broken', { quorum: 3 });
    const run = await finishedRun(h.api, runId);
    expect(run.status).toBe('faulted');
    expect(run.error).toMatchObject({ type: 'https://serverlessworkflow.io/spec/1.0.0/errors/configuration', instance: '/do/0/review' });
    expect(run.error.detail).toContain('quorum 3');
  });
});
