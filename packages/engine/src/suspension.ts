// Suspend and resume (docs/OPERATIONS.md). A suspended run goes on deciding — results of tasks in
// flight, timers, events and approval decisions still reach it — but dispatches nothing new: the
// task attempts, child runs and approvals it decides are written `held` (effects.ts, `hold`), and
// a `continue` it owes is not sent (its state's `yielded` keeps it). Resuming dispatches them, in
// effect order, in the transaction that writes the run's `resumed` event:
//   http / agent   the attempt becomes scheduled and goes into the batch's relay row
//   approval       the approval is opened now (its deadline counts from now) and its notice sent
//   workflow       the child run is created now (runsPerTree checked again) and its start sent
// A run suspended before its first decision is started on resume. Both messages are idempotent by
// the run's status and are passed on to the run's live child runs (writes.cascade).
import type { HeldAttempt, Input, LockedRun, NewRun, RunState, TaskMessage } from '@baton/core';
import { LifecycleTypes, qualifiedRunName, type Limits } from '@baton/core/interpreter';
import { openApproval } from './approvals.ts';
import { countTreeRun, type Writes } from './effects.ts';

/** A `suspend` or `resume` message, as one step of a run's batch. */
export interface Control {
  control: 'suspend' | 'resume';
  reason?: string;
}

/** The lifecycle event of a suspend or resume (dsl-reference.md, "Workflow Suspended Event"). */
export function controlEvent(run: LockedRun, step: Control, now: number): { type: string; data: Record<string, unknown> } {
  const name = qualifiedRunName(run.name, run.id, run.namespace);
  const at = new Date(now).toISOString();
  const reason = step.reason === undefined ? {} : { reason: step.reason };
  return step.control === 'suspend'
    ? { type: LifecycleTypes.workflowSuspended, data: { name, suspendedAt: at, ...reason } }
    : { type: LifecycleTypes.workflowResumed, data: { name, resumedAt: at, ...reason } };
}

/** What a child run is told when its parent is suspended or resumed. */
export function cascadeReason(control: Control['control'], parentRunId: string): string {
  return `the parent run ${parentRunId} was ${control === 'suspend' ? 'suspended' : 'resumed'}`;
}

/**
 * Dispatches what a run held: the held attempts read from the database (`stored`, in effect order)
 * and those written held earlier in this batch. Attempts this batch already cancels stay as they
 * are. Returns inputs for the run (a child run refused by runsPerTree fails its task).
 */
export function releaseHeld(run: LockedRun, stored: readonly HeldAttempt[], state: RunState | undefined, writes: Writes, now: number, limits: Limits): Input[] {
  const feedback: Input[] = [];
  const cancelled = new Set(writes.cancelAttempts);
  for (const attempt of stored) {
    if (cancelled.has(attempt.id)) continue;
    const payload = dispatch(run, attempt, writes, now, limits, feedback);
    if (payload !== undefined) writes.releaseAttempts.push({ id: attempt.id, payload });
  }
  for (const attempt of writes.attempts) {
    if (!attempt.held || attempt.runId !== run.id || cancelled.has(attempt.id)) continue;
    const payload = dispatch(run, attempt, writes, now, limits, feedback);
    if (payload === undefined) continue;
    attempt.payload = payload;
    delete attempt.held;
  }
  // A run suspended before it started starts now; a decision that yielded goes on.
  if (state === undefined) writes.runner.push({ type: 'start', runId: run.id });
  else if (state.yielded !== undefined) writes.runner.push({ type: 'continue', runId: run.id, id: state.yielded });
  return feedback;
}

/**
 * The writes that dispatch one held attempt; returns its payload as dispatched, or undefined when
 * it cannot be: the attempt stays held, is cancelled, and its task fails with the reason.
 */
function dispatch(run: LockedRun, attempt: Pick<HeldAttempt, 'id' | 'effectId' | 'kind' | 'reference' | 'payload'>, writes: Writes, now: number, limits: Limits, feedback: Input[]): unknown {
  const refuse = (input: Input) => {
    writes.cancelAttempts.push(attempt.id);
    feedback.push(input);
    return undefined;
  };
  if (attempt.kind === 'workflow') {
    const { childRunId, held } = attempt.payload as { childRunId: string; held: NewRun };
    const tooMany = countTreeRun(run, writes, limits, attempt.reference);
    if (tooMany) return refuse({ type: 'task.failed', effectId: attempt.effectId, error: tooMany });
    writes.childRuns.push(held);
    writes.runner.push({ type: 'start', runId: childRunId });
    return { childRunId };
  }
  const message = { ...(attempt.payload as TaskMessage) };
  if (attempt.kind === 'approval') {
    const invalid = openApproval(run, message, now, writes.approvals);
    if (invalid) return refuse(invalid);
  }
  writes.tasks.push(message);
  return message;
}
