// Reset from a step (docs/OPERATIONS.md "Reset"): a reset run carries a replay ledger — the
// original run's recorded outcomes before the task it resets from — and the runner takes an entry
// instead of executing an effect that matches it (packages/engine/src/replay.ts).
//
// Glossary
//   ledger       a reset run's replay entries (table run_replays), written with the run
//   entry        one recorded outcome the reset run may take once: a task attempt's result or
//                error, a child run's result, or one elapsed timer of a wait task or retry delay
//   match        what an effect must equal to take an entry, besides its kind and reference:
//                canonical JSON of a task's payload, of a child run's input, or the timer's wait kind
//   boundary     the seq of the original's task.started event of the task the reset starts from;
//                outcomes applied before it (attempt applied_seq < boundary) are in the ledger
import type { WorkflowError } from '../errors.ts';

/** What a reset run records about its origin (runs.reset_of). `from` is the resolved task pointer. */
export interface ResetOf {
  runId: string;
  from: string;
}

export type ReplayKind = 'task' | 'workflow' | 'timer';

export type ReplayOutcome = { status: 'completed'; result: unknown } | { status: 'failed'; error: WorkflowError };

export interface NewReplayEntry {
  /** Position in the original's order (attempts by creation, then timers); consumed in this order. */
  ord: number;
  kind: ReplayKind;
  reference: string;
  match: string;
  /** The original's attempt (task, workflow); none for a timer. */
  sourceAttemptId?: string;
  /** The recorded outcome (task, workflow); none for a timer. */
  outcome?: ReplayOutcome;
}

export interface ReplayEntry extends NewReplayEntry {
  runId: string;
}

/** An attempt of a reset run that took a recorded outcome instead of being dispatched. */
export interface ReplayedAttempt {
  id: string;
  runId: string;
  effectId: string;
  kind: 'http' | 'agent' | 'approval' | 'workflow';
  reference: string;
  payload: unknown;
  outcome: ReplayOutcome;
  /** The original's attempt id. */
  replayedFrom: string;
}

/** The replay statements of a runner batch (part of RunnerTx). */
export interface ReplayTx {
  /** Entries not consumed yet of these runs, by run and ord. */
  openReplays(runIds: readonly string[]): Promise<ReplayEntry[]>;
  /** Marks entries consumed by an attempt or timer id of the reset run. */
  consumeReplays(consumed: readonly { runId: string; ord: number; by: string }[]): Promise<void>;
  /** Attempts written completed / failed with a recorded outcome. */
  insertReplayedAttempts(attempts: readonly ReplayedAttempt[]): Promise<void>;
  /** The log seq before the decision that applied each attempt's outcome (task_attempts.applied_seq). */
  setAppliedSeqs(applied: readonly { id: string; seq: number }[]): Promise<void>;
}
