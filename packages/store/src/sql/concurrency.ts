// Concurrency keys and slots (migration 0010; the port in core ports/concurrency.ts). Every write
// here is made by a runner transaction holding the key rows concerned (lockConcurrencyKeys).
import { concurrencyKeyId, type ConcurrencyKeyRow, type ConcurrencySlot, type ConcurrencySlotState, type ConcurrencyTx, type RunRecord, type UngatedRun } from '@baton/core';
import type { Queryable, Row } from '../db/types.ts';
import { fromJson, jsonArray, jsonList } from './values.ts';
import { COLUMNS, toRun } from './runs.ts';

function toSlot(row: Row): ConcurrencySlot {
  const slot: ConcurrencySlot = { runId: row.run_id as string, scope: row.scope as string, key: row.key as string, state: row.state as ConcurrencySlotState, announced: row.announced !== false };
  if (row.ticket !== null && row.ticket !== undefined) slot.ticket = Number(row.ticket);
  return slot;
}

function toKeyRow(row: Row): ConcurrencyKeyRow {
  return { scope: row.scope as string, key: row.key as string, running: Number(row.running), limit: Number(row.limit), admitted: Number(row.admitted), evicting: (row.evicting as string[] | null) ?? [] };
}

export async function concurrencySlots(db: Queryable, runIds: readonly string[]): Promise<ConcurrencySlot[]> {
  if (runIds.length === 0) return [];
  return (await db.query(`SELECT run_id, scope, key, state, ticket, announced FROM concurrency_slots WHERE run_id = ANY($1::text[])`, [runIds])).map(toSlot);
}

/**
 * INSERT … ON CONFLICT DO UPDATE locks each row (a row another transaction deletes meanwhile is
 * inserted again: the outcome is atomic), in (scope, key) order so two batches cannot deadlock.
 */
export async function lockConcurrencyKeys(db: Queryable, keys: readonly { scope: string; key: string; limit?: number }[]): Promise<ConcurrencyKeyRow[]> {
  if (keys.length === 0) return [];
  const unique = new Map<string, { scope: string; key: string; limit?: number }>();
  for (const k of keys) {
    const id = concurrencyKeyId(k.scope, k.key);
    const seen = unique.get(id);
    unique.set(id, seen && k.limit === undefined ? seen : k);
  }
  const list = [...unique.values()].sort((a, b) => (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rows = await db.query(
    `INSERT INTO concurrency_keys AS c (scope, key, "limit")
     SELECT k.scope, k.key, coalesce(k.lim, 1) FROM unnest($1::text[], $2::text[], $3::int[]) WITH ORDINALITY AS k(scope, key, lim, n) ORDER BY k.n
     ON CONFLICT (scope, key) DO UPDATE SET "limit" = coalesce((SELECT k2.lim FROM unnest($1::text[], $2::text[], $3::int[]) AS k2(scope, key, lim) WHERE k2.scope = EXCLUDED.scope AND k2.key = EXCLUDED.key), c."limit")
     RETURNING scope, key, running, "limit", admitted, evicting`,
    [list.map((k) => k.scope), list.map((k) => k.key), list.map((k) => k.limit ?? null)],
  );
  return rows.map(toKeyRow);
}

export async function insertConcurrencySlots(db: Queryable, slots: readonly { runId: string; scope: string; key: string; announced?: boolean }[]): Promise<void> {
  if (slots.length === 0) return;
  await db.write(
    `INSERT INTO concurrency_slots (run_id, scope, key, state, priority, created_at, announced)
     SELECT s.run_id, s.scope, s.key, 'queued', r.priority, r.created_at, s.announced
     FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[]) AS s(run_id, scope, key, announced)
     JOIN runs r ON r.id = s.run_id
     ON CONFLICT (run_id) DO NOTHING`,
    [slots.map((s) => s.runId), slots.map((s) => s.scope), slots.map((s) => s.key), slots.map((s) => s.announced ?? true)],
  );
}

export async function announceSlots(db: Queryable, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return;
  await db.write(`UPDATE concurrency_slots SET announced = true WHERE run_id = ANY($1::text[]) AND NOT announced`, [runIds]);
}

export async function ungatedBefore(db: Queryable, namespace: string, name: string, scope: string, key: string, limit: number): Promise<UngatedRun[]> {
  const rows = await db.query(
    `SELECT r.id, r.definition_id, r.input FROM runs r
     WHERE r.namespace = $1 AND r.name = $2 AND r.status = 'pending'
       AND (r.created_at, r.id) < (SELECT created_at, run_id FROM concurrency_slots
                                   WHERE scope = $3 AND key = $4 AND state = 'queued' ORDER BY priority DESC, created_at, run_id LIMIT 1)
       AND NOT EXISTS (SELECT 1 FROM concurrency_slots s WHERE s.run_id = r.id)
     ORDER BY r.created_at, r.id LIMIT $5`,
    [namespace, name, scope, key, limit],
  );
  return rows.map((row) => ({ id: row.id as string, definitionId: row.definition_id as string, input: fromJson(row.input) ?? null }));
}

export async function admitQueued(db: Queryable, scope: string, key: string, n: number, firstTicket: number): Promise<string[]> {
  if (n <= 0) return [];
  const rows = await db.query<{ run_id: string; ticket: string | number }>(
    `WITH head AS (
       SELECT run_id, row_number() OVER (ORDER BY priority DESC, created_at, run_id) AS n FROM (
         SELECT run_id, priority, created_at FROM concurrency_slots
         WHERE scope = $1 AND key = $2 AND state = 'queued' ORDER BY priority DESC, created_at, run_id LIMIT $3) q)
     UPDATE concurrency_slots s SET state = 'running', admitted_at = date_trunc('milliseconds', now()), ticket = $4::bigint + head.n - 1
     FROM head WHERE s.run_id = head.run_id
     RETURNING s.run_id, s.ticket`,
    [scope, key, n, firstTicket],
  );
  return rows.sort((a, b) => Number(a.ticket) - Number(b.ticket)).map((row) => row.run_id);
}

export async function deleteConcurrencySlots(db: Queryable, runIds: readonly string[]): Promise<ConcurrencySlot[]> {
  if (runIds.length === 0) return [];
  return (await db.query(`DELETE FROM concurrency_slots WHERE run_id = ANY($1::text[]) RETURNING run_id, scope, key, state, ticket, announced`, [runIds])).map(toSlot);
}

export async function queuedCounts(db: Queryable, keys: readonly { scope: string; key: string }[]): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const rows = await db.query<{ scope: string; key: string; n: number }>(
    `SELECT k.scope, k.key, (SELECT count(*) FROM concurrency_slots s WHERE s.scope = k.scope AND s.key = k.key AND s.state = 'queued')::int AS n
     FROM unnest($1::text[], $2::text[]) AS k(scope, key)`,
    [keys.map((k) => k.scope), keys.map((k) => k.key)],
  );
  return new Map(rows.map((row) => [concurrencyKeyId(row.scope, row.key), Number(row.n)]));
}

const POSITIONS_SQL = `SELECT s.run_id, (SELECT count(*) FROM concurrency_slots a
    WHERE a.scope = s.scope AND a.key = s.key AND a.state = 'queued'
      AND (a.priority > s.priority OR (a.priority = s.priority AND (a.created_at, a.run_id) < (s.created_at, s.run_id))))::int + 1 AS position
  FROM concurrency_slots s WHERE s.run_id = ANY($1::text[]) AND s.state = 'queued'`;

export async function queuePositions(db: Queryable, runIds: readonly string[]): Promise<Map<string, number>> {
  if (runIds.length === 0) return new Map();
  const rows = await db.query<{ run_id: string; position: number }>(POSITIONS_SQL, [runIds]);
  return new Map(rows.map((row) => [row.run_id, Number(row.position)]));
}

export async function oldestRunning(db: Queryable, scope: string, key: string, n: number, except: readonly string[]): Promise<string[]> {
  if (n <= 0) return [];
  const rows = await db.query<{ run_id: string }>(
    `SELECT run_id FROM concurrency_slots WHERE scope = $1 AND key = $2 AND state = 'running' AND NOT (run_id = ANY($4::text[]))
     ORDER BY created_at, run_id LIMIT $3`,
    [scope, key, n, except],
  );
  return rows.map((row) => row.run_id);
}

export async function saveConcurrencyKeys(db: Queryable, rows: readonly ConcurrencyKeyRow[]): Promise<void> {
  if (rows.length === 0) return;
  const params = [rows.map((r) => r.scope), rows.map((r) => r.key), rows.map((r) => r.running), rows.map((r) => r.admitted), jsonList(rows, (r) => r.evicting)];
  await db.write(
    `UPDATE concurrency_keys c SET running = u.running, admitted = u.admitted, evicting = ARRAY(SELECT json_array_elements_text(u.evicting))
     FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], ${jsonArray('$5')}) AS u(scope, key, running, admitted, evicting)
     WHERE c.scope = u.scope AND c.key = u.key`,
    params,
  );
  // A key with no slot left has nothing to remember (its admission count starts again at 1).
  await db.write(
    `DELETE FROM concurrency_keys c USING unnest($1::text[], $2::text[]) AS u(scope, key)
     WHERE c.scope = u.scope AND c.key = u.key AND c.running = 0
       AND NOT EXISTS (SELECT 1 FROM concurrency_slots s WHERE s.scope = c.scope AND s.key = c.key)`,
    [rows.map((r) => r.scope), rows.map((r) => r.key)],
  );
}

/**
 * Runs with their priority and their place on a concurrency key (a slot exists until the run
 * ends): one round trip, a second for the queue positions of the runs that are queued.
 */
export async function getRunsWithConcurrency(db: Queryable, runIds: readonly string[]): Promise<Map<string, RunRecord>> {
  // One run (most reads) by `id = $1`: PostgreSQL moves such a statement to its generic plan after
  // five executions; on `id = ANY($1)` it planned every execution anew (0.3 ms, six times the read).
  const one = runIds.length === 1;
  const rows = await db.query(
    `SELECT ${COLUMNS}, priority AS run_priority, (SELECT json_build_object('key', s.key, 'state', s.state) FROM concurrency_slots s WHERE s.run_id = runs.id) AS slot
     FROM runs WHERE ${one ? 'id = $1' : 'id = ANY($1::text[])'}`,
    [one ? runIds[0] : runIds],
  );
  const runs = new Map<string, RunRecord>();
  const queued: string[] = [];
  for (const row of rows) {
    const run = toRun(row);
    const priority = Number(row.run_priority ?? 0);
    if (priority !== 0) run.priority = priority;
    const slot = fromJson(row.slot) as { key: string; state: ConcurrencySlotState } | undefined;
    if (slot) {
      run.concurrency = { key: slot.key === '' ? null : (JSON.parse(slot.key) as unknown), state: slot.state };
      if (slot.state === 'queued') queued.push(run.id);
    }
    runs.set(run.id, run);
  }
  for (const [runId, position] of await queuePositions(db, queued)) runs.get(runId)!.concurrency!.position = position;
  return runs;
}

/** The methods of every ConcurrencyTx, over its `db` (one object per transaction, no closures). */
const CONCURRENCY_METHODS: ConcurrencyTx & ThisType<{ readonly db: Queryable }> = {
  concurrencySlots(runIds) {
    return concurrencySlots(this.db, runIds);
  },
  lockConcurrencyKeys(keys) {
    return lockConcurrencyKeys(this.db, keys);
  },
  insertConcurrencySlots(slots) {
    return insertConcurrencySlots(this.db, slots);
  },
  announceSlots(runIds) {
    return announceSlots(this.db, runIds);
  },
  ungatedBefore(namespace, name, scope, key, limit) {
    return ungatedBefore(this.db, namespace, name, scope, key, limit);
  },
  admitQueued(scope, key, n, firstTicket) {
    return admitQueued(this.db, scope, key, n, firstTicket);
  },
  deleteConcurrencySlots(runIds) {
    return deleteConcurrencySlots(this.db, runIds);
  },
  queuedCounts(keys) {
    return queuedCounts(this.db, keys);
  },
  queuePositions(runIds) {
    return queuePositions(this.db, runIds);
  },
  oldestRunning(scope, key, n, except) {
    return oldestRunning(this.db, scope, key, n, except);
  },
  saveConcurrencyKeys(rows) {
    return saveConcurrencyKeys(this.db, rows);
  },
};

export function concurrencyTx(db: Queryable): ConcurrencyTx {
  return Object.create(CONCURRENCY_METHODS, { db: { value: db } }) as ConcurrencyTx;
}
