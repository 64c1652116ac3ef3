// The runner's side of the Store port (store.ts): one batch's statements inside one transaction
// (RunnerTx), the runs it locks and saves, the API's inline start (PickedRunsStart), and the
// error of a transaction whose server-side checks failed (RunsChanged).
import type { WorkflowError } from '../errors.ts';
import type { RunState, RunStatus } from '../interpreter/types.ts';
import type { NewSchedule, ScheduleRecord, ScheduleUpdate } from './schedules.ts';
import type { NewOutboxRow } from './outbox.ts';
import type { ConcurrencyTx } from './concurrency.ts';
import type { ReplayTx } from './replays.ts';
import type { RateLimitSpec, RateLimitTx } from './rate-limits.ts';
import type { NewApproval, ApprovalDecision, ApprovalRecord, ApprovalUpdate } from './approvals.ts';
import type { DefinitionRecord, NewDefinition } from './definitions.ts';
import type { AttemptKind, AttemptOutcome, HeldAttempt, ListenRecord, NewAttempt, NewRun, RunEventRecord, RunRecord, RunTrigger, TimerRecord } from './store.ts';

/** A run as a runner transaction locks it: its record's names and, as the row stands, what a run's end leaves alone (RunEnd). */
export interface LockedRun extends Pick<RunRecord, 'id' | 'definitionId' | 'namespace' | 'name' | 'version' | 'status' | 'parentRunId' | 'parentEffectId' | 'startedAt' | 'endedAt' | 'usage'> {
  /** The interpreter's state; undefined before the run's first decision. */
  state?: RunState;
  /** Seq of the last event appended (0 when none). */
  eventSeq: number;
  /** A reset run: the run it resets (it may hold a replay ledger, ReplayTx.openReplays). */
  resetOf?: string;
  /** What its start decides on — its input and what started it — read while it has no state yet. */
  start?: { input: unknown; trigger?: RunTrigger };
  /**
   * The rate limits of its namespace, read by the statement that locks it (what the calls a batch
   * dispatches carry, asked in no statement of their own); [] when it has none.
   */
  rateLimits: RateLimitSpec[];
  /**
   * The transaction's time as its writes stamp `updated_at` (PostgreSQL's now(), to the
   * millisecond): every run this transaction saves has this `updatedAt`.
   */
  lockedAt?: string;
}

export interface RunUpdate {
  id: string;
  status: RunStatus;
  /** Absent: the state stays as it is (a run suspended or resumed before its first decision). */
  state?: RunState;
  output?: unknown;
  error?: WorkflowError;
  eventSeq: number;
  /** Set once, when the run leaves pending. */
  startedAt?: string;
  /** Set when the run reaches a terminal status. */
  endedAt?: string;
  /** Shallow-merged into the run's usage counters (numbers are added). */
  usage?: Record<string, number>;
  /** The time the save stamps (updated_at); the transaction's own time when absent. */
  updatedAt?: string;
}

/** The starts of runs decided in the transaction that creates them (store.createAndStartPickedRun). */
export interface PickedRunsStart {
  /**
   * In the transaction that inserts `runs` (what it sends in the same turn goes out with the INSERT,
   * and what it sends without waiting goes with the COMMIT; a run not inserted — a conflict, a pick
   * that no longer holds — is not there to lock): their starts decided and written. The INSERT is
   * held until the start's first statement: when that is its writes (saveTransitions), the runs are
   * inserted as those leave them, not pending and then updated, and `lockInsertedRuns` goes right
   * behind the INSERT. Returns what to do once the transaction has committed. Throwing rolls the
   * insert back with it.
   */
  decide(tx: RunnerTx, runs: readonly NewRun[]): Promise<() => Promise<void>>;
  /** The transaction failed, or `decide` declined: `runs` runs are created without their start. */
  failed(error: unknown, runs: number): void;
}

/** The statements of one runner batch, all inside one transaction. */
export interface RunnerTx extends ReplayTx, RateLimitTx {
  /** SELECT … FOR UPDATE, in id order (no deadlocks between runners). Unknown ids are skipped. */
  lockRuns(ids: readonly string[]): Promise<LockedRun[]>;
  /**
   * Locks the runs as lockRuns does, for a batch decided on what the runner knew of them: unless
   * each is running, its row as the transaction `savedBy` (transactionId) left it, in a namespace
   * without rate limits, the transaction fails (RunsChanged) and nothing of it is committed. Not
   * waited for: it goes with the transaction's next statements, and the check is made by the server.
   */
  lockRunsUnchanged(runs: readonly { id: string; savedBy: string }[]): Promise<void>;
  /** This transaction's id, as the rows it writes carry it (for lockRunsUnchanged); goes with the COMMIT when that follows in the same turn (Queryable.queryAtCommit). */
  transactionId(): Promise<string>;
  /**
   * Locks runs this transaction inserted, for starts decided on what was inserted: unless each is
   * there, inserted by this transaction (pending, or as its start decided it), in a namespace
   * without rate limits, the transaction fails (RunsChanged). Not waited for, as lockRunsUnchanged.
   */
  lockInsertedRuns(ids: readonly string[]): Promise<void>;
  /** Concurrency keys: slots and queues (ports/concurrency.ts). */
  concurrency: ConcurrencyTx;
  /** Outbox rows, written with the state change that causes them. */
  insertOutbox(rows: readonly NewOutboxRow[]): Promise<void>;
  /** Deletes `runner` rows being applied; returns the ids that existed (the rest were applied before). */
  takeOutbox(ids: readonly string[]): Promise<string[]>;
  /**
   * For suspend / resume rows about to be applied (runs locked): deletes the older suspend / resume
   * rows of the same runs still waiting — superseded by the later request. Returns the ids deleted.
   */
  dropSupersededControls(ids: readonly string[]): Promise<string[]>;
  /** The keys among `keys` already in the logs of `runIds` (as `${runId} ${key}`). */
  existingEventKeys(runIds: readonly string[], keys: readonly string[]): Promise<Set<string>>;
  /** Listens that may match an event of `type` (see Store.listensForType), of runs in `namespace`. */
  listensForType(type: string, namespace?: string): Promise<ListenRecord[]>;
  /** The number of runs under each top-level run (its child runs at any depth). */
  countTreeRuns(roots: readonly string[]): Promise<Map<string, number>>;
  /** Deletes timers due at `now` (each taken by one caller: SKIP LOCKED), earliest first. */
  takeDueTimers(now: number, limit: number): Promise<TimerRecord[]>;
  /**
   * Everything a run that ended outside the interpreter still holds: deletes its timers and listens,
   * cancels its scheduled attempts (and their approvals). Returns the cancelled attempts.
   */
  releaseRuns(runIds: readonly string[]): Promise<{ id: string; runId: string; effectId: string; kind: AttemptKind; held: boolean }[]>;
  /** Apply outcomes to attempts still `scheduled`; returns the ids that changed (the rest are duplicates). */
  completeAttempts(outcomes: readonly AttemptOutcome[]): Promise<string[]>;
  /**
   * completeAttempts for distinct attempts that must all be `scheduled`: otherwise the transaction
   * fails (RunsChanged). An outcome's `appliedSeq` is set with it (as saveTransitions' `applied`).
   * Not waited for.
   */
  completeOpenAttempts(outcomes: readonly AttemptOutcome[]): Promise<void>;
  /** Delete timers; returns the ids that existed (a timer fires once). */
  takeTimers(ids: readonly string[]): Promise<string[]>;
  saveRuns(updates: readonly RunUpdate[]): Promise<void>;
  /**
   * saveRuns, appendEvents, insertAttempts and setAppliedSeqs in one statement: what a batch's
   * decisions write. The attempts of `applied` must exist before it (not be among `attempts`).
   */
  saveTransitions(transitions: { updates: readonly RunUpdate[]; events: readonly RunEventRecord[]; attempts: readonly NewAttempt[]; applied: readonly { id: string; seq: number }[] }): Promise<void>;
  /** Runs whose log grew without a decision (appended events): only event_seq changes. */
  setEventSeqs(updates: readonly { id: string; eventSeq: number }[]): Promise<void>;
  /**
   * Clears the stored state of runs that ended (completed, faulted, cancelled; others are left as
   * they are): a run ended without a new state (a fault that could not save one) keeps no phase of
   * its own that a later message could be decided on — the row's status alone says it ended.
   */
  clearRunStates(runIds: readonly string[]): Promise<void>;
  /** Append events whose seq the caller assigned from LockedRun.eventSeq. */
  appendEvents(events: readonly RunEventRecord[]): Promise<void>;
  insertAttempts(attempts: readonly NewAttempt[]): Promise<void>;
  /** Mark attempts cancelled (if still scheduled or held); returns those that changed (`held`: never dispatched). */
  cancelAttempts(ids: readonly string[]): Promise<{ id: string; kind: AttemptKind; held: boolean }[]>;
  /** The held attempts of the runs (suspended runs' undispatched work), in effect order per run. */
  heldAttempts(runIds: readonly string[]): Promise<HeldAttempt[]>;
  /** Held attempts become scheduled (dispatched now) with their payload as sent; returns the ids that changed. */
  releaseAttempts(attempts: readonly { id: string; payload: unknown }[]): Promise<string[]>;
  /** Cancels the held attempts of the runs (runs that ended while suspended). */
  cancelHeldAttempts(runIds: readonly string[]): Promise<void>;
  /** Child runs of the runs that have not ended (`suspend` and `resume` are passed on to them). */
  liveChildRuns(runIds: readonly string[]): Promise<{ id: string; parentRunId: string }[]>;
  insertTimers(timers: readonly TimerRecord[]): Promise<void>;
  deleteTimers(ids: readonly string[]): Promise<void>;
  insertListens(listens: readonly ListenRecord[]): Promise<void>;
  deleteListens(ids: readonly string[]): Promise<void>;
  /** Child runs (`run: workflow`) created by a decision. */
  createRuns(runs: readonly NewRun[]): Promise<void>;
  /** Approvals opened by `call: approval` attempts written in the same transaction. */
  insertApprovals(approvals: readonly NewApproval[]): Promise<void>;
  /** SELECT … FOR UPDATE of one approval (decisions and deadlines are serialised on it). */
  lockApproval(id: string): Promise<ApprovalRecord | undefined>;
  updateApproval(update: ApprovalUpdate): Promise<void>;
  /** false when this approver has already decided (one decision per approver). */
  insertApprovalDecision(decision: ApprovalDecision): Promise<boolean>;

  // ---- schedules (see ScheduleRecord) ----
  /** Store.putDefinition inside this transaction (a registration and its schedule commit together). */
  putDefinition(definition: NewDefinition): Promise<{ outcome: 'created' | 'unchanged' | 'conflict'; definition: DefinitionRecord }>;
  /** The id and version of the highest semantic version of a workflow. */
  latestVersion(namespace: string, name: string): Promise<{ id: string; version: string } | undefined>;
  /** SELECT … FOR UPDATE of a workflow's schedule. */
  lockScheduleOf(namespace: string, name: string): Promise<ScheduleRecord | undefined>;
  lockSchedule(id: string): Promise<ScheduleRecord | undefined>;
  /** Inserts or replaces (by id) the schedule's definition, version, kind, spec and event types. */
  putSchedule(schedule: NewSchedule): Promise<void>;
  deleteSchedule(id: string): Promise<void>;
  /** Schedules whose tick is due at `now` (not paused), claimed: FOR UPDATE SKIP LOCKED, earliest first. */
  lockDueSchedules(now: number, limit: number): Promise<ScheduleRecord[]>;
  /** `on` schedules (not paused) that may consume an event of `type`, locked (FOR UPDATE, by id); with `namespace`, only its own. */
  lockEventSchedules(type: string, namespace?: string): Promise<ScheduleRecord[]>;
  /** Runs of each schedule still pending, running or waiting. */
  liveRunsOf(scheduleIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Runs started by schedules; a run whose idempotency key exists already is not created. Returns the ids created. */
  insertScheduledRuns(runs: readonly NewRun[]): Promise<string[]>;
  updateSchedules(updates: readonly ScheduleUpdate[]): Promise<void>;
}

/**
 * A runner transaction decided on what its runner knew of some runs failed its checks
 * (RunnerTx.lockRunsUnchanged, completeOpenAttempts): another runner, a duplicate delivery or an
 * API call changed them meanwhile. Nothing of it was committed; the batch is to be applied again.
 */
export class RunsChanged extends Error {
  constructor(options?: { cause?: unknown }) {
    super('runs changed since the runner last saw them; the transaction was rolled back', options);
    this.name = 'RunsChanged';
  }
}

/** The SQLSTATE of RunsChanged (raised by baton_unchanged, store migration 0013). */
export const RUNS_CHANGED_SQLSTATE = 'BT409';
