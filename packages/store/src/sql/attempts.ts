// task_attempts: one row per task effect. dispatched_at is when it was last handed to the
// transport (set when written: its relay row sends it); the stale sweep re-sends those lost there.
import type { AttemptKind, AttemptOutcome, AttemptRecord, AttemptStatus, HeldAttempt, NewAttempt, WorkflowError } from '@baton/core';
import type { Queryable, Row } from '../db/types.ts';
import { clampLimit, fromJson, iso, isoOrUndefined, jsonArray, jsonList, textOrUndefined, withOptional } from './values.ts';
import { cutoffSql, type Cutoff } from './cutoff.ts';

const COLUMNS = 'id, run_id, effect_id, kind, reference, payload, status, result, error, created_at, dispatched_at, finished_at, applied_seq, replayed_from';
const now = `date_trunc('milliseconds', now())`;

function toAttempt(row: Row): AttemptRecord {
  const attempt: AttemptRecord = {
    id: row.id as string,
    runId: row.run_id as string,
    effectId: row.effect_id as string,
    kind: row.kind as AttemptKind,
    reference: row.reference as string,
    payload: fromJson(row.payload) ?? null,
    status: row.status as AttemptStatus,
    createdAt: iso(row.created_at),
  };
  withOptional(attempt, 'result', fromJson(row.result));
  withOptional(attempt, 'error', fromJson(row.error) as WorkflowError | undefined);
  withOptional(attempt, 'dispatchedAt', isoOrUndefined(row.dispatched_at));
  withOptional(attempt, 'finishedAt', isoOrUndefined(row.finished_at));
  if (row.applied_seq !== null && row.applied_seq !== undefined) attempt.appliedSeq = Number(row.applied_seq);
  withOptional(attempt, 'replayedFrom', textOrUndefined(row.replayed_from));
  return attempt;
}

export async function insertAttempts(db: Queryable, attempts: readonly NewAttempt[]): Promise<void> {
  if (attempts.length === 0) return;
  await db.write(
    `INSERT INTO task_attempts (id, run_id, effect_id, kind, reference, payload, status)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], ${jsonArray('$6')}, $7::text[])`,
    [
      attempts.map((a) => a.id),
      attempts.map((a) => a.runId),
      attempts.map((a) => a.effectId),
      attempts.map((a) => a.kind),
      attempts.map((a) => a.reference),
      jsonList(attempts, (a) => a.payload ?? null),
      attempts.map((a): AttemptStatus => (a.held ? 'held' : 'scheduled')),
    ],
  );
}

/**
 * Only attempts still `scheduled` change: a result delivered twice is applied once. An outcome's
 * applied seq (AttemptOutcome.appliedSeq) is set with it; without one the attempt's stays.
 * `a.id = ANY($1)` makes the planner fetch the rows by primary key; joined on unnest alone it
 * may estimate few scheduled attempts and scan the whole table instead.
 */
const COMPLETE_ATTEMPTS_SQL = `UPDATE task_attempts a
     SET status = o.status, result = o.result, error = o.error, finished_at = ${now}, applied_seq = coalesce(o.seq, a.applied_seq)
     FROM (SELECT DISTINCT ON (id) * FROM unnest($1::text[], $2::text[], ${jsonArray('$3')}, ${jsonArray('$4')}, $5::bigint[])
           AS u(id, status, result, error, seq)) o
     WHERE a.id = ANY($1::text[]) AND a.id = o.id AND a.status = 'scheduled'
     RETURNING a.id`;

function completeAttemptsParams(outcomes: readonly AttemptOutcome[]): unknown[] {
  return [outcomes.map((o) => o.id), outcomes.map((o) => o.status), jsonList(outcomes, (o) => o.result), jsonList(outcomes, (o) => o.error), outcomes.map((o) => o.appliedSeq ?? null)];
}

export async function completeAttempts(db: Queryable, outcomes: readonly AttemptOutcome[]): Promise<string[]> {
  if (outcomes.length === 0) return [];
  const rows = await db.query<{ id: string }>(COMPLETE_ATTEMPTS_SQL, completeAttemptsParams(outcomes));
  return rows.map((row) => row.id);
}

/**
 * completeAttempts for outcomes of distinct attempts that must all be open: the transaction aborts
 * (SQLSTATE BT409: RunsChanged) when one was not `scheduled` any more. Nothing to wait for.
 */
export async function completeOpenAttempts(db: Queryable, outcomes: readonly AttemptOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await db.write(`WITH done AS (${COMPLETE_ATTEMPTS_SQL}) SELECT baton_unchanged(count(*) = cardinality($1::text[])) FROM done`, completeAttemptsParams(outcomes));
}

/** Scheduled and held attempts among the ids become cancelled; `held` says which were never dispatched. */
export async function cancelAttempts(db: Queryable, ids: readonly string[]): Promise<{ id: string; kind: AttemptKind; held: boolean }[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<{ id: string; kind: AttemptKind; was: string }>(
    `UPDATE task_attempts a SET status = 'cancelled', finished_at = ${now}
     FROM (SELECT id, status FROM task_attempts WHERE id = ANY($1::text[]) AND status IN ('scheduled', 'held') FOR UPDATE) o
     WHERE a.id = ANY($1::text[]) AND a.id = o.id AND a.status IN ('scheduled', 'held') RETURNING a.id, a.kind, o.status AS was`,
    [ids],
  );
  return rows.map((row) => ({ id: row.id, kind: row.kind, held: row.was === 'held' }));
}

/** Held attempts of the runs, in effect order per run ("e2" before "e10"). */
export async function heldAttempts(db: Queryable, runIds: readonly string[]): Promise<HeldAttempt[]> {
  if (runIds.length === 0) return [];
  const rows = await db.query(
    `SELECT id, run_id, effect_id, kind, reference, payload FROM task_attempts
     WHERE run_id = ANY($1::text[]) AND status = 'held' ORDER BY run_id, length(effect_id), effect_id`,
    [runIds],
  );
  return rows.map((row) => ({ id: row.id as string, runId: row.run_id as string, effectId: row.effect_id as string, kind: row.kind as AttemptKind, reference: row.reference as string, payload: fromJson(row.payload) ?? null }));
}

/** Held attempts become scheduled, handed to the transport now, with the payload sent. */
export async function releaseAttempts(db: Queryable, attempts: readonly { id: string; payload: unknown }[]): Promise<string[]> {
  if (attempts.length === 0) return [];
  const rows = await db.query<{ id: string }>(
    `UPDATE task_attempts a SET status = 'scheduled', payload = u.payload, dispatched_at = ${now}
     FROM unnest($1::text[], ${jsonArray('$2')}) AS u(id, payload)
     WHERE a.id = ANY($1::text[]) AND a.id = u.id AND a.status = 'held'
     RETURNING a.id`,
    [attempts.map((a) => a.id), jsonList(attempts, (a) => a.payload ?? null)],
  );
  return rows.map((row) => row.id);
}

export async function cancelHeldAttempts(db: Queryable, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return;
  await db.write(`UPDATE task_attempts SET status = 'cancelled', finished_at = ${now} WHERE run_id = ANY($1::text[]) AND status = 'held'`, [runIds]);
}

export async function listAttempts(db: Queryable, runId: string): Promise<AttemptRecord[]> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM task_attempts WHERE run_id = $1 ORDER BY created_at, id`, [runId]);
  return rows.map(toAttempt);
}

/** Payloads of the attempts among `ids` still scheduled: what a relay row sent by a sweeper enqueues. */
export async function scheduledTaskPayloads(db: Queryable, ids: readonly string[]): Promise<{ id: string; kind: AttemptKind; payload: unknown }[]> {
  if (ids.length === 0) return [];
  const rows = await db.query(`SELECT id, kind, payload FROM task_attempts WHERE id = ANY($1::text[]) AND status = 'scheduled' ORDER BY created_at, id`, [ids]);
  return rows.map((row) => ({ id: row.id as string, kind: row.kind as AttemptKind, payload: fromJson(row.payload) ?? null }));
}

/**
 * Scheduled attempts handed to the transport before the cutoff, claimed: dispatched_at becomes now
 * in the same statement, and SKIP LOCKED keeps two sweepers from taking one attempt.
 */
export async function claimStaleAttempts(db: Queryable, kind: AttemptKind, cutoff: Cutoff, limit: number): Promise<AttemptRecord[]> {
  const where = cutoffSql('dispatched_at', cutoff, 2);
  const rows = await db.query(
    `UPDATE task_attempts a SET dispatched_at = ${now}
     WHERE a.id IN (SELECT id FROM task_attempts
                    WHERE kind = $1 AND status = 'scheduled' AND dispatched_at IS NOT NULL AND ${where.sql}
                    ORDER BY dispatched_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
       AND a.status = 'scheduled'
     RETURNING ${COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')}`,
    [kind, where.param, clampLimit(limit)],
  );
  return rows.map(toAttempt);
}

/** Cancels every scheduled or held attempt of the runs; returns them (`held`: never dispatched). */
export async function cancelAttemptsOfRuns(db: Queryable, runIds: readonly string[]): Promise<{ id: string; runId: string; effectId: string; kind: AttemptKind; held: boolean }[]> {
  if (runIds.length === 0) return [];
  const rows = await db.query(
    `UPDATE task_attempts a SET status = 'cancelled', finished_at = ${now}
     FROM (SELECT id, status FROM task_attempts WHERE run_id = ANY($1::text[]) AND status IN ('scheduled', 'held') FOR UPDATE) o
     WHERE a.run_id = ANY($1::text[]) AND a.id = o.id AND a.status IN ('scheduled', 'held') RETURNING a.id, a.run_id, a.effect_id, a.kind, o.status AS was`,
    [runIds],
  );
  return rows.map((row) => ({ id: row.id as string, runId: row.run_id as string, effectId: row.effect_id as string, kind: row.kind as AttemptKind, held: row.was === 'held' }));
}
