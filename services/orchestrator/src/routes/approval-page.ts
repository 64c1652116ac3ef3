// GET/POST /approve/{token}: the page an approver reaches from a notification, without an API
// key. The token (signed by the hitl-worker with BATON_APPROVAL_SECRET, checked here) names the
// approval, the approver and the level. Refusals never touch the run: forged or expired → 403,
// already decided / closed / escalated → 409, unknown approval → 404, invalid form → 422.
import { Queues, type ApprovalRecord, type RunnerMessage } from '@baton/core';
import { ApprovalEventTypes, decideApproval, publishDecision, type DecisionResult } from '@baton/engine';
import { verifyApprovalLink, type LinkClaims } from '@baton/hitl-worker/tokens';
import { readEnv } from '@baton/runtime';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../app.ts';
import { approvalPage, formValues, messagePage } from '../approval-html.ts';
import { defineRoute } from '../route-kit.ts';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../storable.ts';

/** The all-in-one process passes its secret in the config; a service main reads the environment. */
export interface ApprovalLinkSettings {
  approvalSecret?: string;
}

// A wildcard, not `:token`: tokens are longer than the router's 100-character parameter limit.
const TokenParams = z.object({ '*': z.string().min(1).max(5000) });
// A U+0000 (%00) cannot be stored in the comment's text column: refused (400) before any work.
const PageBody = z.record(z.string(), z.string().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE)).optional();

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // The token is in the URL: never leak it to another origin.
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
};

function send(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.status(status).headers(HEADERS).send(html);
}

type Checked = { ok: true; claims: LinkClaims; approval: ApprovalRecord } | { ok: false; status: number; title: string; message: string };

async function check(ctx: ApiContext, secret: string | undefined, token: string): Promise<Checked> {
  if (!secret) return { ok: false, status: 503, title: 'Approval links are disabled', message: 'This Baton has no BATON_APPROVAL_SECRET: decide through the API instead.' };
  const verified = verifyApprovalLink(secret, token);
  if (!verified.ok) {
    const message = verified.reason === 'expired' ? 'This approval link has expired. Ask for a new one, or decide through the API.' : 'This approval link is not valid (it was altered or not issued by this Baton).';
    return { ok: false, status: 403, title: verified.reason === 'expired' ? 'Link expired' : 'Invalid link', message };
  }
  const approval = await ctx.store.getApproval(verified.claims.approvalId);
  if (!approval) return { ok: false, status: 404, title: 'Approval not found', message: 'This approval does not exist (any more).' };
  const closed = closedReason(approval, verified.claims);
  if (closed) return { ok: false, status: 409, title: 'Nothing to decide', message: closed };
  return { ok: true, claims: verified.claims, approval };
}

function closedReason(approval: ApprovalRecord, claims: LinkClaims): string | undefined {
  const mine = approval.decisions.find((d) => d.approver === claims.approver);
  if (mine) return `You (${claims.approver}) already decided: ${mine.decision === 'approve' ? 'approved' : 'rejected'} on ${new Date(mine.decidedAt).toUTCString()}. A link works once.`;
  if (approval.status !== 'pending') return `This approval is closed (${approval.status.replace('_', ' ')}); decisions are no longer accepted.`;
  if (approval.level !== claims.level) return 'This approval was escalated to other approvers; your link no longer applies.';
  return undefined;
}

function refusalPage(reply: FastifyReply, result: Extract<DecisionResult, { ok: false }>): FastifyReply {
  const status = result.refusal === 'not-found' ? 404 : result.refusal === 'not-an-approver' ? 403 : 409;
  return send(reply, status, messagePage(status === 409 ? 'Nothing to decide' : 'Refused', result.detail));
}

export function registerApprovalPageRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const secret = (ctx.config as ApprovalLinkSettings).approvalSecret ?? readEnv(process.env, 'BATON_APPROVAL_SECRET')?.trim();
  // Browsers post forms urlencoded. Only the page declares the type: every other route answers
  // 415 to it before this parser runs.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/approve/*',
    summary: 'The approval page of a signed link (HTML, no API key)',
    tag: 'approvals',
    auth: 'none',
    params: TokenParams,
    responses: { 200: { description: 'the request and its form', contentType: 'text/html' }, 403: { description: 'forged or expired link', contentType: 'text/html' }, 404: { description: 'unknown approval', contentType: 'text/html' }, 409: { description: 'already decided, closed or escalated', contentType: 'text/html' } },
    handler: async ({ reply, params }) => {
      const checked = await check(ctx, secret, params['*']);
      if (!checked.ok) return send(reply, checked.status, messagePage(checked.title, checked.message));
      const viewed: RunnerMessage = { type: 'events', runId: checked.approval.runId, events: [{ type: ApprovalEventTypes.viewed, data: { approvalId: checked.approval.id, level: checked.claims.level, approver: checked.claims.approver, via: 'link' } }] };
      await ctx.bus.enqueue(Queues.runner, [viewed]).catch(() => undefined); // the audit of a view is best effort
      return send(reply, 200, approvalPage(checked.approval, checked.claims.approver));
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'POST',
    url: '/approve/*',
    summary: 'Submit the approval page (application/x-www-form-urlencoded: decision, comment, f.<field>)',
    tag: 'approvals',
    auth: 'none',
    params: TokenParams,
    body: PageBody,
    bodyContent: { 'application/x-www-form-urlencoded': { type: 'object', additionalProperties: { type: 'string' }, description: 'decision (approve | reject), comment, f.<field>' } },
    bodyRequired: false,
    responses: { 200: { description: 'the decision was recorded', contentType: 'text/html' }, 403: { description: 'forged or expired link', contentType: 'text/html' }, 409: { description: 'already decided, closed or escalated', contentType: 'text/html' }, 422: { description: 'the form is invalid; the page again with the errors', contentType: 'text/html' } },
    handler: async ({ reply, params, body }) => {
      const checked = await check(ctx, secret, params['*']);
      if (!checked.ok) return send(reply, checked.status, messagePage(checked.title, checked.message));
      const fields = body ?? {};
      const decision = fields.decision === 'reject' ? 'reject' : fields.decision === 'approve' ? 'approve' : undefined;
      if (!decision) return send(reply, 422, approvalPage(checked.approval, checked.claims.approver, { values: fields, errors: ['choose Approve or Reject'] }));
      const comment = (fields.comment ?? '').trim().slice(0, 5000);
      const { data, errors: unreadable } = formValues(checked.approval.spec.form, fields);
      if (unreadable.length > 0) return send(reply, 422, approvalPage(checked.approval, checked.claims.approver, { values: fields, errors: unreadable, comment }));
      const result = await decideApproval(ctx.store, {
        approvalId: checked.approval.id,
        approver: checked.claims.approver,
        level: checked.claims.level,
        decision,
        via: 'link',
        ...(comment !== '' && { comment }),
        ...(Object.keys(data).length > 0 && { data }),
      });
      if (!result.ok && result.refusal === 'invalid-data') {
        const errors = (result.problems ?? []).map((p) => `${p.path.replace(/^\/data\/?/, '') || 'form'}: ${p.message}`);
        return send(reply, 422, approvalPage(checked.approval, checked.claims.approver, { values: fields, errors, comment }));
      }
      if (!result.ok) return refusalPage(reply, result);
      await publishDecision(ctx.bus, result.messages);
      const verdict = decision === 'approve' ? 'approved' : 'rejected';
      const state = result.approval.status === 'pending' ? 'The approval waits for other approvers.' : `The approval is now ${result.approval.status.replace('_', ' ')}.`;
      return send(reply, 200, messagePage('Thank you', `You ${verdict} "${checked.approval.spec.title}". ${state}`));
    },
  });
}
