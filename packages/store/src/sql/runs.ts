// runs: creation (API and child runs), reads and the listing. The runner's row locks and
// transitions are in run-transitions.ts.
import type { DefinitionPick, NewRun, Page, ResetOf, RunListQuery, RunRecord, RunStatus, RunTrigger, RunUpdate, WorkflowError } from '@baton/core';
import { queryAtCommit, type Queryable, type Row } from '../db/types.ts';
import { TERMINAL_SQL, clampLimit, decodeCursor, encodeCursor, fromJson, iso, isoOrUndefined, jsonArray, jsonList, textOrUndefined, withOptional } from './values.ts';
import { cutoffSql, type Cutoff } from './cutoff.ts';
import { saveRunsParams } from './run-transitions.ts';
import { versionsFingerprint } from './definitions.ts';

export const COLUMNS = `id, definition_id, namespace, name, version, status, input, output, error, idempotency_key,
  parent_run_id, parent_effect_id, usage, trigger, schedule_id, rerun_of, reset_of, created_at, started_at, ended_at, updated_at`;

export function toRun(row: Row): RunRecord {
  const run: RunRecord = {
    id: row.id as string,
    definitionId: row.definition_id as string,
    namespace: row.namespace as string,
    name: row.name as string,
    version: row.version as string,
    status: row.status as RunStatus,
    input: fromJson(row.input) ?? null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
  withOptional(run, 'output', fromJson(row.output));
  withOptional(run, 'error', fromJson(row.error) as WorkflowError | undefined);
  withOptional(run, 'idempotencyKey', textOrUndefined(row.idempotency_key));
  withOptional(run, 'parentRunId', textOrUndefined(row.parent_run_id));
  withOptional(run, 'parentEffectId', textOrUndefined(row.parent_effect_id));
  withOptional(run, 'usage', fromJson(row.usage) as Record<string, unknown> | undefined);
  withOptional(run, 'trigger', fromJson(row.trigger) as RunTrigger | undefined);
  withOptional(run, 'scheduleId', textOrUndefined(row.schedule_id));
  withOptional(run, 'rerunOf', textOrUndefined(row.rerun_of));
  withOptional(run, 'resetOf', fromJson(row.reset_of) as ResetOf | undefined);
  withOptional(run, 'startedAt', isoOrUndefined(row.started_at));
  withOptional(run, 'endedAt', isoOrUndefined(row.ended_at));
  return run;
}

/** Column arrays for INSERT … SELECT FROM unnest: one statement whatever the number of runs. */
function runColumns(runs: readonly NewRun[]): unknown[] {
  return [
    runs.map((r) => r.id),
    runs.map((r) => r.definitionId),
    runs.map((r) => r.namespace),
    runs.map((r) => r.name),
    runs.map((r) => r.version),
    jsonList(runs, (r) => r.input ?? null),
    runs.map((r) => r.idempotencyKey ?? null),
    runs.map((r) => r.parentRunId ?? null),
    runs.map((r) => r.parentEffectId ?? null),
    jsonList(runs, (r) => r.trigger),
    runs.map((r) => r.scheduleId ?? null),
    runs.map((r) => r.rerunOf ?? null),
    runs.map((r) => r.priority ?? 0),
  ];
}

// The columns runColumns gives ($1…$13), and their arrays.
const NEW_RUN_COLUMNS = 'id, definition_id, namespace, name, version, input, idempotency_key, parent_run_id, parent_effect_id, trigger, schedule_id, rerun_of, priority';
const NEW_RUN_ARRAYS = `$1::text[], $2::text[], $3::text[], $4::text[], $5::text[], ${jsonArray('$6')}, $7::text[], $8::text[], $9::text[], ${jsonArray('$10')}, $11::text[], $12::text[], $13::int[]`;
const INSERT_RUNS = `INSERT INTO runs (${NEW_RUN_COLUMNS}) SELECT * FROM unnest(${NEW_RUN_ARRAYS})`;

// INSERT_RUNS with what a decision made in the same transaction leaves of each run, its updates
// as saveRuns takes them (saveRunsParams, from $18 on: createPickedRuns' pick takes $14…$17; usage
// is not inserted, saveRuns adds it to the row) joined by id; a run without one is pending. A run is
// not created after its start was decided: created_at is the transaction's time, or the decision's
// stamp when that is earlier (the decision is made before its statements are sent, BEGIN with them).
const INSERT_DECIDED_RUNS = `INSERT INTO runs (${NEW_RUN_COLUMNS}, status, state, output, error, event_seq, started_at, ended_at, updated_at, created_at)
  SELECT ${NEW_RUN_COLUMNS}, coalesce(status, 'pending'), state, output, error, coalesce(event_seq, 0), started_at, ended_at,
    coalesce(updated_at, date_trunc('milliseconds', now())), least(date_trunc('milliseconds', now()), started_at, updated_at)
  FROM unnest(${NEW_RUN_ARRAYS}) AS r(${NEW_RUN_COLUMNS})
  LEFT JOIN unnest($18::text[], $19::text[], ${jsonArray('$20')}, ${jsonArray('$21')}, ${jsonArray('$22')}, $23::int[],
                   $24::timestamptz[], $25::timestamptz[], ${jsonArray('$26', 'jsonb')}, $27::timestamptz[])
    AS u(id, status, state, output, error, event_seq, started_at, ended_at, usage, updated_at) USING (id)`;

/** Child runs created inside a runner transaction. A duplicate id or idempotency key is an error. */
export async function insertRuns(db: Queryable, runs: readonly NewRun[]): Promise<void> {
  if (runs.length === 0) return;
  await db.write(INSERT_RUNS, runColumns(runs));
}

/** Runs whose id and idempotency key are new; a conflicting one is skipped. Returns the ids inserted. */
export async function insertRunsReturning(db: Queryable, runs: readonly NewRun[]): Promise<string[]> {
  if (runs.length === 0) return [];
  const rows = await db.query<{ id: string }>(`${INSERT_RUNS} ON CONFLICT DO NOTHING RETURNING id`, runColumns(runs));
  return rows.map((row) => row.id);
}

/**
 * Race-safe idempotent creation: the insert yields on any unique conflict (id or idempotency
 * key); the run that won is then read back. Under READ COMMITTED the conflicting insert waits
 * for the winner's commit, so the read that follows sees it.
 */
export async function createRun(db: Queryable, run: NewRun): Promise<{ run: RunRecord; created: boolean }> {
  const inserted = await db.query(`${INSERT_RUNS} ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`, runColumns([run]));
  if (inserted[0]) return { run: newRunRecord(inserted[0], run), created: true };
  // The run holding the key wins; without a key (or if the conflict was on the id) the same id.
  const existing = await db.query(
    `SELECT ${COLUMNS} FROM runs
     WHERE (namespace = $1 AND idempotency_key = $2) OR id = $3
     ORDER BY (idempotency_key IS NOT DISTINCT FROM $2) DESC LIMIT 1`,
    [run.namespace, run.idempotencyKey ?? null, run.id],
  );
  if (!existing[0]) throw new Error(`run ${run.id} conflicted with a run that cannot be read back`);
  return { run: toRun(existing[0]), created: false };
}

/**
 * createRun in one statement for runs whose definition is a pick of an earlier lookup (the runs of
 * one pick, store.createPickedRun batches them: picked-runs.ts): inserted only while the pick holds
 * (the versions it chose among are the same), its guard read once. The records of the runs
 * inserted, by id; a run that conflicts — with another run, or with one before it in `runs` (the
 * same idempotency key) — is not in the map, and none is when the pick no longer holds.
 * `atCommit`: the rows are wanted only once the transaction commits (Queryable.queryAtCommit).
 */
export async function createPickedRuns(db: Queryable, runs: readonly NewRun[], pick: DefinitionPick, atCommit = false, decided?: readonly RunUpdate[]): Promise<Map<string, RunRecord>> {
  const pickParams = [pick.namespace, pick.name, pick.latest ? null : pick.version, pick.versions];
  const sql = `${decided ? INSERT_DECIDED_RUNS : INSERT_RUNS} WHERE ${versionsFingerprint(14)} = $17 ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`;
  const params = decided ? [...runColumns(runs), ...pickParams, ...saveRunsParams(decided)] : [...runColumns(runs), ...pickParams];
  const rows = atCommit ? await queryAtCommit(db, sql, params) : await db.query(sql, params);
  const byId = new Map(runs.map((run) => [run.id, run]));
  return new Map(rows.map((row) => [row.id as string, newRunRecord(row, byId.get(row.id as string)!)]));
}

/** A run just inserted, as read back — with its priority (not among COLUMNS: a listing does not show it). */
function newRunRecord(row: Row, run: NewRun): RunRecord {
  const record = toRun(row);
  if (run.priority) record.priority = run.priority;
  return record;
}

export async function getRun(db: Queryable, id: string): Promise<RunRecord | undefined> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM runs WHERE id = $1`, [id]);
  return rows[0] ? toRun(rows[0]) : undefined;
}

function decodeRunCursor(cursor: string): [string, string] {
  return decodeCursor('runs', cursor, ['timestamp', 'string']) as [string, string];
}

/** The WHERE terms of a listing (filters and the keyset cursor), their values pushed onto params. */
export function runFilters(query: RunListQuery, params: unknown[]): string[] {
  const where: string[] = [];
  if (query.status !== undefined) where.push(`status = $${params.push(query.status)}`);
  if (query.namespace !== undefined) where.push(`namespace = $${params.push(query.namespace)}`);
  if (query.name !== undefined) where.push(`name = $${params.push(query.name)}`);
  if (query.scheduleId !== undefined) where.push(`schedule_id = $${params.push(query.scheduleId)}`);
  if (query.parentRunId !== undefined) where.push(`parent_run_id = $${params.push(query.parentRunId)}`);
  if (query.rerunOf !== undefined) where.push(`rerun_of = $${params.push(query.rerunOf)}`);
  if (query.resetOf !== undefined) where.push(`reset_of ->> 'runId' = $${params.push(query.resetOf)}`);
  if (query.cursor !== undefined) {
    const [createdAt, id] = decodeRunCursor(query.cursor);
    where.push(`(created_at, id) < ($${params.push(createdAt)}::timestamptz, $${params.push(id)})`);
  }
  return where;
}

/** Newest first, keyset on (created_at, id). A search (`search`) is run-search.ts. */
export async function listRuns(db: Queryable, query: RunListQuery): Promise<Page<RunRecord>> {
  const limit = clampLimit(query.limit);
  const params: unknown[] = [];
  const where = runFilters(query, params);
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM runs
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id DESC
     LIMIT $${params.push(limit + 1)}`,
    params,
  );
  const items = rows.slice(0, limit).map(toRun);
  const last = items[items.length - 1];
  return rows.length > limit && last ? { items, nextCursor: encodeCursor('runs', [last.createdAt, last.id]) } : { items };
}

/**
 * Runs still pending (no first decision) last touched before the cutoff, oldest first, claimed:
 * updated_at becomes now, so each is re-sent by one sweeper and not again before the cutoff.
 */
export async function claimPendingRuns(db: Queryable, cutoff: Cutoff, limit: number): Promise<string[]> {
  const where = cutoffSql('updated_at', cutoff, 1);
  // RETURNING comes in physical order: the claim is sorted again by the time it was last touched.
  const rows = await db.query<{ id: string }>(
    // A run queued on a concurrency key is not lost: the transaction that admits it writes its start.
    `WITH due AS (SELECT id, updated_at FROM runs WHERE status = 'pending' AND ${where.sql}
                    AND NOT EXISTS (SELECT 1 FROM concurrency_slots s WHERE s.run_id = runs.id AND s.state = 'queued')
                  ORDER BY updated_at, id LIMIT $2 FOR UPDATE SKIP LOCKED),
     claimed AS (UPDATE runs r SET updated_at = date_trunc('milliseconds', now()) FROM due
                 WHERE r.id = due.id AND r.status = 'pending' RETURNING r.id, due.updated_at AS touched)
     SELECT id FROM claimed ORDER BY touched, id`,
    [where.param, clampLimit(limit)],
  );
  return rows.map((row) => row.id);
}

/**
 * Runs under each top-level run (its child runs at any depth: ids `<root>.…`), by the byte range
 * 'root.' ≤ id < 'root/' on the runs_tree index (migration 0006).
 */
export async function countTreeRuns(db: Queryable, roots: readonly string[]): Promise<Map<string, number>> {
  if (roots.length === 0) return new Map();
  const rows = await db.query<{ root: string; n: number }>(
    `SELECT g.root, (SELECT count(*) FROM runs r WHERE r.parent_run_id IS NOT NULL AND r.id ~>=~ (g.root || '.') AND r.id ~<~ (g.root || '/'))::int AS n
     FROM unnest($1::text[]) AS g(root)`,
    [roots],
  );
  return new Map(rows.map((row) => [row.root, Number(row.n)]));
}

/** Child runs of the runs that have not ended. */
export async function liveChildRuns(db: Queryable, runIds: readonly string[]): Promise<{ id: string; parentRunId: string }[]> {
  if (runIds.length === 0) return [];
  const rows = await db.query<{ id: string; parent_run_id: string }>(
    `SELECT id, parent_run_id FROM runs WHERE parent_run_id = ANY($1::text[]) AND status NOT IN ${TERMINAL_SQL} ORDER BY id`,
    [runIds],
  );
  return rows.map((row) => ({ id: row.id, parentRunId: row.parent_run_id }));
}
