// Lifecycle event drafts (dsl-reference.md, "Lifecycle Events"). The runtime wraps them in a
// CloudEvent envelope. Data stays small: references and names, never whole definitions.
import type { WorkflowError } from '../errors.ts';
import type { CompiledWorkflow } from './compile.ts';
import type { EventDraft } from './types.ts';

const WORKFLOW = 'io.serverlessworkflow.workflow';
const TASK = 'io.serverlessworkflow.task';

export const LifecycleTypes = {
  workflowStarted: `${WORKFLOW}.started.v1`,
  workflowCompleted: `${WORKFLOW}.completed.v1`,
  workflowFaulted: `${WORKFLOW}.faulted.v1`,
  workflowCancelled: `${WORKFLOW}.cancelled.v1`,
  workflowSuspended: `${WORKFLOW}.suspended.v1`,
  workflowResumed: `${WORKFLOW}.resumed.v1`,
  taskCreated: `${TASK}.created.v1`,
  taskStarted: `${TASK}.started.v1`,
  taskCompleted: `${TASK}.completed.v1`,
  taskFaulted: `${TASK}.faulted.v1`,
  taskCancelled: `${TASK}.cancelled.v1`,
  taskRetried: `${TASK}.retried.v1`,
} as const;

let lastMs = Number.NaN;
let lastIso = '';
/**
 * The ISO 8601 text of a time in ms. The events of one decision all carry its one `now`: the last
 * text is kept, so a decision formats its time once instead of once per event (new Date +
 * toISOString were 1.4 % of the runner's CPU in the sequential peer workload, V8 profile).
 */
export function iso(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

/** The spec's "qualified name" of a workflow instance: `{name}-{runId}.{namespace}`. */
export function qualifiedName(wf: CompiledWorkflow, runId: string): string {
  return qualifiedRunName(wf.definition.name, runId, wf.definition.namespace);
}

/** qualifiedName from a run's names (for events the runtime writes: suspended, resumed). */
export function qualifiedRunName(name: string, runId: string, namespace: string): string {
  return `${name}-${runId}.${namespace}`;
}

export function workflowStarted(wf: CompiledWorkflow, runId: string, now: number): EventDraft {
  return { type: LifecycleTypes.workflowStarted, data: { name: qualifiedName(wf, runId), definition: wf.definition, startedAt: iso(now) } };
}

export function workflowCompleted(wf: CompiledWorkflow, runId: string, now: number, output: unknown): EventDraft {
  return { type: LifecycleTypes.workflowCompleted, data: { name: qualifiedName(wf, runId), completedAt: iso(now), output } };
}

export function workflowFaulted(wf: CompiledWorkflow, runId: string, now: number, error: WorkflowError): EventDraft {
  return { type: LifecycleTypes.workflowFaulted, data: { name: qualifiedName(wf, runId), faultedAt: iso(now), error } };
}

export function workflowCancelled(wf: CompiledWorkflow, runId: string, now: number, reason?: string): EventDraft {
  return { type: LifecycleTypes.workflowCancelled, data: { name: qualifiedName(wf, runId), cancelledAt: iso(now), ...(reason !== undefined ? { reason } : {}) } };
}

type TaskPhase = 'created' | 'started' | 'completed' | 'faulted' | 'cancelled' | 'retried';
const TASK_TYPES: Record<TaskPhase, string> = {
  created: LifecycleTypes.taskCreated,
  started: LifecycleTypes.taskStarted,
  completed: LifecycleTypes.taskCompleted,
  faulted: LifecycleTypes.taskFaulted,
  cancelled: LifecycleTypes.taskCancelled,
  retried: LifecycleTypes.taskRetried,
};

/** A task event: `{ workflow, task, name, <phase>At, … }` (`name` is Baton's addition: the task's name). */
export function taskEvent(phase: TaskPhase, workflow: string, task: { ref: string; name: string }, now: number, extra?: Record<string, unknown>): EventDraft {
  return { type: TASK_TYPES[phase], data: { workflow, task: task.ref, name: task.name, [`${phase}At`]: iso(now), ...extra } };
}

export function dateTimeDescriptor(ms: number) {
  return { iso8601: iso(ms), epoch: { seconds: Math.floor(ms / 1000), milliseconds: ms } };
}
