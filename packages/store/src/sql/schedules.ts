// schedules: one per workflow (namespace, name), following its latest version (migration 0007).
// Ticks are claimed with FOR UPDATE SKIP LOCKED (each by one runner); `on` schedules are locked
// in id order by the event's transaction, which serialises their consumption.
import type { NewRun, NewSchedule, Page, ScheduleConsumed, ScheduleRecord, ScheduleUpdate } from '@baton/core';
import type { WorkflowSchedule } from '@baton/core/document';
import type { Queryable, Row } from '../db/types.ts';
import { insertRunsReturning } from './runs.ts';
import { clampLimit, decodeCursor, encodeCursor, fromJson, iso, jsonParam, textOrUndefined, withOptional } from './values.ts';

const COLUMNS = `id, namespace, name, definition_id, version, kind, spec, paused, next_at, anchor_at, consumed,
  last_tick_at, last_run_id, ticks, skipped, created_at, updated_at`;

const numberOrUndefined = (value: unknown) => (value === null || value === undefined ? undefined : Number(value));

function toSchedule(row: Row): ScheduleRecord {
  const schedule: ScheduleRecord = {
    id: row.id as string,
    namespace: row.namespace as string,
    name: row.name as string,
    definitionId: row.definition_id as string,
    version: row.version as string,
    kind: row.kind as ScheduleRecord['kind'],
    spec: fromJson(row.spec) as WorkflowSchedule,
    paused: row.paused as boolean,
    anchorAt: Number(row.anchor_at),
    ticks: Number(row.ticks),
    skipped: Number(row.skipped),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
  withOptional(schedule, 'nextAt', numberOrUndefined(row.next_at));
  withOptional(schedule, 'consumed', fromJson(row.consumed) as ScheduleConsumed | undefined);
  withOptional(schedule, 'lastTickAt', numberOrUndefined(row.last_tick_at));
  withOptional(schedule, 'lastRunId', textOrUndefined(row.last_run_id));
  return schedule;
}

export async function lockScheduleOf(db: Queryable, namespace: string, name: string): Promise<ScheduleRecord | undefined> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM schedules WHERE namespace = $1 AND name = $2 FOR UPDATE`, [namespace, name]);
  return rows[0] ? toSchedule(rows[0]) : undefined;
}

export async function lockSchedule(db: Queryable, id: string): Promise<ScheduleRecord | undefined> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM schedules WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] ? toSchedule(rows[0]) : undefined;
}

export async function getSchedule(db: Queryable, id: string): Promise<ScheduleRecord | undefined> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM schedules WHERE id = $1`, [id]);
  return rows[0] ? toSchedule(rows[0]) : undefined;
}

/** A new schedule, or the same id moved to another version (its counters, pause and phase stay). */
export async function putSchedule(db: Queryable, s: NewSchedule): Promise<void> {
  await db.write(
    `INSERT INTO schedules (id, namespace, name, definition_id, version, kind, spec, next_at, anchor_at, event_types)
     VALUES ($1, $2, $3, $4, $5, $6, $7::text::json, $8, $9, $10::text[])
     ON CONFLICT (id) DO UPDATE SET definition_id = excluded.definition_id, version = excluded.version, kind = excluded.kind,
       spec = excluded.spec, next_at = excluded.next_at, anchor_at = excluded.anchor_at, event_types = excluded.event_types,
       consumed = NULL, updated_at = date_trunc('milliseconds', now())`,
    [s.id, s.namespace, s.name, s.definitionId, s.version, s.spec.kind, JSON.stringify(s.spec), s.nextAt === undefined ? null : Math.trunc(s.nextAt), Math.trunc(s.anchorAt), s.eventTypes ?? null],
  );
}

export async function deleteSchedule(db: Queryable, id: string): Promise<void> {
  await db.write('DELETE FROM schedules WHERE id = $1', [id]);
}

export async function lockDueSchedules(db: Queryable, now: number, limit: number): Promise<ScheduleRecord[]> {
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM schedules WHERE next_at <= $1 AND NOT paused ORDER BY next_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [Math.trunc(now), clampLimit(limit)],
  );
  return rows.map(toSchedule);
}

export async function lockEventSchedules(db: Queryable, type: string, namespace?: string): Promise<ScheduleRecord[]> {
  const params: unknown[] = [type];
  const scope = namespace === undefined ? '' : `AND namespace = $${params.push(namespace)}`;
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM schedules
     WHERE kind = 'on' AND NOT paused AND (event_types IS NULL OR $1 = ANY(event_types)) ${scope}
     ORDER BY id FOR UPDATE`,
    params,
  );
  return rows.map(toSchedule);
}

export async function liveRunsOf(db: Queryable, scheduleIds: readonly string[]): Promise<Map<string, string[]>> {
  const live = new Map<string, string[]>();
  if (scheduleIds.length === 0) return live;
  const rows = await db.query<{ schedule_id: string; id: string }>(
    `SELECT schedule_id, id FROM runs WHERE schedule_id = ANY($1::text[]) AND status IN ('pending', 'running', 'waiting', 'suspended') ORDER BY created_at, id`,
    [scheduleIds],
  );
  for (const row of rows) (live.get(row.schedule_id) ?? live.set(row.schedule_id, []).get(row.schedule_id)!).push(row.id);
  return live;
}

export async function insertScheduledRuns(db: Queryable, runs: readonly NewRun[]): Promise<string[]> {
  return insertRunsReturning(db, runs);
}

export async function updateSchedules(db: Queryable, updates: readonly ScheduleUpdate[]): Promise<void> {
  for (const u of updates) {
    const params: unknown[] = [u.id];
    const sets = [`updated_at = date_trunc('milliseconds', now())`];
    if (u.nextAt !== undefined) sets.push(`next_at = $${params.push(u.nextAt === null ? null : Math.trunc(u.nextAt))}`);
    if (u.paused !== undefined) sets.push(`paused = $${params.push(u.paused)}`);
    if (u.consumed !== undefined) sets.push(`consumed = $${params.push(u.consumed === null ? null : jsonParam(u.consumed))}::text::json`);
    if (u.lastTickAt !== undefined) sets.push(`last_tick_at = $${params.push(Math.trunc(u.lastTickAt))}`);
    if (u.lastRunId !== undefined) sets.push(`last_run_id = $${params.push(u.lastRunId)}`);
    if (u.ticks) sets.push(`ticks = ticks + $${params.push(u.ticks)}`);
    if (u.skipped) sets.push(`skipped = skipped + $${params.push(u.skipped)}`);
    await db.write(`UPDATE schedules SET ${sets.join(', ')} WHERE id = $1`, params);
  }
}

export async function listSchedules(db: Queryable, query: { namespace?: string; name?: string; limit: number; cursor?: string }): Promise<Page<ScheduleRecord>> {
  const limit = clampLimit(query.limit);
  const params: unknown[] = [];
  const where: string[] = [];
  if (query.namespace !== undefined) where.push(`namespace = $${params.push(query.namespace)}`);
  if (query.name !== undefined) where.push(`name = $${params.push(query.name)}`);
  if (query.cursor !== undefined) {
    const [ns, name] = decodeCursor('schedules', query.cursor, ['string', 'string']);
    where.push(`(namespace, name) > ($${params.push(ns)}, $${params.push(name)})`);
  }
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM schedules ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY namespace, name LIMIT $${params.push(limit + 1)}`,
    params,
  );
  const items = rows.slice(0, limit).map(toSchedule);
  const last = items[items.length - 1];
  return rows.length > limit && last ? { items, nextCursor: encodeCursor('schedules', [last.namespace, last.name]) } : { items };
}

export async function nextScheduleAt(db: Queryable): Promise<number | undefined> {
  const rows = await db.query<{ next_at: unknown }>('SELECT next_at FROM schedules WHERE next_at IS NOT NULL AND NOT paused ORDER BY next_at LIMIT 1');
  return rows[0] ? Number(rows[0].next_at) : undefined;
}

/**
 * `after` schedules waiting for their run: once it ended, the next tick is its end + after. A
 * run that no longer exists (retention deleted it) counts as ended when the schedule last ticked.
 */
export async function armAfterSchedules(db: Queryable): Promise<number> {
  const rows = await db.query(
    `UPDATE schedules s
     SET next_at = COALESCE((extract(epoch FROM r.ended_at) * 1000)::bigint, s.last_tick_at, 0) + (s.spec->>'afterMs')::bigint,
         updated_at = date_trunc('milliseconds', now())
     FROM schedules s2 LEFT JOIN runs r ON r.id = s2.last_run_id
     WHERE s.id = s2.id AND s.kind = 'after' AND s.next_at IS NULL AND s.last_run_id IS NOT NULL
       AND (r.id IS NULL OR r.ended_at IS NOT NULL)
     RETURNING s.id`,
  );
  return rows.length;
}
