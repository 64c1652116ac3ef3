// SqlStore: the Store port over a Db (node-postgres or PGlite); every method is one SQL module call.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ApprovalStatus, AttemptKind, DefinitionPick, NewDefinition, NewReplayEntry, NewRun, PickedRunsStart, RunListQuery, RunnerTx, RunRecord, Store } from '@baton/core';
import type { RateLimitSpec } from '@baton/core';
import { RUNS_CHANGED_SQLSTATE, RunsChanged } from '@baton/core';
import { KEY_LOOKUP_SETTINGS, type Db, type Queryable } from './db/types.ts';
import { migrate } from './migrate.ts';
import { PickedRunBatch } from './picked-runs.ts';
import { runnerTx } from './runner-tx.ts';
import { StartedRunsInsert } from './started-runs.ts';
import { TurnBatch } from './turn-batch.ts';
import * as apiKeys from './sql/api-keys.ts';
import * as approvals from './sql/approvals.ts';
import * as attempts from './sql/attempts.ts';
import type { Cutoff } from './sql/cutoff.ts';
import * as definitions from './sql/definitions.ts';
import * as epochs from './sql/epochs.ts';
import * as events from './sql/events.ts';
import * as listens from './sql/listens.ts';
import * as concurrency from './sql/concurrency.ts';
import * as outbox from './sql/outbox.ts';
import * as retention from './sql/retention.ts';
import { searchRuns } from './sql/run-search.ts';
import * as runs from './sql/runs.ts';
import { createResetRun } from './sql/replays.ts';
import * as rateLimits from './sql/rate-limits.ts';
import * as schedules from './sql/schedules.ts';
import { systemBacklog } from './sql/system.ts';
import * as timers from './sql/timers.ts';

/** KEY_LOOKUP_SETTINGS for the rest of one transaction (set_config is_local). */
const SET_KEY_LOOKUPS = `SELECT ${Object.entries(KEY_LOOKUP_SETTINGS).map(([name, value]) => `set_config('${name}', '${value}', true)`).join(', ')}`;

/**
 * A Store method was called from inside `store.transaction(fn)`. On PGlite (one connection) it
 * would wait forever for the transaction that awaits it; on PostgreSQL it would run outside the
 * transaction, blind to its uncommitted writes. Use the `tx` handle instead.
 */
export class StoreReentryError extends Error {
  constructor(method: string) {
    super(`store.${method}() was called inside store.transaction(); use the transaction's handle or call it after the transaction`);
    this.name = 'StoreReentryError';
  }
}

export class SqlStore implements Store {
  /** The adapter, for tests and tools that need raw SQL (e.g. `SELECT COUNT(*) FROM runs`). */
  readonly db: Db;

  readonly #inTransaction = new AsyncLocalStorage<true>();

  readonly #runReads: TurnBatch<string, RunRecord>;

  readonly #pickedRuns: PickedRunBatch;

  /** Per start (the API's one RunStarter), the runs created and started in one transaction. */
  readonly #startedRuns = new WeakMap<PickedRunsStart, PickedRunBatch<{ run: RunRecord; started: boolean }>>();

  constructor(db: Db) {
    this.db = db;
    this.#runReads = new TurnBatch((ids) => concurrency.getRunsWithConcurrency(db, ids));
    this.#pickedRuns = new PickedRunBatch((batch, pick) => runs.createPickedRuns(db, batch, pick));
  }

  /** The Db, once we know we are not inside one of this store's transactions. */
  #outside(method: string): Db {
    if (this.#inTransaction.getStore()) throw new StoreReentryError(method);
    return this.db;
  }

  async migrate(): Promise<void> {
    await migrate(this.#outside('migrate'));
  }

  async ping(): Promise<boolean> {
    try {
      await this.#outside('ping').query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    return this.#outside('close').close();
  }

  async putDefinition(definition: NewDefinition) {
    return definitions.putDefinition(this.#outside('putDefinition'), definition);
  }

  async getDefinition(namespace: string, name: string, version?: string) {
    return version === undefined
      ? definitions.getLatestDefinition(this.#outside('getDefinition'), namespace, name)
      : definitions.getDefinitionVersion(this.#outside('getDefinition'), namespace, name, version);
  }

  async findDefinition(namespace: string, name: string, version?: string) {
    return definitions.findDefinition(this.#outside('findDefinition'), namespace, name, version);
  }

  async getDefinitionById(id: string) {
    return definitions.getDefinitionById(this.#outside('getDefinitionById'), id);
  }

  async listDefinitions(query: { namespace?: string; name?: string; limit: number; cursor?: string }) {
    return definitions.listDefinitions(this.#outside('listDefinitions'), query);
  }

  async createRun(run: NewRun) {
    return runs.createRun(this.#outside('createRun'), run);
  }

  /** Batched with the other picked runs of the same turn (picked-runs.ts): one statement per pick. */
  async createPickedRun(run: NewRun, pick: DefinitionPick) {
    this.#outside('createPickedRun');
    return this.#pickedRuns.add(run, pick);
  }

  /**
   * Batched as createPickedRun is, a transaction per pick and turn. The INSERT's rows are not
   * waited for before the COMMIT: a start that waits for nothing (the engine's, decided on the runs
   * as inserted) goes out with the INSERT and the COMMIT in one round trip, its runs inserted as it
   * decided them (started-runs.ts).
   */
  async createAndStartPickedRun(run: NewRun, pick: DefinitionPick, start: PickedRunsStart) {
    this.#outside('createAndStartPickedRun');
    let batch = this.#startedRuns.get(start);
    if (!batch) {
      batch = new PickedRunBatch((runs, picked) => this.#createAndStart(runs, picked, start));
      this.#startedRuns.set(start, batch);
    }
    return batch.add(run, pick);
  }

  async #createAndStart(batch: NewRun[], pick: DefinitionPick, start: PickedRunsStart): Promise<Map<string, { run: RunRecord; started: boolean }>> {
    const outcome = (created: Map<string, RunRecord>, started: boolean) => new Map([...created].map(([id, run]) => [id, { run, started }]));
    let committed: (() => Promise<void>) | undefined;
    let created: Map<string, RunRecord>;
    try {
      const { inserted } = await this.#transaction(async (raw, tx) => {
        // The INSERT goes with the start's first statement — as the start decided the runs, when
        // that is its writes (started-runs.ts) — and with the COMMIT when the start waits for nothing.
        const insert = new StartedRunsInsert(raw, tx, batch, pick);
        committed = await start.decide(insert.forStart(), batch);
        return { inserted: insert.rows() };
      });
      created = await inserted;
    } catch (error) {
      start.failed(error, batch.length);
      return outcome(await runs.createPickedRuns(this.db, batch, pick), false);
    }
    await committed?.();
    return outcome(created, true);
  }

  async createResetRun(run: NewRun, ledger: readonly NewReplayEntry[]) {
    return this.#outside('createResetRun').transaction((tx) => createResetRun(tx, run, ledger));
  }

  /** With its priority and its place on a concurrency key (a slot exists until the run ends); the reads of one turn in one query. */
  async getRun(id: string) {
    this.#outside('getRun');
    return this.#runReads.get(id);
  }

  async listRuns(query: RunListQuery) {
    const db = this.#outside('listRuns');
    return query.search !== undefined ? searchRuns(db, { ...query, search: query.search }) : runs.listRuns(db, query);
  }

  async listEvents(runId: string, afterSeq: number, limit: number) {
    return events.listEvents(this.#outside('listEvents'), runId, afterSeq, limit);
  }

  async listAttempts(runId: string) {
    return attempts.listAttempts(this.#outside('listAttempts'), runId);
  }

  /**
   * A runner transaction. Its statements find rows by key (runs, attempts, outbox rows by id), and
   * they are prepared statements whose generic plan is made once per connection: made while a
   * table was small (a new database, the first minute of a deployment), it scanned the whole
   * table, and kept doing so as the table grew until autovacuum's next ANALYZE — a batch read
   * every run and attempt there was (in bench/peer.ts, 30 % of the throughput at 200 callers).
   * Sequential scans are off inside these transactions (set_config is_local): their plans use the
   * keys. JIT is off with them: a plan that has no way around a sequential scan is costed past
   * the JIT threshold by that setting, and compiling it took 100 ms per execution (a concurrency
   * key's cleanup); no statement of a runner batch gains from JIT. And each statement runs its
   * generic plan (plan_cache_mode): a key lookup's plan does not depend on the key, but a statement
   * on `id = ANY($1)` never switched to its generic plan by itself (costed for a 10-element array
   * against the 1-element custom plans it compares with), so every Bind planned it again — the
   * lock statement's Bind took 0.3 ms of PostgreSQL, its execution 0.05 ms. A pool opened with
   * `keyLookups` (the workflow-runner's) has them for the whole session: one statement less here.
   */
  async transaction<T>(fn: (tx: RunnerTx) => Promise<T>): Promise<T> {
    return this.#transaction((_raw, tx) => fn(tx));
  }

  /** A runner transaction, with its connection as well (for statements RunnerTx does not have). */
  async #transaction<T>(fn: (raw: Queryable, tx: RunnerTx) => Promise<T>): Promise<T> {
    const db = this.#outside('transaction');
    try {
      return await db.transaction((raw) =>
        this.#inTransaction.run(true, async () => {
          if (!db.keyLookups) await raw.write(SET_KEY_LOOKUPS);
          return fn(raw, runnerTx(raw));
        }),
      );
    } catch (error) {
      throw (error as { code?: unknown } | null)?.code === RUNS_CHANGED_SQLSTATE ? new RunsChanged({ cause: error }) : error;
    }
  }

  async deleteOutbox(ids: readonly string[]) {
    return outbox.deleteOutbox(this.#outside('deleteOutbox'), ids);
  }

  async claimOutbox(limit: number) {
    return outbox.claimOutbox(this.#outside('claimOutbox'), limit);
  }

  async makeOutboxDue(before?: string) {
    return outbox.makeOutboxDue(this.#outside('makeOutboxDue'), before);
  }

  async scheduledTaskPayloads(ids: readonly string[]) {
    return attempts.scheduledTaskPayloads(this.#outside('scheduledTaskPayloads'), ids);
  }

  async eventsInRanges(ranges: readonly [string, number, number][]) {
    return events.eventsInRanges(this.#outside('eventsInRanges'), ranges);
  }

  async claimStaleAttempts(kind: AttemptKind, cutoff: Cutoff, limit: number) {
    return attempts.claimStaleAttempts(this.#outside('claimStaleAttempts'), kind, cutoff, limit);
  }

  async claimPendingRuns(cutoff: Cutoff, limit: number) {
    return runs.claimPendingRuns(this.#outside('claimPendingRuns'), cutoff, limit);
  }

  async systemBacklog() {
    return systemBacklog(this.#outside('systemBacklog'));
  }

  async databaseNow() {
    const rows = await this.#outside('databaseNow').query<{ now: unknown }>(`SELECT date_trunc('milliseconds', now()) AS now`);
    return (rows[0]!.now as Date).toISOString();
  }

  async claimEpoch(epoch: string, claimant: string, leaseMs: number) {
    return epochs.claimEpoch(this.#outside('claimEpoch'), epoch, claimant, leaseMs);
  }

  async noteEpoch(epoch: string) {
    return epochs.noteEpoch(this.#outside('noteEpoch'), epoch);
  }

  async markEpochRepaired(epoch: string) {
    return epochs.markEpochRepaired(this.#outside('markEpochRepaired'), epoch);
  }

  async nextTimerAt() {
    return timers.nextTimerAt(this.#outside('nextTimerAt'));
  }

  async listSchedules(query: { namespace?: string; name?: string; limit: number; cursor?: string }) {
    return schedules.listSchedules(this.#outside('listSchedules'), query);
  }

  async getSchedule(id: string) {
    return schedules.getSchedule(this.#outside('getSchedule'), id);
  }

  async nextScheduleAt() {
    return schedules.nextScheduleAt(this.#outside('nextScheduleAt'));
  }

  async armAfterSchedules() {
    return schedules.armAfterSchedules(this.#outside('armAfterSchedules'));
  }

  async listRateLimits(namespace?: string) {
    return rateLimits.listRateLimits(this.#outside('listRateLimits'), namespace);
  }

  async getRateLimit(namespace: string, name: string) {
    return rateLimits.getRateLimit(this.#outside('getRateLimit'), namespace, name);
  }

  async putRateLimit(spec: RateLimitSpec) {
    return rateLimits.putRateLimit(this.#outside('putRateLimit'), spec);
  }

  async deleteRateLimit(namespace: string, name: string) {
    return rateLimits.deleteRateLimit(this.#outside('deleteRateLimit'), namespace, name);
  }

  async listensForType(type: string, namespace?: string) {
    return listens.listensForType(this.#outside('listensForType'), type, namespace);
  }

  async deleteExpiredRuns(olderThan: Date, limit: number) {
    return retention.deleteExpiredRuns(this.#outside('deleteExpiredRuns'), olderThan, limit);
  }

  async getApproval(id: string) {
    return approvals.getApproval(this.#outside('getApproval'), id);
  }

  async listApprovals(query: { status?: ApprovalStatus; approver?: string; namespace?: string; runId?: string; limit: number; cursor?: string }) {
    return approvals.listApprovals(this.#outside('listApprovals'), query);
  }

  async overdueApprovals(now: number, graceMs: number, limit: number) {
    return approvals.overdueApprovals(this.#outside('overdueApprovals'), now, graceMs, limit);
  }

  async unnotifiedApprovals(before: string, afterId: string, limit: number) {
    return approvals.unnotifiedApprovals(this.#outside('unnotifiedApprovals'), before, afterId, limit);
  }

  async unresolvedApprovals(olderThanMs: number, limit: number) {
    return approvals.unresolvedApprovals(this.#outside('unresolvedApprovals'), olderThanMs, limit);
  }

  async createApiKey(input: { name: string; role: 'admin' | 'user'; namespace?: string; secret?: string }) {
    return apiKeys.createApiKey(this.#outside('createApiKey'), input);
  }

  async verifyApiKey(secret: string) {
    return apiKeys.verifyApiKey(this.#outside('verifyApiKey'), secret);
  }

  async listApiKeys() {
    return apiKeys.listApiKeys(this.#outside('listApiKeys'));
  }

  async revokeApiKey(id: string) {
    return apiKeys.revokeApiKey(this.#outside('revokeApiKey'), id);
  }
}
