// timers: durable wake-ups. fire_at is epoch milliseconds (bigint).
import type { TimerRecord } from '@baton/core';
import type { Queryable, Row } from '../db/types.ts';
import { clampLimit } from './values.ts';

function toTimer(row: Row): TimerRecord {
  return { id: row.id as string, runId: row.run_id as string, timerId: row.timer_id as string, fireAt: Number(row.fire_at) };
}

/** Re-arming a timer with the same id moves it (fire_at is replaced). */
export async function insertTimers(db: Queryable, timers: readonly TimerRecord[]): Promise<void> {
  if (timers.length === 0) return;
  await db.write(
    `INSERT INTO timers (id, run_id, timer_id, fire_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
     ON CONFLICT (id) DO UPDATE SET fire_at = excluded.fire_at`,
    [timers.map((t) => t.id), timers.map((t) => t.runId), timers.map((t) => t.timerId), timers.map((t) => Math.trunc(t.fireAt))],
  );
}

/** Deletes and returns the ids that existed: of two runners firing one timer, one wins. */
export async function takeTimers(db: Queryable, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<{ id: string }>('DELETE FROM timers WHERE id = ANY($1::text[]) RETURNING id', [ids]);
  return rows.map((row) => row.id);
}

export async function deleteTimers(db: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.write('DELETE FROM timers WHERE id = ANY($1::text[])', [ids]);
}

/** Deletes and returns timers due at `now`, earliest first; a timer another caller holds is skipped. */
export async function takeDueTimers(db: Queryable, now: number, limit: number): Promise<TimerRecord[]> {
  const rows = await db.query(
    `DELETE FROM timers WHERE id IN (SELECT id FROM timers WHERE fire_at <= $1 ORDER BY fire_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING id, run_id, timer_id, fire_at`,
    [Math.trunc(now), clampLimit(limit)],
  );
  return rows.map(toTimer).sort((a, b) => a.fireAt - b.fireAt || (a.id < b.id ? -1 : 1));
}

export async function deleteTimersOfRuns(db: Queryable, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return;
  await db.write('DELETE FROM timers WHERE run_id = ANY($1::text[])', [runIds]);
}

export async function nextTimerAt(db: Queryable): Promise<number | undefined> {
  const rows = await db.query<{ fire_at: unknown }>('SELECT fire_at FROM timers ORDER BY fire_at LIMIT 1');
  return rows[0] ? Number(rows[0].fire_at) : undefined;
}
