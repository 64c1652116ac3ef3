// The rules of `call: approval:1.0.0@default`, shared by the workflow-runner (opening, deadlines)
// and the orchestrator (decisions): the `with:` schema, the form check and the outcome rule.
//
// Outcome rule (docs/APPROVALS.md): at the current level, the approval is
//   - approved as soon as `quorum` of its approvers approved;
//   - rejected as soon as one of them rejects (a veto). With a veto a quorum can only become
//     unreachable through a rejection, which already closes the approval; a quorum larger than
//     the level's approvers is refused when the approval is opened.
// An escalation level without its own quorum takes the step's, at most its approver count.
// A deadline closes it by `onTimeout` (approve, reject → timed_out, escalate → the next level,
// and past the last level → timed_out).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { BatonErrorTypes, ErrorTypes, isDeferred, parseDuration, valueErrorMessage, type ApprovalDecision, type ApprovalRecord, type ApprovalSpec, type ApprovalStatus, type EventDraft, type RunnerMessage, type WorkflowError } from '@baton/core';
import { re2RegExp } from '@baton/core/jq';
import { z } from 'zod';

export const ApprovalEventTypes = {
  requested: 'dev.baton.approval.requested.v1',
  notified: 'dev.baton.approval.notified.v1',
  viewed: 'dev.baton.approval.viewed.v1',
  decided: 'dev.baton.approval.decided.v1',
  escalated: 'dev.baton.approval.escalated.v1',
  timedOut: 'dev.baton.approval.timed-out.v1',
} as const;

/** A user id / email, or `group:<name>`; no whitespace. */
const approver = z.string().min(1).max(200).regex(/^\S+$/, 'an approver is a user id, an email or group:<name>, without spaces');
const duration = z.union([z.string(), z.record(z.string(), z.number())]).transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});
const notifyTarget = z.union([
  z.string().url(),
  z.strictObject({
    url: z.union([z.string().url(), z.custom<unknown>((v) => isDeferred(v), 'a URL or a ${ $secrets… } expression')]),
    format: z.enum(['json', 'slack']).optional(),
  }),
]);

export const ApprovalWith = z.strictObject({
  title: z.string().min(1).max(500).optional(),
  description: z.string().max(20_000).optional(),
  approvers: z.array(approver).min(1).max(100),
  quorum: z.number().int().min(1).optional(),
  form: z.record(z.string(), z.unknown()).optional(),
  timeout: duration.optional(),
  onTimeout: z.enum(['reject', 'approve', 'escalate']).optional(),
  escalation: z.array(z.strictObject({ approvers: z.array(approver).min(1).max(100), timeout: duration.optional(), quorum: z.number().int().min(1).optional() })).max(10).optional(),
  notify: z.array(notifyTarget).max(20).optional(),
  onReject: z.enum(['fail', 'continue']).optional(),
});

// `pattern` and `patternProperties` run on RE2 (linear time): form data is posted to a public
// page, and a backtracking RegExp let one request stall the process (`^(a+)+$`). A pattern RE2
// cannot run makes the form invalid, so the approval is refused when it opens.
const ajv = new Ajv({ allErrors: true, strict: false, code: { regExp: re2RegExp } });
const compiledForms = new Map<string, ValidateFunction>();

function compileForm(form: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(form);
  let validate = compiledForms.get(key);
  if (!validate) {
    validate = ajv.compile(form);
    if (compiledForms.size > 1000) compiledForms.clear();
    compiledForms.set(key, validate);
  }
  return validate;
}

/** The evaluated `with:` as an ApprovalSpec, or a message saying what is wrong with it. */
export function parseApprovalSpec(payload: unknown, taskName: string): { ok: true; spec: ApprovalSpec } | { ok: false; message: string } {
  const parsed = ApprovalWith.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, message: `invalid approval arguments at with.${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  const w = parsed.data;
  const levels = [{ approvers: w.approvers, quorum: w.quorum ?? 1, timeoutMs: w.timeout }, ...(w.escalation ?? []).map((e) => ({ approvers: e.approvers, quorum: e.quorum ?? Math.min(w.quorum ?? 1, e.approvers.length), timeoutMs: e.timeout }))];
  for (const [i, level] of levels.entries()) {
    if (new Set(level.approvers).size !== level.approvers.length) return { ok: false, message: `approvers of level ${i} contain duplicates` };
    if (level.quorum > level.approvers.length) return { ok: false, message: `quorum ${level.quorum} is larger than the ${level.approvers.length} approver(s) of level ${i}: it could never be reached` };
  }
  if (w.onTimeout === 'escalate' && levels.length < 2) return { ok: false, message: 'onTimeout: escalate needs an escalation list' };
  if (w.form !== undefined) {
    try {
      compileForm(w.form);
    } catch (error) {
      return { ok: false, message: `with.form is not a valid JSON Schema: ${(error as Error).message}` };
    }
  }
  const spec: ApprovalSpec = {
    title: w.title ?? taskName,
    levels: levels.map((l) => (l.timeoutMs === undefined ? { approvers: l.approvers, quorum: l.quorum } : { approvers: l.approvers, quorum: l.quorum, timeoutMs: l.timeoutMs })),
    onTimeout: w.onTimeout ?? (levels.length > 1 ? 'escalate' : 'reject'),
    onReject: w.onReject ?? 'fail',
    notify: (w.notify ?? []).map((n) => (typeof n === 'string' ? { url: n, format: 'json' as const } : { url: n.url, format: n.format ?? 'json' })),
  };
  if (w.description !== undefined) spec.description = w.description;
  if (w.form !== undefined) spec.form = w.form;
  return { ok: true, spec };
}

/** Problems of form data against the approval's form (JSON Pointers under `/data`). */
export function checkFormData(spec: ApprovalSpec, data: unknown): { path: string; message: string }[] {
  if (spec.form === undefined) return [];
  const validate = compileForm(spec.form);
  if (validate(data ?? {})) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => ({ path: `/data${e.instancePath}`, message: valueErrorMessage(e, data ?? {}) }));
}

export interface ApprovalOutput {
  decision: 'approved' | 'rejected' | 'timed_out';
  by: string[];
  comments: { by: string; comment: string }[];
  data: Record<string, unknown>;
  decidedAt: string;
  [more: string]: unknown;
}

/** The status the decisions at the current level lead to; 'pending' while undecided. */
export function outcomeOf(approval: Pick<ApprovalRecord, 'spec' | 'level'>, decisions: readonly ApprovalDecision[]): ApprovalStatus {
  const level = approval.spec.levels[approval.level];
  const current = decisions.filter((d) => d.level === approval.level);
  if (current.some((d) => d.decision === 'reject')) return 'rejected';
  if (level && current.filter((d) => d.decision === 'approve').length >= level.quorum) return 'approved';
  return 'pending';
}

/** The task output: who decided, their comments, the data they filled in (merged in decision order). */
export function outputOf(status: 'approved' | 'rejected' | 'timed_out', approval: Pick<ApprovalRecord, 'level'>, decisions: readonly ApprovalDecision[], decidedAt: string): ApprovalOutput {
  const current = decisions.filter((d) => d.level === approval.level);
  const deciding = status === 'approved' ? current.filter((d) => d.decision === 'approve') : status === 'rejected' ? current.filter((d) => d.decision === 'reject') : [];
  const data: Record<string, unknown> = {};
  for (const d of current) if (d.data !== null && typeof d.data === 'object' && !Array.isArray(d.data)) Object.assign(data, d.data);
  return {
    decision: status,
    by: deciding.map((d) => d.approver),
    comments: current.filter((d) => d.comment !== undefined && d.comment !== '').map((d) => ({ by: d.approver, comment: d.comment! })),
    data,
    decidedAt,
    level: approval.level,
  };
}

/**
 * The runner message that resolves the approval's attempt, carrying the audit entry that closed
 * the approval (`closing`): logged just before the result is applied, and stored with it so that
 * the sweeper's repair of a lost result logs it too.
 */
export function resultFor(approval: Pick<ApprovalRecord, 'runId' | 'attemptId' | 'spec' | 'reference'>, output: ApprovalOutput, closing: EventDraft): RunnerMessage {
  const base = { type: 'result' as const, runId: approval.runId, attemptId: approval.attemptId, events: [closing] };
  if (output.decision === 'approved' || approval.spec.onReject === 'continue') return { ...base, status: 'completed', output };
  return { ...base, status: 'failed', error: approvalError(approval.reference, output) };
}

function approvalError(reference: string, output: ApprovalOutput): WorkflowError {
  if (output.decision === 'timed_out') {
    return { type: ErrorTypes.timeout, status: 408, title: 'Approval timed out', detail: `no decision was made before the approval's deadline (level ${String(output.level)})`, instance: reference, approval: output };
  }
  const comment = output.comments.find((c) => output.by.includes(c.by));
  const detail = `rejected by ${output.by.join(', ')}${comment ? `: ${comment.comment}` : ''}`;
  return { type: BatonErrorTypes.approvalRejected, status: 403, title: 'Approval rejected', detail, instance: reference, approval: output };
}
