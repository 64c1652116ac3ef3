// run_events: each run's append-only log; seq is assigned by the runner holding the run's lock.
import type { RunEventRecord } from '@baton/core';
import type { Queryable, Row } from '../db/types.ts';
import { clampLimit, fromJson, iso, jsonParam } from './values.ts';

function toEvent(row: Row): RunEventRecord {
  return {
    runId: row.run_id as string,
    seq: row.seq as number,
    id: row.id as string,
    type: row.type as string,
    time: iso(row.time),
    data: fromJson(row.data) ?? null,
  };
}

/** One statement for the whole batch. A (run_id, seq) already taken is an error: never overwrite the log. */
export async function appendEvents(db: Queryable, events: readonly RunEventRecord[]): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `INSERT INTO run_events (run_id, seq, id, type, time, data)
     SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::timestamptz[], $6::text[]::json[])`,
    [
      events.map((e) => e.runId),
      events.map((e) => e.seq),
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => e.time),
      events.map((e) => jsonParam(e.data)),
    ],
  );
}

export async function listEvents(db: Queryable, runId: string, afterSeq: number, limit: number): Promise<RunEventRecord[]> {
  const rows = await db.query(
    `SELECT run_id, seq, id, type, time, data FROM run_events
     WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [runId, Math.trunc(afterSeq), clampLimit(limit, 10_000)],
  );
  return rows.map(toEvent);
}
