// The Store port: Postgres is the source of truth. Adapters: node-postgres (a real server) and
// PGlite (embedded); the same migrations and SQL run on both and pass one conformance suite
// (packages/store/tests).
//
// Glossary
//   definition  an immutable workflow document version, keyed by (namespace, name, version)
//   run         one execution of a definition; `runs` is the table's name (a documented contract)
//   attempt     one execution of one task effect (`${runId}:${effectId}`); results are applied once
//               (completeAttempts only changes attempts still `scheduled`)
//   event       an entry of a run's append-only log, with a per-run monotonic seq from 1
//   timer       a durable wake-up for a run (wait, retry backoff, timeouts)
//   listen      a run waiting for CloudEvents posted to the API
//   outbox      rows written in the transaction of a state change for each effect it has outside
//               PostgreSQL: `runner` rows (one message each, deleted by the transaction that
//               applies it) and `relay` rows (attempts to enqueue, events to publish; deleted
//               once relayed). Sweepers re-send rows still there at `relayAt`.
//   epoch       one life of the transport's data (a Redis that restarted or was wiped, an
//               in-process bus of a new process); a new epoch means in-flight work is re-sent
import type { WorkflowError } from '../errors.ts';
import type { EventFilter, RunStatus, TaskKind } from '../interpreter/types.ts';
import type { ScheduleRecord } from './schedules.ts';
import type { ClaimedOutboxRow } from './outbox.ts';
import type { RunConcurrency } from './concurrency.ts';
import type { NewReplayEntry, ResetOf } from './replays.ts';
import type { RateLimitStore } from './rate-limits.ts';
import type { ApprovalStatus, ApprovalRecord } from './approvals.ts';
import type { DefinitionPick, DefinitionRecord, DefinitionSummary, NewDefinition } from './definitions.ts';
import type { PickedRunsStart, RunnerTx } from './runner-tx.ts';

/** A runs listing: newest first, filtered, a page at a time (keyset cursor). */
export interface RunListQuery {
  status?: RunStatus;
  namespace?: string;
  name?: string;
  scheduleId?: string;
  /** Child runs of this run. */
  parentRunId?: string;
  /** Reruns of this run. */
  rerunOf?: string;
  /** Resets of this run. */
  resetOf?: string;
  /** The run with this id, and runs whose input holds this value (a bounded window per page: store sql/run-search.ts). */
  search?: string;
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  nextCursor?: string;
}

export interface NewRun {
  id: string;
  definitionId: string;
  namespace: string;
  name: string;
  version: string;
  input: unknown;
  /** Among runs queued on a concurrency key: higher starts first (default 0). */
  priority?: number;
  /** Unique per namespace; a second createRun with the same key returns the first run. */
  idempotencyKey?: string;
  parentRunId?: string;
  parentEffectId?: string;
  /** What started the run (API-started runs: `{ kind: 'api' }`). */
  trigger?: RunTrigger;
  /** The schedule whose tick or event started the run. */
  scheduleId?: string;
  /** The run this one reruns (POST /runs/{id}/rerun). */
  rerunOf?: string;
  /** The run this one resets, and from which task (POST /runs/{id}/reset; written by createResetRun). */
  resetOf?: ResetOf;
}

/** What started a run; kept in its record and in its `workflow.started` event. */
export type RunTrigger =
  | { kind: 'api'; /** The W3C traceparent POST /api/v1/runs carried: the run's trace continues it. */ traceparent?: string }
  | { kind: 'schedule'; scheduleId: string; /** ISO time of the tick */ tick: string; /** started by "trigger now" */ manual?: true }
  | { kind: 'event'; scheduleId: string; /** the event that completed the consumption */ eventId: string; source: string; /** all consumed events, when more than one */ eventIds?: string[] }
  | { kind: 'workflow'; parentRunId: string }
  | { kind: 'rerun'; /** the run rerun */ runId: string }
  | { kind: 'reset'; /** the run reset */ runId: string; /** the task pointer it resets from */ from: string };

export interface RunRecord {
  id: string;
  definitionId: string;
  namespace: string;
  name: string;
  version: string;
  status: RunStatus;
  input: unknown;
  output?: unknown;
  error?: WorkflowError;
  idempotencyKey?: string;
  parentRunId?: string;
  parentEffectId?: string;
  /** Token/cost totals and other counters the runtime keeps on the run. */
  usage?: Record<string, unknown>;
  /** Its priority on a concurrency key (one run's record only; absent when 0). */
  priority?: number;
  /** Its place on its workflow's concurrency key while it has one (one run's record only). */
  concurrency?: RunConcurrency;
  trigger?: RunTrigger;
  scheduleId?: string;
  rerunOf?: string;
  resetOf?: ResetOf;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  updatedAt: string;
}

export interface RunEventRecord {
  runId: string;
  seq: number;
  /** CloudEvents id, unique. */
  id: string;
  type: string;
  /** ISO 8601. */
  time: string;
  data: unknown;
  /** Unique within the run when set (events appended by workers' messages; see EventDraft.key). */
  key?: string;
}

/** A run event as published on the events topic. */
export interface PublishedEvent extends RunEventRecord {
  namespace: string;
  name: string;
  version: string;
}

export type AttemptKind = TaskKind | 'workflow';
/**
 * `held`: decided while its run was suspended — written, not dispatched; the transaction that
 * resumes the run makes it `scheduled` (and dispatches it). No sweep re-sends a held attempt.
 */
export type AttemptStatus = 'held' | 'scheduled' | 'completed' | 'failed' | 'cancelled';

export interface NewAttempt {
  /** `${runId}:${effectId}` */
  id: string;
  runId: string;
  effectId: string;
  kind: AttemptKind;
  reference: string;
  payload: unknown;
  /** Written `held` (its run is suspended) instead of `scheduled`. */
  held?: boolean;
}

export interface AttemptRecord extends NewAttempt {
  status: AttemptStatus;
  result?: unknown;
  error?: WorkflowError;
  createdAt: string;
  dispatchedAt?: string;
  finishedAt?: string;
  /** The run's log seq before the decision that applied the outcome (a reset's boundary is compared with it). */
  appliedSeq?: number;
  /** A reset run's attempt that took this attempt's recorded outcome of the original instead of running. */
  replayedFrom?: string;
}

/** An attempt a suspended run decided and did not dispatch (see AttemptStatus). */
export interface HeldAttempt {
  id: string;
  runId: string;
  effectId: string;
  kind: AttemptKind;
  reference: string;
  payload: unknown;
}

export interface AttemptOutcome {
  id: string;
  status: 'completed' | 'failed';
  result?: unknown;
  error?: WorkflowError;
  /**
   * The seq of the event its outcome was logged as, when the statement that completes the attempt
   * comes after the decision (completeOpenAttempts): one version of the row, not two.
   */
  appliedSeq?: number;
}

export interface TimerRecord {
  /** `${runId}:${timerId}` */
  id: string;
  runId: string;
  timerId: string;
  /** Epoch milliseconds. */
  fireAt: number;
}

export interface ListenRecord {
  /** `${runId}:${listenId}` */
  id: string;
  runId: string;
  listenId: string;
  filters: EventFilter[];
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** First characters of the key, for people to recognise it. Never the key. */
  prefix: string;
  role: 'admin' | 'user';
  /** Restricts the key to one namespace; undefined = all namespaces. */
  namespace?: string;
  createdAt: string;
  revokedAt?: string;
}

export interface Store extends RateLimitStore {
  /** Apply pending numbered migrations; idempotent and safe when several processes start at once. */
  migrate(): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;

  putDefinition(definition: NewDefinition): Promise<{ outcome: 'created' | 'unchanged' | 'conflict'; definition: DefinitionRecord }>;
  /** Without a version: the highest semantic version. */
  getDefinition(namespace: string, name: string, version?: string): Promise<DefinitionRecord | undefined>;
  /** As getDefinition, without the document and source: one query (what a run is created from). */
  findDefinition(namespace: string, name: string, version?: string): Promise<DefinitionPick | undefined>;
  getDefinitionById(id: string): Promise<DefinitionRecord | undefined>;
  listDefinitions(query: { namespace?: string; name?: string; limit: number; cursor?: string }): Promise<Page<DefinitionSummary>>;

  createRun(run: NewRun): Promise<{ run: RunRecord; created: boolean }>;
  /**
   * createRun in one statement, for a run of a definition an earlier findDefinition picked (the
   * same namespace, name and version asked): created only while that pick still holds — no
   * version added or removed among those it chose from. Undefined when it no longer holds or the
   * run conflicts with an existing one (its id or idempotency key): find the definition again
   * and call createRun.
   */
  createPickedRun(run: NewRun, pick: DefinitionPick): Promise<RunRecord | undefined>;
  /**
   * createPickedRun, with the new runs started in the transaction that inserts them: `start`
   * decides their starts there (its first statements go out with the INSERT), so a run created
   * through the API has its first tasks dispatched by the commit that creates it, with no start
   * message and no runner batch between. When that transaction fails or `start` declines, the runs
   * are created alone (`started: false`) and their start is the caller's to send, as createPickedRun's.
   */
  createAndStartPickedRun(run: NewRun, pick: DefinitionPick, start: PickedRunsStart): Promise<{ run: RunRecord; started: boolean } | undefined>;
  /** createRun (idempotent the same way) of a reset run (`resetOf` set), with its replay ledger, in one transaction. */
  createResetRun(run: NewRun, ledger: readonly NewReplayEntry[]): Promise<{ run: RunRecord; created: boolean }>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** Newest first; keyset pagination on (createdAt, id). A malformed cursor throws InvalidCursorError. */
  listRuns(query: RunListQuery): Promise<Page<RunRecord>>;
  listEvents(runId: string, afterSeq: number, limit: number): Promise<RunEventRecord[]>;
  listAttempts(runId: string): Promise<AttemptRecord[]>;

  /** Run `fn` in one transaction (BEGIN … COMMIT, ROLLBACK on throw). */
  transaction<T>(fn: (tx: RunnerTx) => Promise<T>): Promise<T>;

  /** Deletes relay rows that were relayed (and any row by id). */
  deleteOutbox(ids: readonly string[]): Promise<void>;
  /**
   * Claims up to `limit` outbox rows whose relayAt has passed: each is returned to one caller only
   * and its relayAt moves forward (backoff growing with `relays`).
   */
  claimOutbox(limit: number): Promise<ClaimedOutboxRow[]>;
  /**
   * Makes every outbox row due now (a new transport epoch: what was relayed may be lost) — only
   * those written before the database time `before` when given (the epoch's `since`).
   */
  makeOutboxDue(before?: string): Promise<number>;
  /** Task messages of the attempts among `ids` still scheduled (for a relay row sent by a sweeper). */
  scheduledTaskPayloads(ids: readonly string[]): Promise<{ id: string; kind: AttemptKind; payload: unknown }[]>;
  /** Events of the given [runId, first seq, last seq] ranges, with their run's names. */
  eventsInRanges(ranges: readonly [string, number, number][]): Promise<PublishedEvent[]>;
  /**
   * Scheduled attempts of `kind` handed to the transport more than `olderThanMs` ago (or before the
   * database time `before`), claimed: their dispatchedAt becomes now, so one sweeper takes each.
   */
  claimStaleAttempts(kind: AttemptKind, cutoff: { olderThanMs: number } | { before: string }, limit: number): Promise<AttemptRecord[]>;
  /** Pending runs last touched more than `olderThanMs` ago (or before `before`), claimed the same way. */
  claimPendingRuns(cutoff: { olderThanMs: number } | { before: string }, limit: number): Promise<string[]>;
  /** The database's clock (ISO), for cutoffs that must not depend on this process's clock. */
  databaseNow(): Promise<string>;
  /**
   * Claims (or, by the same claimant, renews) the repair of a transport epoch: 'busy' while another
   * runner holds it, 'done' once repaired. `since`: when a process first saw the epoch.
   */
  claimEpoch(epoch: string, claimant: string, leaseMs: number): Promise<{ claim: 'claimed' | 'busy' | 'done'; since: string }>;
  /**
   * Records that the epoch was seen, without claiming its repair: done by a process before it
   * hands work to the transport, so that what it hands is not re-sent by the epoch's repair.
   */
  noteEpoch(epoch: string): Promise<void>;
  markEpochRepaired(epoch: string): Promise<void>;

  /** fireAt of the earliest timer, if any. */
  nextTimerAt(): Promise<number | undefined>;

  /** By (namespace, name); keyset pages. */
  listSchedules(query: { namespace?: string; name?: string; limit: number; cursor?: string }): Promise<Page<ScheduleRecord>>;
  getSchedule(id: string): Promise<ScheduleRecord | undefined>;
  /** The earliest tick due of schedules not paused, if any. */
  nextScheduleAt(): Promise<number | undefined>;
  /** `after` schedules whose run ended: their next tick becomes the run's end + after. Returns how many. */
  armAfterSchedules(): Promise<number>;
  /** Listens of runs that may match an event of `type` (filters with no type, or this type); with `namespace`, of runs in it. */
  listensForType(type: string, namespace?: string): Promise<ListenRecord[]>;
  /**
   * Retention: deletes up to `limit` terminal runs that ended before `olderThan`, with everything
   * they own (events, attempts, timers, listens, approvals and their decisions, outbox rows), in one
   * short transaction. A run whose parent or child is still live is kept; runs are claimed with
   * SKIP LOCKED, so concurrent callers never take the same run (fewer than `limit`: nothing else
   * was free to delete just now).
   */
  deleteExpiredRuns(olderThan: Date, limit: number): Promise<RetentionBatch>;

  /** What waits for the machinery, for operators (not a hot path). */
  systemBacklog(): Promise<SystemBacklog>;

  getApproval(id: string): Promise<ApprovalRecord | undefined>;
  /** Newest first; keyset pagination on (createdAt, id); `approver` matches the current level's approvers; `runId` keeps one run's. */
  listApprovals(query: { status?: ApprovalStatus; approver?: string; namespace?: string; runId?: string; limit: number; cursor?: string }): Promise<Page<ApprovalRecord>>;
  /** Pending approvals whose deadline passed more than `graceMs` ago (the Redis schedule lost them). */
  overdueApprovals(now: number, graceMs: number, limit: number): Promise<ApprovalRecord[]>;
  /** Pending approvals last changed before `before` whose current level no hitl-worker handled (id > afterId, by id). */
  unnotifiedApprovals(before: string, afterId: string, limit: number): Promise<ApprovalRecord[]>;
  /** Closed approvals closed more than `olderThanMs` ago whose attempt still waits for the result. */
  unresolvedApprovals(olderThanMs: number, limit: number): Promise<ApprovalRecord[]>;

  createApiKey(input: { name: string; role: 'admin' | 'user'; namespace?: string; secret?: string }): Promise<{ record: ApiKeyRecord; secret: string }>;
  /** The active (not revoked) key with this secret. Keys are stored as sha256 hashes. */
  verifyApiKey(secret: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  revokeApiKey(id: string): Promise<boolean>;
}

/** How many rows wait, and for how long the oldest has (ms); no `oldestMs` when none waits. */
export interface BacklogCount {
  count: number;
  oldestMs?: number;
}

/**
 * What PostgreSQL holds that waits for the machinery, at one instant of the database's clock
 * (GET /api/v1/system/backlog). Counts stop at `countCap`.
 */
export interface SystemBacklog {
  /** The database's time of the reading (ISO). */
  at: string;
  countCap: number;
  /** Runs created and not started yet (oldestMs: since created). */
  pendingRuns: BacklogCount;
  /** Attempts handed to the transport and not finished, per kind (oldestMs: since created). */
  scheduledAttempts: (BacklogCount & { kind: AttemptKind })[];
  /** Outbox rows whose relay time passed: effects not confirmed sent (oldestMs: overdue by). */
  outboxDue: BacklogCount;
  /** Timers whose time passed and that have not fired (oldestMs: overdue by). */
  timersDue: BacklogCount;
  /** Schedules (not paused) whose next tick passed without starting its run (oldestMs: overdue by). */
  schedulesDue: BacklogCount;
}

/** What one retention batch deleted. */
export interface RetentionBatch {
  runs: number;
  /** Rows deleted per table (`runs` included); tables with none are absent. */
  rows: Record<string, number>;
}

export class InvalidCursorError extends Error {
  constructor(message = 'the cursor is malformed or does not belong to this listing') {
    super(message);
    this.name = 'InvalidCursorError';
  }
}
