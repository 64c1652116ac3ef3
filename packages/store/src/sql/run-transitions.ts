// The runner's side of runs: lock a batch of runs, then write their new state in one statement.
import type { LockedRun, NewAttempt, RunEventRecord, RunState, RunStatus, RunTrigger, RunUpdate } from '@baton/core';
import { queryAtCommit, type Queryable, type Row } from '../db/types.ts';
import { toSpec } from './rate-limits.ts';
import { TERMINAL_SQL, fromJson, iso, isoOrUndefined, jsonArray, jsonList, textOrUndefined, withOptional } from './values.ts';
import { checkEventIds } from './events.ts';

function toLockedRun(row: Row): LockedRun {
  const run: LockedRun = {
    id: row.id as string,
    definitionId: row.definition_id as string,
    namespace: row.namespace as string,
    name: row.name as string,
    version: row.version as string,
    status: row.status as RunStatus,
    eventSeq: row.event_seq as number,
    rateLimits: ((fromJson(row.rate_limits) as Row[] | undefined) ?? []).map(toSpec),
    lockedAt: iso(row.locked_at),
  };
  withOptional(run, 'startedAt', isoOrUndefined(row.started_at));
  withOptional(run, 'endedAt', isoOrUndefined(row.ended_at));
  withOptional(run, 'usage', fromJson(row.usage) as Record<string, unknown> | undefined);
  withOptional(run, 'state', fromJson(row.state) as RunState | undefined);
  withOptional(run, 'parentRunId', textOrUndefined(row.parent_run_id));
  withOptional(run, 'parentEffectId', textOrUndefined(row.parent_effect_id));
  withOptional(run, 'resetOf', textOrUndefined(row.reset_of_run));
  if (run.state === undefined) {
    const start: NonNullable<LockedRun['start']> = { input: fromJson(row.start_input) ?? null };
    withOptional(start, 'trigger', fromJson(row.start_trigger) as RunTrigger | undefined);
    run.start = start;
  }
  return run;
}

/**
 * Rows are locked in id order, the same order in every runner, so two batches cannot deadlock.
 * A run without a state yet comes with its input and trigger: its start needs nothing more. Each
 * comes with the rate limits of its namespace (rate_limits is read, not locked): the calls a
 * batch dispatches carry them, and no statement of its own asks for them (an index probe per run;
 * the table is small, often empty). With the row come what a run's end leaves as it is (started_at,
 * ended_at, usage) and the transaction's time, which every write of it stamps on updated_at: a run
 * this transaction ends is known whole without reading it again (RunEnd).
 */
export async function lockRuns(db: Queryable, ids: readonly string[]): Promise<LockedRun[]> {
  if (ids.length === 0) return [];
  const rows = await db.query(
    `SELECT id, definition_id, namespace, name, version, status, state, event_seq, parent_run_id, parent_effect_id, reset_of ->> 'runId' AS reset_of_run,
       CASE WHEN state IS NULL THEN input END AS start_input, CASE WHEN state IS NULL THEN trigger END AS start_trigger,
       started_at, ended_at, usage, date_trunc('milliseconds', now()) AS locked_at,
       (SELECT json_agg(json_build_object('namespace', l.namespace, 'name', l.name, 'kind', l.kind, 'per', l.per, 'limit', l."limit", 'host', l.host, 'model', l.model) ORDER BY l.name)
        FROM rate_limits l WHERE l.namespace = runs.namespace) AS rate_limits
     FROM runs WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE OF runs`,
    [ids],
  );
  return rows.map(toLockedRun);
}

// What lockRunsUnchanged and lockInsertedRuns share: the runs $1 locked in id order (as lockRuns
// locks them) with what their checks read, a namespace without rate limits, and this transaction's
// id as the rows it writes carry it (xmin, 32 bits).
const LOCKED_RUNS = `(SELECT id, xmin, status, namespace FROM runs WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE) r`;
const NO_RATE_LIMIT = `NOT EXISTS (SELECT 1 FROM rate_limits l WHERE l.namespace = r.namespace)`;
const XID_MODULUS = 4_294_967_296;
const currentXid = (modulus: string) => `(pg_current_xact_id()::text::bigint % ${modulus})::text`;
const CURRENT_XID = currentXid(String(XID_MODULUS));

/**
 * Locks the runs as lockRuns does (in id order) and aborts the transaction (SQLSTATE BT409:
 * RunsChanged) unless each is running, its row as the transaction `savedBy` wrote it (xmin: any
 * later write of the row, by any statement, is another transaction's), in a namespace without rate
 * limits. Nothing to wait for: the check is made by the server, before the transaction's COMMIT.
 */
export async function lockRunsUnchanged(db: Queryable, runs: readonly { id: string; savedBy: string }[]): Promise<void> {
  if (runs.length === 0) return;
  await db.write(
    `SELECT baton_unchanged(count(*) = cardinality($1::text[]) AND coalesce(bool_and(
         r.xmin::text = u.saved_by AND r.status = 'running' AND ${NO_RATE_LIMIT}), false))
       FROM ${LOCKED_RUNS}
       JOIN unnest($1::text[], $2::text[]) AS u(id, saved_by) ON u.id = r.id`,
    [runs.map((r) => r.id), runs.map((r) => r.savedBy)],
  );
}

/**
 * Locks runs this transaction inserted and aborts it (SQLSTATE BT409: RunsChanged) unless each is
 * there, its row this transaction's (xmin: inserted by it — pending, or as the start decided in
 * the same transaction left it), in a namespace without rate limits.
 */
export async function lockInsertedRuns(db: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.write(
    `SELECT baton_unchanged(count(*) = cardinality($1::text[]) AND coalesce(bool_and(
         r.xmin::text = ${CURRENT_XID} AND ${NO_RATE_LIMIT}), false))
       FROM ${LOCKED_RUNS}`,
    [ids],
  );
}

/** This transaction's id as a row it writes carries it (xmin: the 32-bit xid), for lockRunsUnchanged. */
export async function transactionId(db: Queryable): Promise<string> {
  // Its caller (a batch) waits for it only after the COMMIT: it goes with it (RunnerTx.transactionId).
  // The modulus is a parameter so that the statement is prepared once per connection: one without
  // parameters is parsed and planned at every call (pg-group.ts), and a batch asks this at each.
  const rows = await queryAtCommit<{ xid: string }>(db, `SELECT ${currentXid('$1::bigint')} AS xid`, [XID_MODULUS]);
  return rows[0]!.xid;
}

/** Two updates of one run in a batch collapse into one: the last wins, usage numbers add up. */
export function collapseUpdates(updates: readonly RunUpdate[]): RunUpdate[] {
  const byId = new Map<string, RunUpdate>();
  for (const update of updates) {
    const previous = byId.get(update.id);
    if (!previous) {
      byId.set(update.id, update);
      continue;
    }
    const usage = { ...previous.usage };
    for (const [key, value] of Object.entries(update.usage ?? {})) usage[key] = (usage[key] ?? 0) + value;
    byId.set(update.id, {
      ...update,
      startedAt: previous.startedAt ?? update.startedAt,
      ...(Object.keys(usage).length > 0 ? { usage } : {}),
    });
  }
  return [...byId.values()];
}

// usage: keys of the update are added to the run's numbers (a key that is not a number yet is set).
// `r.id = ANY($1)`: rows are fetched by primary key, never by a scan of runs (see completeAttempts).
const SAVE_RUNS_SQL = `UPDATE runs r SET
    status = u.status,
    state = coalesce(u.state, r.state),
    output = u.output,
    error = u.error,
    event_seq = u.event_seq,
    started_at = coalesce(r.started_at, u.started_at),
    ended_at = coalesce(r.ended_at, u.ended_at),
    updated_at = coalesce(u.updated_at, date_trunc('milliseconds', now())),
    usage = CASE WHEN u.usage IS NULL THEN r.usage ELSE (
      SELECT coalesce(r.usage, '{}'::jsonb) || coalesce(jsonb_object_agg(e.key,
        CASE WHEN jsonb_typeof(r.usage -> e.key) = 'number'
          THEN to_jsonb((r.usage ->> e.key)::numeric + e.value::numeric)
          ELSE to_jsonb(e.value::numeric) END), '{}'::jsonb)
      FROM jsonb_each_text(u.usage) AS e(key, value)) END
  FROM unnest($1::text[], $2::text[], ${jsonArray('$3')}, ${jsonArray('$4')}, ${jsonArray('$5')}, $6::int[],
              $7::timestamptz[], $8::timestamptz[], ${jsonArray('$9', 'jsonb')}, $10::timestamptz[])
    AS u(id, status, state, output, error, event_seq, started_at, ended_at, usage, updated_at)
  WHERE r.id = ANY($1::text[]) AND r.id = u.id`;

/** SAVE_RUNS_SQL's parameters ($1…$10); also those of the runs a start inserts as decided (runs.ts). */
export function saveRunsParams(updates: readonly RunUpdate[]): unknown[] {
  const rows = collapseUpdates(updates);
  return [
    rows.map((u) => u.id),
    rows.map((u) => u.status),
    jsonList(rows, (u) => u.state),
    jsonList(rows, (u) => u.output),
    jsonList(rows, (u) => u.error),
    rows.map((u) => u.eventSeq),
    rows.map((u) => u.startedAt ?? null),
    rows.map((u) => u.endedAt ?? null),
    jsonList(rows, (u) => u.usage),
    rows.map((u) => u.updatedAt ?? null),
  ];
}

export async function saveRuns(db: Queryable, updates: readonly RunUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  await db.write(SAVE_RUNS_SQL, saveRunsParams(updates));
}

// saveRuns, appendEvents, insertAttempts and setAppliedSeqs as one statement (data-modifying CTEs,
// each run to completion whether or not the outer SELECT reads it; an empty part writes nothing).
// The parts touch different rows: the attempts whose applied_seq is set existed before the batch.
const SAVE_TRANSITIONS_SQL = `WITH saved AS (${SAVE_RUNS_SQL}),
  logged AS (INSERT INTO run_events (run_id, seq, id, type, time, data, key)
    SELECT * FROM unnest($11::text[], $12::int[], $13::text[], $14::text[], $15::timestamptz[], ${jsonArray('$16')}, $17::text[])),
  attempted AS (INSERT INTO task_attempts (id, run_id, effect_id, kind, reference, payload, status)
    SELECT * FROM unnest($18::text[], $19::text[], $20::text[], $21::text[], $22::text[], ${jsonArray('$23')}, $24::text[])),
  applied AS (UPDATE task_attempts a SET applied_seq = u.seq FROM unnest($25::text[], $26::bigint[]) AS u(id, seq)
    WHERE a.id = ANY($25::text[]) AND a.id = u.id)
SELECT ${CURRENT_XID} AS xid`;

/**
 * What a batch's decisions write, in one statement instead of four (one parse, bind and execute
 * instead of four — what PGlite pays most for): new run states, appended events, new attempts and
 * the applied seqs of attempts whose outcome was applied (attempts written before this statement).
 * A query at commit (held as a write is; its failure is the commit's), it answers this
 * transaction's id as transactionId does, so that the batch asks no statement of its own for it:
 * one statement less per runner transaction (in PGlite's backend ~0.045 ms of a ~0.65 ms
 * transaction, bench/README). Returns that id, or undefined when there was nothing to write (no
 * statement was sent).
 */
export function saveTransitions(
  db: Queryable,
  t: { updates: readonly RunUpdate[]; events: readonly RunEventRecord[]; attempts: readonly NewAttempt[]; applied: readonly { id: string; seq: number }[] },
): Promise<string> | undefined {
  if (t.updates.length + t.events.length + t.attempts.length + t.applied.length === 0) return undefined;
  checkEventIds(t.events);
  const rows = queryAtCommit<{ xid: string }>(db, SAVE_TRANSITIONS_SQL, [
    ...saveRunsParams(t.updates),
    t.events.map((e) => e.runId),
    t.events.map((e) => e.seq),
    t.events.map((e) => e.id),
    t.events.map((e) => e.type),
    t.events.map((e) => e.time),
    jsonList(t.events, (e) => e.data),
    t.events.map((e) => e.key ?? null),
    t.attempts.map((a) => a.id),
    t.attempts.map((a) => a.runId),
    t.attempts.map((a) => a.effectId),
    t.attempts.map((a) => a.kind),
    t.attempts.map((a) => a.reference),
    jsonList(t.attempts, (a) => a.payload ?? null),
    t.attempts.map((a) => (a.held ? 'held' : 'scheduled')),
    t.applied.map((a) => a.id),
    t.applied.map((a) => a.seq),
  ]);
  return rows.then((answered) => answered[0]!.xid);
}

const SET_EVENT_SEQS_SQL = `
UPDATE runs AS r SET event_seq = GREATEST(r.event_seq, u.event_seq), updated_at = date_trunc('milliseconds', now())
FROM unnest($1::text[], $2::int[]) AS u(id, event_seq)
WHERE r.id = ANY($1::text[]) AND r.id = u.id`;

/** Runs whose log grew without a decision: only event_seq moves (never backwards). */
export async function setEventSeqs(db: Queryable, updates: readonly { id: string; eventSeq: number }[]): Promise<void> {
  if (updates.length === 0) return;
  await db.write(SET_EVENT_SEQS_SQL, [updates.map((u) => u.id), updates.map((u) => u.eventSeq)]);
}

/** The stored state of runs that ended, cleared (RunnerTx.clearRunStates); a live run keeps its own. */
export async function clearRunStates(db: Queryable, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return;
  await db.write(`UPDATE runs SET state = NULL WHERE id = ANY($1::text[]) AND status IN ${TERMINAL_SQL} AND state IS NOT NULL`, [runIds]);
}
