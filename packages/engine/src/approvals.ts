// The workflow-runner's side of human approvals (`call: approval:1.0.0@default`):
//   - openApproval: when a batch writes an approval attempt, the approval row is written in the
//     same transaction and the task message sent to the hitl-worker becomes an ApprovalNotice;
//   - applyApprovalDeadlines: `approval.deadline` messages (from the hitl-worker's schedule or
//     the sweeper) escalate or close the approval, under its row lock, in the batch transaction;
//   - approvalRepairs: what the sweeper sends again when Redis or a process lost it.
import { ErrorTypes, type ApprovalRecord, type ApprovalSpec, type FedBackInput, type LockedRun, type NewApproval, type RunnerMessage, type RunnerTx, type Store, type TaskMessage } from '@baton/core';
import { ApprovalEventTypes, outputOf, parseApprovalSpec, resultFor } from './approval-rules.ts';

/** What the hitl-worker receives on `tasks.approval` (the TaskMessage's payload is `{ approval }`). */
export interface ApprovalNotice {
  approvalId: string;
  runId: string;
  namespace: string;
  workflowName: string;
  taskName: string;
  title: string;
  description?: string;
  level: number;
  approvers: string[];
  quorum: number;
  /** Epoch ms. */
  deadlineAt?: number;
  notify: ApprovalSpec['notify'];
  /** Whether approvers fill in a form (the page shows it). */
  hasForm: boolean;
}

/** Deadlines may fire this much early (clocks of the hitl-worker and the runner differ). */
const DEADLINE_TOLERANCE_MS = 1_000;

export function noticeOf(approval: Pick<ApprovalRecord, 'id' | 'runId' | 'namespace' | 'workflowName' | 'taskName' | 'spec' | 'level' | 'approvers' | 'deadlineAt'>): ApprovalNotice {
  const level = approval.spec.levels[approval.level]!;
  const notice: ApprovalNotice = {
    approvalId: approval.id,
    runId: approval.runId,
    namespace: approval.namespace,
    workflowName: approval.workflowName,
    taskName: approval.taskName,
    title: approval.spec.title,
    level: approval.level,
    approvers: approval.approvers,
    quorum: level.quorum,
    notify: approval.spec.notify,
    hasForm: approval.spec.form !== undefined,
  };
  if (approval.spec.description !== undefined) notice.description = approval.spec.description;
  if (approval.deadlineAt !== undefined) notice.deadlineAt = approval.deadlineAt;
  return notice;
}

/**
 * Validates the task's `with:` and prepares the approval row; the message's payload becomes the
 * notice. An invalid `with:` fails the task with a configuration error instead (no attempt).
 */
export function openApproval(run: LockedRun, message: TaskMessage, now: number, approvals: NewApproval[]): FedBackInput | undefined {
  const parsed = parseApprovalSpec(message.payload, message.name);
  if (!parsed.ok) {
    return { type: 'task.failed', effectId: message.effectId, error: { type: ErrorTypes.configuration, status: 400, title: 'Invalid approval step', detail: parsed.message, instance: message.reference } };
  }
  const spec = parsed.spec;
  const first = spec.levels[0]!;
  const approval: NewApproval = {
    id: message.attemptId,
    runId: run.id,
    attemptId: message.attemptId,
    namespace: run.namespace,
    workflowName: run.name,
    taskName: message.name,
    reference: message.reference,
    spec,
    level: 0,
    approvers: first.approvers,
  };
  if (first.timeoutMs !== undefined) approval.deadlineAt = now + first.timeoutMs;
  approvals.push(approval);
  message.payload = { approval: noticeOf(approval) };
  return undefined;
}

export interface DeadlineOutcome {
  /** Notices for the hitl-worker (a new level to notify and schedule). */
  tasks: TaskMessage[];
  /** Audit events and results, enqueued after the commit. */
  runnerMessages: RunnerMessage[];
}

/** Applies the batch's `approval.deadline` messages; stale ones (decided, other level, early) are ignored. */
export async function applyApprovalDeadlines(tx: RunnerTx, messages: readonly RunnerMessage[], now: number): Promise<DeadlineOutcome> {
  const outcome: DeadlineOutcome = { tasks: [], runnerMessages: [] };
  const seen = new Set<string>();
  for (const message of messages) {
    if (message.type !== 'approval.deadline' || seen.has(`${message.approvalId}|${message.level}`)) continue;
    seen.add(`${message.approvalId}|${message.level}`);
    const approval = await tx.lockApproval(message.approvalId);
    if (!approval || approval.status !== 'pending' || approval.level !== message.level) continue;
    if (approval.deadlineAt === undefined || approval.deadlineAt > now + DEADLINE_TOLERANCE_MS) continue;
    const next = approval.spec.levels[approval.level + 1];
    if (approval.spec.onTimeout === 'escalate' && next) await escalate(tx, approval, now, outcome);
    else await timeOut(tx, approval, now, outcome);
  }
  return outcome;
}

async function escalate(tx: RunnerTx, approval: ApprovalRecord, now: number, outcome: DeadlineOutcome): Promise<void> {
  const level = approval.level + 1;
  const next = approval.spec.levels[level]!;
  const escalated: ApprovalRecord = { ...approval, level, approvers: next.approvers };
  delete escalated.deadlineAt;
  if (next.timeoutMs !== undefined) escalated.deadlineAt = now + next.timeoutMs;
  await tx.updateApproval({ id: approval.id, status: 'pending', level, approvers: next.approvers, ...(escalated.deadlineAt !== undefined && { deadlineAt: escalated.deadlineAt }) });
  const data: Record<string, unknown> = { approvalId: approval.id, fromLevel: approval.level, level, approvers: next.approvers, quorum: next.quorum };
  if (escalated.deadlineAt !== undefined) data.deadlineAt = new Date(escalated.deadlineAt).toISOString();
  outcome.runnerMessages.push({ type: 'events', runId: approval.runId, events: [{ type: ApprovalEventTypes.escalated, data }] });
  outcome.tasks.push(noticeTask(escalated));
}

async function timeOut(tx: RunnerTx, approval: ApprovalRecord, now: number, outcome: DeadlineOutcome): Promise<void> {
  const status = approval.spec.onTimeout === 'approve' ? 'approved' : 'timed_out';
  const output = outputOf(status, approval, approval.decisions, new Date(now).toISOString());
  const event = { type: ApprovalEventTypes.timedOut, data: { approvalId: approval.id, level: approval.level, onTimeout: approval.spec.onTimeout, status } };
  const result = resultFor(approval, output, event);
  await tx.updateApproval({ id: approval.id, status, level: approval.level, approvers: approval.approvers, outcome: output, result });
  outcome.runnerMessages.push(result);
}

/** The task message that tells the hitl-worker about the approval's current level. */
export function noticeTask(approval: ApprovalRecord): TaskMessage {
  const effectId = approval.attemptId.slice(approval.attemptId.lastIndexOf(':') + 1);
  return { attemptId: approval.attemptId, runId: approval.runId, effectId, kind: 'approval', namespace: approval.namespace, reference: approval.reference, name: approval.taskName, payload: { approval: noticeOf(approval) } };
}

/**
 * For the sweeper: deadlines Postgres knows have passed (Redis lost its schedule, or every
 * hitl-worker is down) and results of closed approvals that never reached the run (a process
 * died between its commit and its enqueue). Duplicates are harmless: deadlines are checked
 * against the row, results are applied once.
 */
export async function approvalRepairs(store: Store, now: number, graceMs = 5_000): Promise<RunnerMessage[]> {
  const [overdue, unresolved] = await Promise.all([store.overdueApprovals(now, graceMs, 500), store.unresolvedApprovals(graceMs, 500)]);
  return [
    ...overdue.map((a): RunnerMessage => ({ type: 'approval.deadline', runId: a.runId, approvalId: a.id, level: a.level })),
    ...unresolved.flatMap((a) => (a.result ? [a.result as RunnerMessage] : [])),
  ];
}
