// rate_limits: named limits per namespace (migration 0011); and the deferral of task attempts a
// worker handed back over a limit (task_attempts.payload.rateLimit, dispatched_at).
import type { DeferredAttempt, RateLimitRecord, RateLimitSpec } from '@baton/core';
import type { Queryable, Row } from '../db/types.ts';
import { iso, textOrUndefined, withOptional } from './values.ts';

const COLUMNS = 'namespace, name, kind, per, "limit", host, model, created_at, updated_at';

/** A limit from a row of rate_limits (or an object with its columns' names, as lockRuns reads them). */
export function toSpec(row: Row): RateLimitSpec {
  const spec: RateLimitSpec = { namespace: row.namespace as string, name: row.name as string, kind: row.kind as RateLimitSpec['kind'], per: row.per as RateLimitSpec['per'], limit: Number(row.limit) };
  withOptional(spec, 'host', textOrUndefined(row.host));
  withOptional(spec, 'model', textOrUndefined(row.model));
  return spec;
}

function toRecord(row: Row): RateLimitRecord {
  return { ...toSpec(row), createdAt: iso(row.created_at), updatedAt: iso(row.updated_at) };
}

export async function listRateLimits(db: Queryable, namespace?: string): Promise<RateLimitRecord[]> {
  const rows = namespace === undefined ? await db.query(`SELECT ${COLUMNS} FROM rate_limits ORDER BY namespace, name`) : await db.query(`SELECT ${COLUMNS} FROM rate_limits WHERE namespace = $1 ORDER BY name`, [namespace]);
  return rows.map(toRecord);
}

export async function getRateLimit(db: Queryable, namespace: string, name: string): Promise<RateLimitRecord | undefined> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM rate_limits WHERE namespace = $1 AND name = $2`, [namespace, name]);
  return rows[0] ? toRecord(rows[0]) : undefined;
}

export async function putRateLimit(db: Queryable, spec: RateLimitSpec): Promise<{ record: RateLimitRecord; created: boolean }> {
  const rows = await db.query(
    `INSERT INTO rate_limits AS r (namespace, name, kind, per, "limit", host, model) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (namespace, name) DO UPDATE SET kind = EXCLUDED.kind, per = EXCLUDED.per, "limit" = EXCLUDED."limit",
       host = EXCLUDED.host, model = EXCLUDED.model, updated_at = date_trunc('milliseconds', now())
     RETURNING ${COLUMNS}, (xmax = 0) AS created`,
    [spec.namespace, spec.name, spec.kind, spec.per, spec.limit, spec.host ?? null, spec.model ?? null],
  );
  const row = rows[0]!;
  return { record: toRecord(row), created: row.created === true };
}

export async function deleteRateLimit(db: Queryable, namespace: string, name: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM rate_limits WHERE namespace = $1 AND name = $2 RETURNING name', [namespace, name]);
  return rows.length > 0;
}

/** The limits of the namespaces (a runner batch dispatching their tasks). */
export async function rateLimitsOf(db: Queryable, namespaces: readonly string[]): Promise<RateLimitSpec[]> {
  if (namespaces.length === 0) return [];
  const rows = await db.query(`SELECT ${COLUMNS} FROM rate_limits WHERE namespace = ANY($1::text[]) ORDER BY namespace, name`, [namespaces]);
  return rows.map(toSpec);
}


/**
 * Deferrals still current (the attempt scheduled, its deferral count the worker's): the count moves
 * on, the reservation is recorded, and dispatched_at becomes `until` — no stale-attempt sweep sends
 * it before then. A second copy of the same deferral finds the count moved and changes nothing.
 */
export async function deferAttempts(db: Queryable, deferrals: readonly DeferredAttempt[]): Promise<string[]> {
  if (deferrals.length === 0) return [];
  const rows = await db.query<{ id: string }>(
    `UPDATE task_attempts a SET
       payload = jsonb_set(a.payload::jsonb, '{rateLimit}', coalesce(a.payload::jsonb -> 'rateLimit', '{}'::jsonb)
         || jsonb_build_object('deferrals', u.deferral + 1, 'reserved', jsonb_build_object('until', u.until, 'names', u.reserved::jsonb)))::json,
       dispatched_at = to_timestamp(u.until / 1000.0)
     FROM unnest($1::text[], $2::int[], $3::float8[], $4::text[]) AS u(id, deferral, until, reserved)
     WHERE a.id = u.id AND a.status = 'scheduled' AND a.payload IS NOT NULL
       AND coalesce((a.payload::jsonb #>> '{rateLimit,deferrals}')::int, 0) = u.deferral
     RETURNING a.id`,
    [deferrals.map((d) => d.attemptId), deferrals.map((d) => d.deferral), deferrals.map((d) => d.until), deferrals.map((d) => JSON.stringify(d.reserved))],
  );
  return rows.map((row) => row.id);
}
