// Messages carried on the Bus queues (validated at each consumer).
import type { WorkflowError } from '../errors.ts';
import type { CloudEvent, EventDraft, Input, RunStatus, TaskKind } from '../interpreter/types.ts';
import type { DeferredAttempt, TaskRateLimits } from './rate-limits.ts';
import type { LockedRun } from './runner-tx.ts';

/** On queue `tasks.<kind>`: one task attempt for a worker. */
export interface TaskMessage {
  /** `${runId}:${effectId}`; also the HTTP Idempotency-Key. */
  attemptId: string;
  runId: string;
  effectId: string;
  kind: TaskKind;
  namespace: string;
  /** JSON pointer of the task in the definition. */
  reference: string;
  name: string;
  /** The task's evaluated arguments (may contain DeferredExpression objects). */
  payload: unknown;
  timeoutMs?: number;
  /** The run's span (W3C traceparent), stamped by the runner as it sends the message when tracing is on (@baton/tracing). */
  traceparent?: string;
  /** Rate limits the worker applies (ports/rate-limits.ts); absent when the namespace has none and the task names none. */
  rateLimit?: TaskRateLimits;
}

/**
 * On queue `runner`: everything that advances a run. A message relayed from the outbox carries
 * the row's `outboxId`: the transaction that applies it deletes the row, and a copy whose row is
 * already gone is a duplicate (dropped). Messages without one are deduplicated by what they name
 * (a result by its attempt, appended events by their keys) or are idempotent by the run's state.
 */
export type RunnerMessage = RunnerMessageBody & { outboxId?: string };

export type RunnerMessageBody =
  | { type: 'start'; runId: string }
  /**
   * A task's outcome. `events` (an approval's audit entry that closed it…) are appended just before
   * the outcome is applied, in the same transaction — and only if the outcome is new: two messages
   * could reach two runners and be applied in either order.
   */
  | { type: 'result'; runId: string; attemptId: string; status: 'completed'; output: unknown; events?: EventDraft[] }
  | { type: 'result'; runId: string; attemptId: string; status: 'failed'; error: WorkflowError; events?: EventDraft[] }
  | { type: 'timer'; runId: string; timerId: string }
  | { type: 'cancel'; runId: string; reason?: string }
  /**
   * An operator suspends the run: it dispatches nothing new (task attempts, child runs and
   * approvals it decides are held) until `resume`, which dispatches what was held, in order.
   * Idempotent by the run's status; passed on to its live child runs.
   */
  | { type: 'suspend'; runId: string; reason?: string }
  | { type: 'resume'; runId: string; reason?: string }
  | { type: 'event'; runId: string; listenId: string; event: CloudEvent }
  /**
   * Events to append to the run's log without a decision (approval audit trail, agent token
   * chunks…). The runner is the log's only writer: it appends them under the run lock with the
   * next seqs, even after the run ended. Types are Baton's own (`dev.baton.*`). A draft with a
   * `key` is appended once per run and key, however often the message is delivered.
   */
  | { type: 'events'; runId: string; events: EventDraft[] }
  /** An approval's deadline at `level` passed (from the hitl-worker's schedule or the sweeper). */
  | { type: 'approval.deadline'; runId: string; approvalId: string; level: number }
  /** The run's last decision yielded (its step budget ran out): go on where it stopped. `id` is the owed continue's. */
  | { type: 'continue'; runId: string; id?: string }
  /**
   * A worker hands an attempt back: over a rate limit until `until`. Applied once per deferral
   * count; the runner logs `dev.baton.task.rate-limited.v1` and re-dispatches the attempt then
   * (an outbox relay row due at `until`).
   */
  | ({ type: 'deferred' } & DeferredAttempt)
  /**
   * An input the runner owes a run and did not decide in the batch that produced it, because the
   * run had spent its decision budget there (`stepsPerDecision` decisions or `decisionMs`): a
   * reset run's replayed outcome, or a task refused at dispatch. Only ever written to the outbox
   * by the runner: relayed with its `outboxId` (required), which makes it applied once.
   */
  | { type: 'feedback'; runId: string; input: FedBackInput; attemptId?: string; replayed?: ReplayedFrom };

/** The inputs a runner feeds back to a run: outcomes it knows without a worker. */
export type FedBackInput = Extract<Input, { type: 'task.completed' | 'task.failed' | 'timer.fired' }>;

/** Where a replayed outcome came from (a reset run's `replayedFrom`): the task, the original run and attempt. */
export interface ReplayedFrom {
  reference: string;
  from: { runId: string; attemptId?: string };
}

export const Queues = {
  runner: 'runner',
  tasks: (kind: TaskKind) => `tasks.${kind}`,
} as const;

export const Topics = {
  /** Every appended run event, as RunEventRecord & { namespace, name }. */
  events: 'events',
  /**
   * The events that end a run (RUN_ENDED_TYPES), as RunEndedNotice, published beside `events`:
   * what the waiters of `POST /api/v1/runs` with `wait` listen to, so they are not woken (and do
   * not decode) every event of every run.
   */
  ended: 'runs.ended',
  /**
   * The runs the API's inline start began, as RunStartedHint, published just before their first
   * tasks: what the workflow-runners remember them by, so that the batch of their first results is
   * decided without reading them (@baton/engine snapshots.ts). A hint only — the runner's lock
   * checks it against the row — so it is kept briefly (TOPIC_MAX_LENS) and may be lost.
   */
  started: 'runs.started',
} as const;

/** Topics that keep fewer entries than the bus's topicMaxLen: what no subscriber replays. */
export const TOPIC_MAX_LENS: Readonly<Record<string, number>> = { [Topics.started]: 1_000 };

/** The entries topic `topic` keeps (roughly, on Redis), on a bus that keeps `busMaxLen` per topic. */
export function topicMaxLen(topic: string, busMaxLen: number): number {
  return Math.min(busMaxLen, TOPIC_MAX_LENS[topic] ?? busMaxLen);
}

/**
 * On topic `runs.started`: a run as the transaction that started it left it (`run`: running, with
 * its state and its events' seq) and that transaction's id as the row's xmin shows it (`savedBy`,
 * RunnerTx.transactionId).
 */
export interface RunStartedHint {
  run: LockedRun;
  savedBy: string;
}

/** The most state (UTF-8 bytes as JSON, as jsonSize measures) a RunStartedHint carries; a larger run is read by its runner. */
export const RUN_STARTED_HINT_MAX_BYTES = 16 * 1024;

/**
 * What a run's end changed on its record (RunRecord's fields that change once it has started), as
 * `GET /api/v1/runs/{id}` shows them right after the commit that ended it.
 */
export interface RunEnd {
  status: RunStatus;
  output?: unknown;
  error?: WorkflowError;
  usage?: Record<string, unknown>;
  startedAt?: string;
  endedAt?: string;
  updatedAt: string;
}

/**
 * On topic `runs.ended`. `end` comes when the runner that ended the run knew all of it (it wrote
 * the run's last state through its decision, without usage counters to add, and its output and
 * error together are at most RUN_END_NOTICE_MAX_BYTES as JSON): a waiter answers with it instead of
 * reading the run.
 * Without it the waiter reads the run.
 */
export interface RunEndedNotice {
  runId: string;
  type: string;
  end?: RunEnd;
}

/** The most output and error (together, in UTF-8 bytes as JSON, as jsonSize measures) a RunEndedNotice carries; beyond it the waiters read the run. */
export const RUN_END_NOTICE_MAX_BYTES = 64 * 1024;

/** The event types that end a run. */
export const RUN_ENDED_TYPES: ReadonlySet<string> = new Set([
  'io.serverlessworkflow.workflow.completed.v1',
  'io.serverlessworkflow.workflow.faulted.v1',
  'io.serverlessworkflow.workflow.cancelled.v1',
]);
