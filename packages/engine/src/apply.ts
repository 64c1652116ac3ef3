// One runner batch: lock the runs the messages concern, drop duplicates, apply the interpreter,
// and write state, events and effects in ONE transaction. What must happen after the commit
// (queues, topic, routing of emitted events) is returned, never done here: a crash between the
// commit and the dispatch is repaired by the sweeper from the outbox (task_attempts).
import {
  BatonErrorTypes,
  ErrorTypes,
  TERMINAL_STATUSES,
  type CloudEvent,
  type Decision,
  type EventDraft,
  type Input,
  type ListenRecord,
  type LockedRun,
  type NewApproval,
  type NewAttempt,
  type NewRun,
  type RunEventRecord,
  type RunState,
  type RunUpdate,
  type RunnerMessage,
  type RunnerTx,
  type TaskMessage,
  type TimerRecord,
  type WorkflowError,
  type RuntimeDescriptor,
  type Store,
} from '@baton/core';
import { decide } from '@baton/core/interpreter';
import { applyApprovalDeadlines, openApproval } from './approvals.ts';
import { MissingDefinitions, type DefinitionCache } from './definitions.ts';

export interface ApplyDeps {
  store: Store;
  definitions: DefinitionCache;
  secrets: Record<string, unknown>;
  runtime: RuntimeDescriptor;
  clock: () => number;
  /** Called when a decision throws: the run is faulted instead of retried forever. */
  onDecideError?: (runId: string, error: unknown) => void;
}

/** A run event as published on the events topic. */
export interface PublishedEvent extends RunEventRecord {
  namespace: string;
  name: string;
  version: string;
}

export interface BatchOutcome {
  tasks: TaskMessage[];
  /** Attempts written in this batch (tasks and child runs), to mark dispatched after enqueueing. */
  attemptIds: string[];
  runnerMessages: RunnerMessage[];
  events: PublishedEvent[];
  emitted: CloudEvent[];
  finished: { runId: string; namespace: string; status: string }[];
  started: { runId: string; namespace: string }[];
  transitions: number;
  /** The earliest timer written in this batch, to wake the timer loop early. */
  nextTimerAt?: number;
}

/** Child runs get ids derived from their parent, so a cancel can reach them without a lookup. */
export function childRunId(parentRunId: string, effectId: string): string {
  return `${parentRunId}.${effectId}`;
}

interface Writes {
  updates: RunUpdate[];
  events: PublishedEvent[];
  attempts: NewAttempt[];
  cancelAttempts: string[];
  timers: TimerRecord[];
  deleteTimers: string[];
  listens: ListenRecord[];
  deleteListens: string[];
  childRuns: NewRun[];
  approvals: NewApproval[];
  /** Runs whose log grew without a decision (only their event seq changes). */
  seqOnly: { id: string; eventSeq: number }[];
}

export async function applyBatch(deps: ApplyDeps, messages: readonly RunnerMessage[]): Promise<BatchOutcome> {
  const byRun = new Map<string, RunnerMessage[]>();
  for (const message of messages) {
    const list = byRun.get(message.runId);
    if (list) list.push(message);
    else byRun.set(message.runId, [message]);
  }
  const startInputs = await loadStartInputs(deps, messages);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await deps.store.transaction((tx) => applyInTransaction(deps, tx, messages, byRun, startInputs));
    } catch (error) {
      // Definitions are loaded outside the transaction, then the batch is applied again.
      if (!(error instanceof MissingDefinitions) || attempt >= 3) throw error;
      await deps.definitions.load(error.ids, error.keys);
    }
  }
}

async function applyInTransaction(deps: ApplyDeps, tx: RunnerTx, messages: readonly RunnerMessage[], byRun: Map<string, RunnerMessage[]>, startInputs: Map<string, unknown>): Promise<BatchOutcome> {
  const locked = await tx.lockRuns([...byRun.keys()]);
  const missing = [...new Set(locked.map((run) => run.definitionId))].filter((id) => {
    try {
      deps.definitions.peek(id);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) throw new MissingDefinitions(missing, []);
  const fresh = await dedupe(tx, messages);
  const outcome: BatchOutcome = { tasks: [], attemptIds: [], runnerMessages: [], events: [], emitted: [], finished: [], started: [], transitions: 0 };
  const writes: Writes = { updates: [], events: outcome.events, attempts: [], cancelAttempts: [], timers: [], deleteTimers: [], listens: [], deleteListens: [], childRuns: [], approvals: [], seqOnly: [] };
  const deadlines = await applyApprovalDeadlines(tx, messages, deps.clock());
  outcome.tasks.push(...deadlines.tasks);
  outcome.runnerMessages.push(...deadlines.runnerMessages);
  for (const run of locked) {
    // In arrival order: an audit event sent before a result is logged before what the result causes.
    const steps = (byRun.get(run.id) ?? []).flatMap((m): Step[] => {
      if (!fresh.has(m) || m.type === 'approval.deadline') return [];
      return m.type === 'events' ? [{ append: m.events }] : [{ input: toInput(m, startInputs) }];
    });
    if (steps.length > 0) advanceRun(deps, run, steps, writes, outcome);
  }
  await write(tx, writes);
  outcome.attemptIds = writes.attempts.map((a) => a.id);
  for (const timer of writes.timers) outcome.nextTimerAt = Math.min(outcome.nextTimerAt ?? Infinity, timer.fireAt);
  if (writes.cancelAttempts.length > 0) {
    // A task created and cancelled within this batch (a lost fork branch) is never dispatched.
    const cancelled = new Set(writes.cancelAttempts);
    outcome.tasks = outcome.tasks.filter((t) => !cancelled.has(t.attemptId));
  }
  return outcome;
}

/** Inputs of runs to start, read before the transaction; their definitions are loaded too. */
async function loadStartInputs(deps: ApplyDeps, messages: readonly RunnerMessage[]): Promise<Map<string, unknown>> {
  const starts = messages.filter((m) => m.type === 'start').map((m) => m.runId);
  const runs = await Promise.all(starts.map((id) => deps.store.getRun(id)));
  const inputs = new Map<string, unknown>();
  const definitionIds = new Set<string>();
  for (const run of runs) {
    if (!run) continue;
    inputs.set(run.id, run.input);
    definitionIds.add(run.definitionId);
  }
  const unknown = [...definitionIds].filter((id) => {
    try {
      deps.definitions.peek(id);
      return false;
    } catch {
      return true;
    }
  });
  if (unknown.length > 0) await deps.definitions.load(unknown, []);
  return inputs;
}

/** The messages that have not been applied before (results and timers are applied once). */
async function dedupe(tx: RunnerTx, messages: readonly RunnerMessage[]): Promise<Set<RunnerMessage>> {
  const results = messages.filter((m): m is Extract<RunnerMessage, { type: 'result' }> => m.type === 'result');
  const timers = messages.filter((m): m is Extract<RunnerMessage, { type: 'timer' }> => m.type === 'timer');
  const [appliedResults, firedTimers] = await Promise.all([
    results.length === 0 ? [] : tx.completeAttempts(results.map((m) => (m.status === 'completed' ? { id: m.attemptId, status: 'completed' as const, result: m.output } : { id: m.attemptId, status: 'failed' as const, error: m.error }))),
    timers.length === 0 ? [] : tx.takeTimers(timers.map((m) => `${m.runId}:${m.timerId}`)),
  ]);
  const resultIds = new Set(appliedResults);
  const timerIds = new Set(firedTimers);
  const fresh = new Set<RunnerMessage>();
  for (const m of messages) {
    if (m.type === 'result' && !resultIds.has(m.attemptId)) continue;
    if (m.type === 'timer' && !timerIds.has(`${m.runId}:${m.timerId}`)) continue;
    // A result or timer id is unique, but the same message may appear twice in one batch.
    if (m.type === 'result') resultIds.delete(m.attemptId);
    if (m.type === 'timer') timerIds.delete(`${m.runId}:${m.timerId}`);
    fresh.add(m);
  }
  return fresh;
}

/** One thing to do to a run: decide on an input, or append events without a decision. */
type Step = { input: Input } | { append: EventDraft[] };

function toInput(message: Exclude<RunnerMessage, { type: 'events' | 'approval.deadline' }>, startInputs: Map<string, unknown>): Input {
  switch (message.type) {
    case 'start':
      return { type: 'start', input: startInputs.get(message.runId) ?? null };
    case 'result':
      return message.status === 'completed'
        ? { type: 'task.completed', effectId: effectIdOf(message.attemptId), output: message.output }
        : { type: 'task.failed', effectId: effectIdOf(message.attemptId), error: message.error };
    case 'timer':
      return { type: 'timer.fired', timerId: message.timerId };
    case 'cancel':
      return message.reason === undefined ? { type: 'cancel' } : { type: 'cancel', reason: message.reason };
    case 'event':
      return { type: 'event.received', listenId: message.listenId, event: message.event };
  }
}

function effectIdOf(attemptId: string): string {
  return attemptId.slice(attemptId.lastIndexOf(':') + 1);
}

function advanceRun(deps: ApplyDeps, run: LockedRun, steps: Step[], writes: Writes, outcome: BatchOutcome): void {
  const now = deps.clock();
  let state = run.state;
  let seq = run.eventSeq;
  let changed = false;
  const usage: Record<string, number> = {};
  const append = (type: string, data: unknown) => {
    seq += 1;
    writes.events.push({ runId: run.id, seq, id: `${run.id}.${seq}`, type, time: new Date(now).toISOString(), data, namespace: run.namespace, name: run.name, version: run.version });
  };
  const queue = [...steps];
  while (queue.length > 0) {
    const step = queue.shift()!;
    if ('append' in step) {
      // Appended events are logged even after the run ended (a late audit entry).
      for (const draft of step.append) append(draft.type, draft.data);
      continue;
    }
    const { input } = step;
    if (TERMINAL_STATUSES.has(state?.status ?? run.status)) continue;
    if (state && input.type === 'start') continue;
    if (!state && input.type !== 'start' && input.type !== 'cancel') continue;
    const decision = state || input.type === 'start' ? decideSafely(deps, run, state, input, now) : cancelBeforeStart(now);
    state = decision.state;
    changed = true;
    for (const [key, value] of Object.entries(decision.usage ?? {})) usage[key] = (usage[key] ?? 0) + value;
    outcome.transitions += 1;
    for (const draft of decision.events) append(draft.type, draft.data);
    for (const failure of applyEffects(deps, run, decision, writes, outcome)) queue.push({ input: failure });
  }
  if (!changed || !state) {
    if (seq !== run.eventSeq) writes.seqOnly.push({ id: run.id, eventSeq: seq });
    return;
  }
  const update: RunUpdate = { id: run.id, status: state.status, state, eventSeq: seq };
  if (Object.keys(usage).length > 0) update.usage = usage;
  if (run.status === 'pending' && state.status !== 'pending') {
    update.startedAt = new Date(now).toISOString();
    outcome.started.push({ runId: run.id, namespace: run.namespace });
  }
  if (TERMINAL_STATUSES.has(state.status)) {
    update.endedAt = new Date(now).toISOString();
    if (state.output !== undefined) update.output = state.output;
    if (state.error !== undefined) update.error = state.error;
    outcome.finished.push({ runId: run.id, namespace: run.namespace, status: state.status });
    if (run.parentRunId && run.parentEffectId) outcome.runnerMessages.push(resultForParent(run.parentRunId, run.parentEffectId, state));
  }
  writes.updates.push(update);
}

function decideSafely(deps: ApplyDeps, run: LockedRun, state: RunState | undefined, input: Input, now: number): Decision {
  const { compiled } = deps.definitions.peek(run.definitionId);
  try {
    return decide(compiled, state, input, { now, runId: run.id, namespace: run.namespace, runtime: deps.runtime });
  } catch (error) {
    // A decision that throws is a bug or a corrupt state; retrying would loop forever, so the
    // run is faulted with a runtime error that says what happened.
    deps.onDecideError?.(run.id, error);
    const detail = `the interpreter failed on ${input.type}: ${(error as Error).message}`;
    return {
      state: { ...(state ?? {}), status: 'faulted', error: { type: ErrorTypes.runtime, status: 500, title: 'Internal interpreter error', detail } },
      effects: [],
      events: [{ type: 'io.serverlessworkflow.workflow.faulted.v1', data: { name: run.name, faultedAt: new Date(now).toISOString(), error: { type: ErrorTypes.runtime, status: 500, detail } } }],
    };
  }
}

function cancelBeforeStart(now: number): Decision {
  const error: WorkflowError = { type: BatonErrorTypes.cancelled, status: 499, title: 'Cancelled', detail: 'the run was cancelled before it started' };
  return {
    state: { status: 'cancelled', error },
    effects: [],
    events: [{ type: 'io.serverlessworkflow.workflow.cancelled.v1', data: { cancelledAt: new Date(now).toISOString() } }],
  };
}

function resultForParent(parentRunId: string, parentEffectId: string, state: RunState): RunnerMessage {
  const attemptId = `${parentRunId}:${parentEffectId}`;
  if (state.status === 'completed') return { type: 'result', runId: parentRunId, attemptId, status: 'completed', output: state.output ?? null };
  const error = state.error ?? { type: BatonErrorTypes.cancelled, status: 499, title: 'Subflow cancelled' };
  return { type: 'result', runId: parentRunId, attemptId, status: 'failed', error };
}

/** Turns effects into writes and post-commit work; returns inputs to feed back (failed lookups). */
function applyEffects(deps: ApplyDeps, run: LockedRun, decision: Decision, writes: Writes, outcome: BatchOutcome): Input[] {
  const feedback: Input[] = [];
  for (const effect of decision.effects) {
    const key = `${run.id}:${'id' in effect ? effect.id : ''}`;
    switch (effect.kind) {
      case 'task': {
        const message: TaskMessage = { attemptId: key, runId: run.id, effectId: effect.id, kind: effect.taskKind, namespace: run.namespace, reference: effect.reference, name: effect.name, payload: effect.payload };
        if (effect.timeoutMs !== undefined) message.timeoutMs = effect.timeoutMs;
        const invalid = effect.taskKind === 'approval' ? openApproval(run, message, deps.clock(), writes.approvals) : undefined;
        if (invalid) {
          feedback.push(invalid);
          break;
        }
        writes.attempts.push({ id: key, runId: run.id, effectId: effect.id, kind: effect.taskKind, reference: effect.reference, payload: message });
        outcome.tasks.push(message);
        break;
      }
      case 'workflow': {
        const definition = deps.definitions.peekByKey({ namespace: effect.namespace, name: effect.workflowName, version: effect.version })?.record;
        if (!definition) {
          const detail = `workflow ${effect.namespace}/${effect.workflowName}@${effect.version} is not registered`;
          feedback.push({ type: 'task.failed', effectId: effect.id, error: { type: ErrorTypes.configuration, status: 404, title: 'Subflow not found', detail, instance: effect.reference } });
          break;
        }
        const id = childRunId(run.id, effect.id);
        writes.childRuns.push({ id, definitionId: definition.id, namespace: definition.namespace, name: definition.name, version: definition.version, input: effect.input, parentRunId: run.id, parentEffectId: effect.id });
        writes.attempts.push({ id: key, runId: run.id, effectId: effect.id, kind: 'workflow', reference: effect.reference, payload: { childRunId: id } });
        outcome.runnerMessages.push({ type: 'start', runId: id });
        break;
      }
      case 'timer':
        writes.timers.push({ id: key, runId: run.id, timerId: effect.id, fireAt: effect.fireAt });
        break;
      case 'cancelTimer':
        writes.deleteTimers.push(key);
        break;
      case 'cancelTask':
        writes.cancelAttempts.push(key);
        writes.deleteListens.push(key);
        // If the task was a child run, stop it too (unknown run ids are ignored by the runner).
        outcome.runnerMessages.push({ type: 'cancel', runId: childRunId(run.id, effect.id), reason: 'the parent task was cancelled' });
        break;
      case 'emit':
        outcome.emitted.push(effect.event);
        break;
      case 'listen':
        writes.listens.push({ id: key, runId: run.id, listenId: effect.id, filters: effect.filters });
        break;
      case 'unlisten':
        writes.deleteListens.push(key);
        break;
    }
  }
  return feedback;
}

async function write(tx: RunnerTx, w: Writes): Promise<void> {
  // Child runs first: their rows exist before anything refers to them.
  if (w.childRuns.length) await tx.createRuns(w.childRuns);
  if (w.updates.length) await tx.saveRuns(w.updates);
  if (w.seqOnly.length) await tx.setEventSeqs(w.seqOnly);
  if (w.events.length) await tx.appendEvents(w.events.map(({ runId, seq, id, type, time, data }) => ({ runId, seq, id, type, time, data })));
  if (w.attempts.length) await tx.insertAttempts(w.attempts);
  if (w.approvals.length) await tx.insertApprovals(w.approvals);
  if (w.cancelAttempts.length) await tx.cancelAttempts(w.cancelAttempts);
  if (w.timers.length) await tx.insertTimers(w.timers);
  if (w.deleteTimers.length) await tx.deleteTimers(w.deleteTimers);
  if (w.listens.length) await tx.insertListens(w.listens);
  if (w.deleteListens.length) await tx.deleteListens(w.deleteListens);
}
