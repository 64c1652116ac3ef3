// Decisions a batch makes for a run (apply.ts advanceRun): the interpreter's, guarded (a definition
// that no longer compiles, an interpreter that throws: the run is faulted, not retried for ever),
// and the ones the engine makes without it — a fault raised outside the interpreter, a cancel
// before the run's first decision.
import { BatonErrorTypes, ErrorTypes, type Decision, type EventDraft, type Input, type LockedRun, type RunState, type WorkflowError } from '@baton/core';
import { LifecycleTypes, decide, type Limits } from '@baton/core/interpreter';
import type { ApplyDeps } from './apply.ts';
import { depthOf, type Writes } from './effects.ts';

/** The clock a decision reads to know when to yield (limits.decisionMs), and a batch its budget. */
export const monotonic = () => performance.now();

/** The interpreter's decision; a fault when the definition no longer compiles or the interpreter throws. */
export function decideSafely(deps: ApplyDeps, run: LockedRun, state: RunState | undefined, input: Input, now: number, writes: Writes, budget: { limits: Limits; eventsSoFar: number }): Decision {
  const cached = deps.definitions.peek(run.definitionId);
  if ('broken' in cached) {
    const detail = `the workflow definition ${run.namespace}/${run.name}@${run.version} can no longer be compiled: ${cached.broken}`;
    return engineFault(run, state, { type: ErrorTypes.configuration, status: 500, title: 'Workflow definition does not compile', detail }, now, writes);
  }
  try {
    return decide(cached.compiled, state, input, { now, runId: run.id, namespace: run.namespace, runtime: deps.runtime, limits: budget.limits, depth: depthOf(run.id), eventsSoFar: budget.eventsSoFar, clock: monotonic });
  } catch (error) {
    // A decision that throws is a bug or a corrupt state; retrying would loop forever, so the
    // run is faulted with a runtime error that says what happened.
    deps.onDecideError?.(run.id, error);
    const detail = `the interpreter failed on ${input.type}: ${(error as Error).message}`;
    return engineFault(run, state, { type: ErrorTypes.runtime, status: 500, title: 'Internal interpreter error', detail }, now, writes);
  }
}

/**
 * The run ends faulted outside the interpreter. Its state may be unreadable, so what it still
 * holds is released from the tables (write() → releaseRuns): timers, listens, scheduled attempts
 * and approvals, child runs — the same cleanup an interpreter fault does through its effects.
 */
export function engineFault(run: LockedRun, state: RunState | undefined, error: WorkflowError, now: number, writes: Writes): Decision {
  writes.release.push(run.id);
  const faultedAt = new Date(now).toISOString();
  return {
    state: { ...(state ?? {}), status: 'faulted', error },
    effects: [],
    events: [engineFaultedEvent(run, faultedAt, error)],
  };
}

/** The workflow.faulted event of a fault the engine raises outside the interpreter. */
export function engineFaultedEvent(run: Pick<LockedRun, 'name'>, faultedAt: string, error: WorkflowError): EventDraft {
  return { type: LifecycleTypes.workflowFaulted, data: { name: run.name, faultedAt, error } };
}

export function cancelBeforeStart(now: number, reason?: string): Decision {
  const error: WorkflowError = { type: BatonErrorTypes.cancelled, status: 499, title: 'Cancelled', detail: reason === undefined ? 'the run was cancelled before it started' : `the run was cancelled before it started: ${reason}` };
  return {
    state: { status: 'cancelled', error },
    effects: [],
    events: [{ type: 'io.serverlessworkflow.workflow.cancelled.v1', data: { cancelledAt: new Date(now).toISOString(), ...(reason !== undefined && { reason }) } }],
  };
}
