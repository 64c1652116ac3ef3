// A person's decision on an approval, in one transaction under the approval's row lock: checks
// (open, approver of the current level, not decided yet, form data valid), the decision row,
// the outcome rule. The runner messages it causes (the audit event and, when the approval closed,
// the attempt's result) are outbox rows of the same transaction; the caller (the orchestrator)
// relays the returned copies after the commit, and the sweeper sends them if that fails.
import type { ApprovalDecision, ApprovalRecord, Bus, RunnerMessage, Store } from '@baton/core';
import { emptyRelay, runnerRows, send } from './outbox.ts';
import { ApprovalEventTypes, checkFormData, outcomeOf, outputOf, resultFor } from './approval-rules.ts';

export interface DecisionInput {
  approvalId: string;
  decision: 'approve' | 'reject';
  /** On whose behalf; may be omitted when the current level has exactly one approver. */
  approver?: string;
  comment?: string;
  data?: unknown;
  via: 'api' | 'link';
  actor?: string;
  /** A link is signed for one level: after an escalation it no longer applies. */
  level?: number;
  /** Throws to refuse the caller (e.g. an API key of another namespace), under the lock, before any check. */
  authorize?: (approval: ApprovalRecord) => void;
}

export type DecisionRefusal =
  | 'not-found'
  | 'closed'
  | 'approver-required'
  | 'not-an-approver'
  | 'already-decided'
  | 'level-changed'
  | 'invalid-data';

export type DecisionResult =
  | { ok: true; approval: ApprovalRecord; decision: ApprovalDecision; messages: RunnerMessage[] }
  | { ok: false; refusal: DecisionRefusal; detail: string; problems?: { path: string; message: string }[]; approval?: ApprovalRecord };

class Refused extends Error {
  constructor(
    readonly refusal: DecisionRefusal,
    detail: string,
    readonly problems?: { path: string; message: string }[],
  ) {
    super(detail);
  }
}

export async function decideApproval(store: Store, input: DecisionInput, now = Date.now()): Promise<DecisionResult> {
  const pending = emptyRelay();
  try {
    return await store.transaction(async (tx) => {
      const approval = await tx.lockApproval(input.approvalId);
      if (!approval) throw new Refused('not-found', `no approval ${input.approvalId}`);
      input.authorize?.(approval);
      const approver = checkDecision(approval, input);
      const decision: ApprovalDecision = { approvalId: approval.id, approver, level: approval.level, decision: input.decision, via: input.via, decidedAt: new Date(now).toISOString() };
      if (input.comment !== undefined && input.comment !== '') decision.comment = input.comment;
      if (input.data !== undefined) decision.data = input.data;
      if (input.actor !== undefined) decision.actor = input.actor;
      if (!(await tx.insertApprovalDecision(decision))) throw new Refused('already-decided', `${approver} has already decided on this approval; one person decides once`);
      const decisions = [...approval.decisions, decision];
      const status = outcomeOf(approval, decisions);
      const audit: Record<string, unknown> = { approvalId: approval.id, level: approval.level, approver, decision: input.decision, via: input.via, status };
      if (decision.comment !== undefined) audit.comment = decision.comment;
      if (decision.actor !== undefined) audit.actor = decision.actor;
      const decided = { type: ApprovalEventTypes.decided, data: audit };
      const messages: RunnerMessage[] = [];
      const after: ApprovalRecord = { ...approval, decisions, status };
      if (status !== 'pending') {
        const output = outputOf(status === 'approved' ? 'approved' : 'rejected', approval, decisions, decision.decidedAt);
        const result = resultFor(approval, output, decided);
        await tx.updateApproval({ id: approval.id, status, level: approval.level, approvers: approval.approvers, outcome: output, result });
        messages.push(result);
        after.outcome = output;
        after.result = result;
        delete after.deadlineAt;
      } else {
        messages.push({ type: 'events', runId: approval.runId, events: [decided] });
      }
      await tx.insertOutbox(runnerRows(messages, pending));
      return { ok: true as const, approval: after, decision, messages: pending.runner };
    });
  } catch (error) {
    if (error instanceof Refused) return { ok: false, refusal: error.refusal, detail: error.message, ...(error.problems && { problems: error.problems }) };
    throw error;
  }
}

/** The approver the decision counts for, or a refusal. */
function checkDecision(approval: ApprovalRecord, input: DecisionInput): string {
  if (approval.status !== 'pending') throw new Refused('closed', `approval ${approval.id} is closed (${approval.status}); decisions are no longer accepted`);
  if (input.level !== undefined && input.level !== approval.level) {
    throw new Refused('level-changed', `this approval was escalated (now level ${approval.level}); the link of level ${input.level} no longer applies`);
  }
  const only = approval.approvers.length === 1 ? approval.approvers[0] : undefined;
  const approver = input.approver ?? only;
  if (approver === undefined) throw new Refused('approver-required', `say on whose behalf you decide: "approver" must be one of ${approval.approvers.join(', ')}`);
  if (!approval.approvers.includes(approver)) throw new Refused('not-an-approver', `${approver} is not an approver of this approval at its current level (approvers: ${approval.approvers.join(', ')})`);
  if (approval.decisions.some((d) => d.approver === approver)) throw new Refused('already-decided', `${approver} has already decided on this approval; one person decides once`);
  if (input.decision === 'approve' || input.data !== undefined) {
    const problems = checkFormData(approval.spec, input.data);
    if (problems.length > 0) throw new Refused('invalid-data', `the form data is invalid: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems);
  }
  return approver;
}

/** Relays a decision's runner messages after the commit; if that fails the outbox sweeper sends them. */
export async function publishDecision(bus: Bus, messages: readonly RunnerMessage[]): Promise<void> {
  if (messages.length > 0) await send(bus, { tasks: [], events: [], runner: [...messages] }).catch(() => undefined);
}
