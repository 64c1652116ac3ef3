// What a batch writes: the decisions' effects turned into rows of one transaction. Effects
// outside PostgreSQL become outbox rows (outbox.ts) in the same transaction.
import { limitError, type Limits } from '@baton/core/interpreter';
import { ErrorTypes, type WorkflowError, type Decision, type ListenRecord, type ReplayedAttempt, type LockedRun, type NewApproval, type NewAttempt, type NewRun, type PublishedEvent, type RunUpdate, type RunnerMessage, type RunnerTx, type TaskMessage, type TimerRecord, type CloudEvent } from '@baton/core';
import { openApproval } from './approvals.ts';
import type { DefinitionCache } from './definitions.ts';
import { replayEffect, type Feedback, type ReplayLedger } from './replay.ts';

/** Child runs get ids derived from their parent, so a cancel can reach them without a lookup. */
export function childRunId(parentRunId: string, effectId: string): string {
  return `${parentRunId}.${effectId}`;
}

/** The top-level run of a run's tree (API-started run ids have no '.'). */
export function rootOf(runId: string): string {
  const dot = runId.indexOf('.');
  return dot < 0 ? runId : runId.slice(0, dot);
}

/** Nesting of a run: 0 for a run started through the API, one more per `run: workflow` level. */
export function depthOf(runId: string): number {
  let depth = 0;
  for (let i = runId.indexOf('.'); i >= 0; i = runId.indexOf('.', i + 1)) depth += 1;
  return depth;
}

/**
 * Counts one more run in the tree of `run`, or returns the error of the runsPerTree limit. Depth
 * and runs per run cannot stop a fork of self-calls (2^depth runs); a count per tree can.
 */
export function countTreeRun(run: LockedRun, writes: Writes, limits: Limits, instance: string): WorkflowError | undefined {
  const root = rootOf(run.id);
  const count = writes.treeRuns.get(root);
  if (count === undefined) return undefined; // counted for runs whose definition may start children
  if (count >= limits.runsPerTree) {
    return limitError('runsPerTree', limits.runsPerTree, `the run ${root} and the runs under it are ${(count + 1).toLocaleString('en-US')} runs already`, instance, run.namespace);
  }
  writes.treeRuns.set(root, count + 1);
  return undefined;
}

export interface Writes {
  updates: RunUpdate[];
  events: PublishedEvent[];
  attempts: NewAttempt[];
  /** Task messages of `attempts` (kinds handled by workers), in order. */
  tasks: TaskMessage[];
  cancelAttempts: string[];
  timers: TimerRecord[];
  deleteTimers: string[];
  listens: ListenRecord[];
  deleteListens: string[];
  childRuns: NewRun[];
  approvals: NewApproval[];
  /** Runs whose log grew without a decision (only their event seq changes). */
  seqOnly: { id: string; eventSeq: number }[];
  /** Runs the engine ended outside the interpreter: their timers, listens, attempts, children are released. */
  release: string[];
  /** Messages for the runner (outbox rows). */
  runner: RunnerMessage[];
  /** CloudEvents emitted by runs, with the emitting run's namespace (routed in the transaction). */
  emitted: { namespace: string; event: CloudEvent }[];
  /** Runs under each top-level run of the batch's runs that may start children (runsPerTree). */
  treeRuns: Map<string, number>;
  /** Held attempts a resume dispatches (status scheduled, payload as sent). */
  releaseAttempts: { id: string; payload: unknown }[];
  /** Runs that ended while suspended: what they still hold is cancelled. */
  dropHeld: string[];
  /** `suspend` / `resume` passed on to the live child runs of these runs. */
  cascade: { type: 'suspend' | 'resume'; parentRunId: string; reason: string }[];
  /** Reset runs: attempts that took a recorded outcome, and the ledger entries they consumed (replay.ts). */
  replayed: ReplayedAttempt[];
  consumed: { runId: string; ord: number; by: string }[];
  /** Attempts whose outcome a decision applied, with the log seq before it (task_attempts.applied_seq). */
  applied: { id: string; seq: number }[];
}

export function emptyWrites(): Writes {
  return { updates: [], events: [], attempts: [], tasks: [], cancelAttempts: [], timers: [], deleteTimers: [], listens: [], deleteListens: [], childRuns: [], approvals: [], seqOnly: [], release: [], runner: [], emitted: [], treeRuns: new Map(), releaseAttempts: [], dropHeld: [], cascade: [], replayed: [], consumed: [], applied: [] };
}

/**
 * Turns a decision's effects into writes; returns inputs to feed back to the run (failed lookups).
 * `hold` (the run is suspended): task attempts are written held — not dispatched, an approval not
 * opened, a child run not created (its record waits in the attempt's payload) — and a `continue`
 * is not sent (the state's `yielded` keeps it owed); resuming the run dispatches them (suspension.ts).
 * `ledger` (a reset run): an effect with a recorded outcome is replayed instead (replay.ts).
 */
export function applyEffects(definitions: DefinitionCache, now: number, run: LockedRun, decision: Decision, writes: Writes, limits: Limits, hold = false, ledger?: ReplayLedger): Feedback[] {
  const feedback: Feedback[] = [];
  for (const effect of decision.effects) {
    const key = `${run.id}:${'id' in effect ? effect.id : ''}`;
    const replay = replayEffect(ledger, effect, run.id, writes.replayed);
    if (replay !== undefined) {
      if (replay) feedback.push(replay);
      continue;
    }
    switch (effect.kind) {
      case 'task': {
        const message: TaskMessage = { attemptId: key, runId: run.id, effectId: effect.id, kind: effect.taskKind, namespace: run.namespace, reference: effect.reference, name: effect.name, payload: effect.payload };
        if (effect.timeoutMs !== undefined) message.timeoutMs = effect.timeoutMs;
        // A held approval is checked now (a bad `with:` fails the task at once) and opened on resume.
        const invalid = effect.taskKind !== 'approval' ? undefined : hold ? openApproval(run, { ...message }, now, []) : openApproval(run, message, now, writes.approvals);
        if (invalid) {
          feedback.push({ input: invalid });
          break;
        }
        writes.attempts.push({ id: key, runId: run.id, effectId: effect.id, kind: effect.taskKind, reference: effect.reference, payload: message, ...(hold && { held: true }) });
        if (!hold) writes.tasks.push(message);
        break;
      }
      case 'workflow': {
        const definition = definitions.peekByKey({ namespace: effect.namespace, name: effect.workflowName, version: effect.version })?.record;
        if (!definition) {
          const detail = `workflow ${effect.namespace}/${effect.workflowName}@${effect.version} is not registered`;
          feedback.push({ input: { type: 'task.failed', effectId: effect.id, error: { type: ErrorTypes.configuration, status: 404, title: 'Subflow not found', detail, instance: effect.reference } } });
          break;
        }
        const tooMany = countTreeRun(run, writes, limits, effect.reference);
        if (tooMany) {
          feedback.push({ input: { type: 'task.failed', effectId: effect.id, error: tooMany } });
          break;
        }
        const id = childRunId(run.id, effect.id);
        const child: NewRun = {
          id,
          definitionId: definition.id,
          namespace: definition.namespace,
          name: definition.name,
          version: definition.version,
          input: effect.input,
          parentRunId: run.id,
          parentEffectId: effect.id,
          trigger: { kind: 'workflow', parentRunId: run.id },
        };
        if (hold) {
          writes.attempts.push({ id: key, runId: run.id, effectId: effect.id, kind: 'workflow', reference: effect.reference, payload: { childRunId: id, held: child }, held: true });
          break;
        }
        writes.childRuns.push(child);
        writes.attempts.push({ id: key, runId: run.id, effectId: effect.id, kind: 'workflow', reference: effect.reference, payload: { childRunId: id } });
        writes.runner.push({ type: 'start', runId: id });
        break;
      }
      case 'timer':
        writes.timers.push({ id: key, runId: run.id, timerId: effect.id, fireAt: effect.fireAt });
        break;
      case 'cancelTimer':
        writes.deleteTimers.push(key);
        break;
      case 'cancelTask':
        // A child run is stopped too: write() sends it a cancel when the attempt was a subflow.
        writes.cancelAttempts.push(key);
        writes.deleteListens.push(key);
        break;
      case 'emit':
        writes.emitted.push({ namespace: run.namespace, event: effect.event });
        break;
      case 'listen':
        writes.listens.push({ id: key, runId: run.id, listenId: effect.id, filters: effect.filters });
        break;
      case 'unlisten':
        writes.deleteListens.push(key);
        break;
      case 'continue':
        if (!hold) writes.runner.push({ type: 'continue', runId: run.id, id: effect.id });
        break;
    }
  }
  return feedback;
}

/** Writes everything but the outbox rows; adds cancels for the child runs of subflow attempts it cancelled. */
export async function write(tx: RunnerTx, w: Writes): Promise<void> {
  // Child runs first: their rows exist before anything refers to them.
  if (w.childRuns.length) await tx.createRuns(w.childRuns);
  const events = w.events.map(({ runId, seq, id, type, time, data, key }) => ({ runId, seq, id, type, time, data, ...(key !== undefined && { key }) }));
  // Replayed attempts are written and applied in the same batch: they exist before the statement
  // that sets applied seqs (saveTransitions needs the attempts of `applied` written already).
  if (w.replayed.length) await tx.insertReplayedAttempts(w.replayed);
  if (w.consumed.length) await tx.consumeReplays(w.consumed);
  await tx.saveTransitions({ updates: w.updates, events, attempts: w.attempts, applied: w.applied });
  if (w.seqOnly.length) await tx.setEventSeqs(w.seqOnly);
  // Held attempts a resume dispatches, before any cancel of this batch can reach them.
  if (w.releaseAttempts.length) await tx.releaseAttempts(w.releaseAttempts);
  if (w.approvals.length) await tx.insertApprovals(w.approvals);
  const cancelled = w.cancelAttempts.length ? await tx.cancelAttempts(w.cancelAttempts) : [];
  if (w.timers.length) await tx.insertTimers(w.timers);
  if (w.deleteTimers.length) await tx.deleteTimers(w.deleteTimers);
  if (w.listens.length) await tx.insertListens(w.listens);
  if (w.deleteListens.length) await tx.deleteListens(w.deleteListens);
  const released = w.release.length ? await tx.releaseRuns(w.release) : [];
  if (w.dropHeld.length) await tx.cancelHeldAttempts(w.dropHeld);
  const cancelledIds = new Set(cancelled.map((a) => a.id));
  // A task created and cancelled within this batch (a lost fork branch) is never dispatched.
  if (cancelledIds.size > 0 || released.length > 0) {
    for (const a of released) cancelledIds.add(a.id);
    w.tasks = w.tasks.filter((t) => !cancelledIds.has(t.attemptId));
  }
  const childOf = (attemptId: string) => childRunId(attemptId.slice(0, attemptId.lastIndexOf(':')), attemptId.slice(attemptId.lastIndexOf(':') + 1));
  // A held child run was never created: nothing to cancel.
  for (const a of cancelled) if (a.kind === 'workflow' && !a.held) w.runner.push({ type: 'cancel', runId: childOf(a.id), reason: 'the parent task was cancelled' });
  for (const a of released) if (a.kind === 'workflow' && !a.held) w.runner.push({ type: 'cancel', runId: childOf(a.id), reason: 'the parent run ended' });
}
