// run_events: each run's append-only log; seq is assigned by the runner holding the run's lock.
import type { PublishedEvent, RunEventRecord } from '@baton/core';
import type { Queryable, Row } from '../db/types.ts';
import { clampLimit, fromJson, iso, jsonArray, jsonList } from './values.ts';

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

/**
 * Throws unless each event's id is its run's id and its seq (`<run_id>.<seq>`): the rule of the
 * log's ids, which the primary key (run_id, seq) keeps unique. Every INSERT of run_events checks
 * it first (migration 0015: the schema's CHECK did, at a cost per event).
 */
export function checkEventIds(events: readonly RunEventRecord[]): void {
  for (const e of events) {
    if (e.id !== `${e.runId}.${e.seq}`) throw new Error(`event id '${e.id}' is not its run's id and seq ('${e.runId}.${e.seq}')`);
  }
}

/**
 * One statement for the whole batch. A (run_id, seq) already taken is an error: never overwrite
 * the log. A key already in the run's log is an error too: callers filter with existingEventKeys
 * under the run's lock first.
 */
export async function appendEvents(db: Queryable, events: readonly RunEventRecord[]): Promise<void> {
  if (events.length === 0) return;
  checkEventIds(events);
  const keyed = events.some((e) => e.key !== undefined);
  await db.write(
    keyed
      ? `INSERT INTO run_events (run_id, seq, id, type, time, data, key)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::timestamptz[], ${jsonArray('$6')}, $7::text[])`
      : `INSERT INTO run_events (run_id, seq, id, type, time, data)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::timestamptz[], ${jsonArray('$6')})`,
    [
      events.map((e) => e.runId),
      events.map((e) => e.seq),
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => e.time),
      jsonList(events, (e) => e.data),
      ...(keyed ? [events.map((e) => e.key ?? null)] : []),
    ],
  );
}

/** The pairs (run, key) among these already logged, as `${runId} ${key}`. */
export async function existingEventKeys(db: Queryable, runIds: readonly string[], keys: readonly string[]): Promise<Set<string>> {
  if (runIds.length === 0 || keys.length === 0) return new Set();
  const rows = await db.query<{ run_id: string; key: string }>(
    'SELECT run_id, key FROM run_events WHERE run_id = ANY($1::text[]) AND key = ANY($2::text[])',
    [runIds, keys],
  );
  return new Set(rows.map((row) => `${row.run_id} ${row.key}`));
}

/** Events of [runId, first, last] ranges with their run's names, in run and seq order. */
export async function eventsInRanges(db: Queryable, ranges: readonly [string, number, number][]): Promise<PublishedEvent[]> {
  if (ranges.length === 0) return [];
  const rows = await db.query(
    `SELECT e.run_id, e.seq, e.id, e.type, e.time, e.data, r.namespace, r.name, r.version
     FROM unnest($1::text[], $2::int[], $3::int[]) AS g(run_id, first, last)
     JOIN run_events e ON e.run_id = g.run_id AND e.seq BETWEEN g.first AND g.last
     JOIN runs r ON r.id = g.run_id
     ORDER BY e.run_id, e.seq`,
    [ranges.map((r) => r[0]), ranges.map((r) => r[1]), ranges.map((r) => r[2])],
  );
  return rows.map((row) => ({ ...toEvent(row), namespace: row.namespace as string, name: row.name as string, version: row.version as string }));
}

export async function listEvents(db: Queryable, runId: string, afterSeq: number, limit: number): Promise<RunEventRecord[]> {
  const rows = await db.query(
    `SELECT run_id, seq, id, type, time, data FROM run_events
     WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [runId, Math.trunc(afterSeq), clampLimit(limit, 10_000)],
  );
  return rows.map(toEvent);
}
