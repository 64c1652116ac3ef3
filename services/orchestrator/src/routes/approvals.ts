// Approvals (`call: approval:1.0.0@default`): list, read with the audit trail, decide.
// A decision is applied in one transaction under the approval's row lock (see
// packages/engine/src/approval-decisions.ts); its runner messages are enqueued after the commit.
import type { ApprovalRecord } from '@baton/core';
import { ApprovalEventTypes, decideApproval, publishDecision, type DecisionResult } from '@baton/engine';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../app.ts';
import { assertNamespace, listingNamespace, type Principal } from '../auth.ts';
import { ApiProblem, ProblemTypes, conflict, forbidden, notFound } from '../problems.ts';
import { defineRoute } from '../route-kit.ts';
import { unsafeIntegerIssue } from '../form-numbers.ts';
import { isStorableText, pointerUnder, UNSTORABLE_TEXT_MESSAGE } from '../storable.ts';

const text = () => z.string().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);
const APPROVAL_ID = /^[A-Za-z0-9._:-]{1,300}$/;
export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'timed_out', 'cancelled'] as const;

const ListApprovalsQuery = z.object({
  status: z.enum(APPROVAL_STATUSES).optional(),
  approver: text().min(1).max(200).optional(),
  namespace: text().min(1).optional(),
  runId: text().min(1).max(300).optional().describe("one run's approvals (a child run's approvals carry the child's id)"),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: text().min(1).optional(),
});
const ApprovalParams = z.object({ id: text().min(1) });
const DecisionBody = z
  .object({
    decision: z.enum(['approve', 'reject']),
    comment: text().max(5000).optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    approver: text().min(1).max(200).optional().describe('on whose behalf: one of the current level\'s approvers (may be omitted when there is only one)'),
  })
  .strict();

const DecisionSchema = z.object({
  approver: z.string(),
  level: z.number(),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().optional(),
  data: z.unknown().optional(),
  via: z.enum(['api', 'link']),
  actor: z.string().optional(),
  decidedAt: z.string(),
});
export const ApprovalSchema = z
  .object({
    id: z.string(),
    runId: z.string(),
    namespace: z.string(),
    workflow: z.string(),
    task: z.string(),
    reference: z.string(),
    title: z.string(),
    description: z.string().optional(),
    status: z.enum(APPROVAL_STATUSES),
    level: z.number(),
    approvers: z.array(z.string()),
    quorum: z.number(),
    deadlineAt: z.string().optional(),
    levels: z.array(z.object({ approvers: z.array(z.string()), quorum: z.number(), timeoutMs: z.number().optional() })),
    onTimeout: z.string(),
    onReject: z.string(),
    form: z.record(z.string(), z.unknown()).optional(),
    decisions: z.array(DecisionSchema),
    outcome: z.record(z.string(), z.unknown()).optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.string().optional(),
  })
  .meta({ id: 'Approval' });
const AuditEventSchema = z.object({ seq: z.number(), type: z.string(), time: z.string(), data: z.unknown() });
const ApprovalWithAuditSchema = ApprovalSchema.extend({ audit: z.array(AuditEventSchema) }).meta({ id: 'ApprovalWithAudit' });
const ApprovalPageSchema = z.object({ items: z.array(ApprovalSchema), nextCursor: z.string().optional() }).meta({ id: 'ApprovalPage' });

/** The API view: never the notify targets (webhook URLs are secrets). */
export function approvalView(a: ApprovalRecord): z.infer<typeof ApprovalSchema> {
  const level = a.spec.levels[a.level];
  const view: z.infer<typeof ApprovalSchema> = {
    id: a.id,
    runId: a.runId,
    namespace: a.namespace,
    workflow: a.workflowName,
    task: a.taskName,
    reference: a.reference,
    title: a.spec.title,
    status: a.status,
    level: a.level,
    approvers: a.approvers,
    quorum: level?.quorum ?? 1,
    levels: a.spec.levels,
    onTimeout: a.spec.onTimeout,
    onReject: a.spec.onReject,
    decisions: a.decisions.map(({ approvalId: _id, ...d }) => d),
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
  if (a.spec.description !== undefined) view.description = a.spec.description;
  if (a.deadlineAt !== undefined && a.status === 'pending') view.deadlineAt = new Date(a.deadlineAt).toISOString();
  if (a.spec.form !== undefined) view.form = a.spec.form;
  if (a.outcome !== undefined) view.outcome = a.outcome;
  if (a.closedAt !== undefined) view.closedAt = a.closedAt;
  return view;
}

export async function loadApproval(ctx: ApiContext, principal: Principal | undefined, id: string): Promise<ApprovalRecord> {
  const approval = APPROVAL_ID.test(id) ? await ctx.store.getApproval(id) : undefined;
  if (!approval) throw notFound(`no approval ${id}`);
  if (principal) assertNamespace(principal, approval.namespace);
  return approval;
}

/** The approval's events in its run's log (request, notifications, views, decisions, escalations, timeout). */
async function auditTrail(ctx: ApiContext, approval: ApprovalRecord): Promise<z.infer<typeof AuditEventSchema>[]> {
  const types = new Set<string>(Object.values(ApprovalEventTypes));
  const trail: z.infer<typeof AuditEventSchema>[] = [];
  let after = 0;
  for (let page = 0; page < 50; page += 1) {
    const events = await ctx.store.listEvents(approval.runId, after, 1000);
    for (const e of events) {
      if (types.has(e.type) && (e.data as { approvalId?: unknown } | null)?.approvalId === approval.id) trail.push({ seq: e.seq, type: e.type, time: e.time, data: e.data });
    }
    if (events.length < 1000) break;
    after = events[events.length - 1]!.seq;
  }
  return trail;
}

/** A refused decision as a problem; the run is untouched. */
export function refusalProblem(result: Extract<DecisionResult, { ok: false }>): ApiProblem {
  switch (result.refusal) {
    case 'not-found':
      return notFound(result.detail);
    case 'not-an-approver':
      return forbidden(result.detail);
    case 'approver-required':
      return new ApiProblem(400, ProblemTypes.badRequest, result.detail);
    case 'invalid-data':
      return new ApiProblem(422, ProblemTypes.validation, result.detail, { problems: (result.problems ?? []).map((p) => ({ ...p, path: `/body${p.path}` })) });
    default:
      return conflict(result.detail, { reason: result.refusal });
  }
}

/** Integers the form types as integer must be ones a JSON number holds exactly (form-numbers.ts). */
function assertExactNumbers(approval: ApprovalRecord, data: unknown): void {
  const issue = data === undefined ? undefined : unsafeIntegerIssue(approval.spec.form, data);
  if (!issue) return;
  const path = pointerUnder('body', ['data', ...issue.path]);
  throw new ApiProblem(422, ProblemTypes.validation, `the form data does not match the form: ${path} ${issue.message}`, { problems: [{ path, message: issue.message }] });
}

export function registerApprovalRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/approvals',
    summary: 'List approvals, newest first (filter by status, approver, namespace, run)',
    tag: 'approvals',
    auth: 'user',
    query: ListApprovalsQuery,
    responses: { 200: { description: 'a page of approvals', schema: ApprovalPageSchema }, 400: { description: 'bad filter, limit or cursor' }, 403: { description: 'the key is restricted to another namespace' } },
    handler: async ({ query, principal }) => {
      const namespace = listingNamespace(principal, query.namespace);
      const page = await ctx.store.listApprovals({ status: query.status, approver: query.approver, namespace, runId: query.runId, limit: query.limit, cursor: query.cursor });
      const items = page.items.map(approvalView);
      return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/approvals/:id',
    summary: 'One approval with its decisions and audit trail',
    tag: 'approvals',
    auth: 'user',
    params: ApprovalParams,
    responses: { 200: { description: 'the approval', schema: ApprovalWithAuditSchema }, 403: { description: 'the key is restricted to another namespace' }, 404: { description: 'no such approval' } },
    handler: async ({ params, principal }) => {
      const approval = await loadApproval(ctx, principal, params.id);
      return { ...approvalView(approval), audit: await auditTrail(ctx, approval) };
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'POST',
    url: '/api/v1/approvals/:id/decision',
    summary: 'Approve or reject on behalf of one of the current approvers',
    description: 'With an API key of the approval\'s namespace. `approver` names the approver the decision counts for (required when the current level has several). One decision per approver.',
    tag: 'approvals',
    auth: 'user',
    params: ApprovalParams,
    body: DecisionBody,
    responses: {
      200: { description: 'the decision was recorded; the approval as it stands (closed when the decision settled it)', schema: ApprovalSchema },
      400: { description: 'invalid body, or `approver` missing while the level has several approvers' },
      403: { description: 'not an approver of the current level, or the key is restricted to another namespace' },
      404: { description: 'no such approval' },
      409: { description: 'the approval is closed, or this approver has already decided (member `reason`)' },
      422: { description: 'the form data does not match the approval\'s form (`problems`)' },
    },
    handler: async ({ params, body, principal }) => {
      if (!APPROVAL_ID.test(params.id)) throw notFound(`no approval ${params.id}`);
      const result = await decideApproval(ctx.store, {
        approvalId: params.id,
        authorize: (approval) => {
          assertNamespace(principal, approval.namespace);
          assertExactNumbers(approval, body.data);
        },
        decision: body.decision,
        via: 'api',
        actor: `key:${principal.name}`,
        ...(body.approver !== undefined && { approver: body.approver }),
        ...(body.comment !== undefined && { comment: body.comment }),
        ...(body.data !== undefined && { data: body.data }),
      });
      if (!result.ok) throw refusalProblem(result);
      await publishDecision(ctx.bus, result.messages);
      return approvalView(result.approval);
    },
  });
}
