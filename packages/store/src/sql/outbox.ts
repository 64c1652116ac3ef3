// outbox: the effects of committed state changes outside PostgreSQL (migration 0005).
//   runner rows  one runner message each; deleted by the transaction that applies the message
//   relay rows   attempts to enqueue and event ranges to publish; deleted once relayed
// Sweepers claim due rows with FOR UPDATE SKIP LOCKED and move relay_at forward, so that N runners
// never send one row at the same time, and a row that keeps coming back is sent less and less often.
import type { ClaimedOutboxRow, NewOutboxRow, OutboxRow, RelayBody, RunnerMessage } from '@baton/core';
import type { Queryable, Row } from '../db/types.ts';
import { clampLimit, fromJson, jsonArray, jsonList } from './values.ts';

/** Seconds before a claimed row is due again: 5 s, 10 s, 20 s … up to 5 minutes. */
const BACKOFF_SQL = `least(300, 5 * power(2, least(o.relays, 10)))`;

function toRow(row: Row): ClaimedOutboxRow {
  const base = { id: row.id as string, relays: Number(row.relays) };
  return row.kind === 'runner'
    ? { ...base, kind: 'runner', runId: row.run_id as string, body: fromJson(row.body) as RunnerMessage }
    : { ...base, kind: 'relay', body: fromJson(row.body) as RelayBody };
}

function runIdOf(row: OutboxRow): string | null {
  return row.kind === 'runner' ? row.runId : null;
}

export async function insertOutbox(db: Queryable, rows: readonly NewOutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.write(
    `INSERT INTO outbox (id, kind, run_id, body, relay_at)
     SELECT u.id, u.kind, u.run_id, u.body, date_trunc('milliseconds', now()) + u.after_ms * interval '1 millisecond'
     FROM unnest($1::text[], $2::text[], $3::text[], ${jsonArray('$4')}, $5::float8[]) AS u(id, kind, run_id, body, after_ms)
     ON CONFLICT (id) DO NOTHING`,
    [rows.map((r) => r.id), rows.map((r) => r.kind), rows.map(runIdOf), jsonList(rows, (r) => r.body), rows.map((r) => r.relayAfterMs)],
  );
}

/** Deletes rows being applied; the ids returned existed (a message whose row is gone is a duplicate). */
export async function takeOutbox(db: Queryable, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<{ id: string }>('DELETE FROM outbox WHERE id = ANY($1::text[]) RETURNING id', [ids]);
  return rows.map((row) => row.id);
}

/**
 * Suspend and resume requests are applied in the order they were made: before the rows `ids`
 * (suspend / resume messages being applied, their runs locked) are taken, the older suspend /
 * resume rows of the same runs still waiting are deleted — superseded, so a runner that reaches
 * them later drops them as applied. Order: the row's transaction time (one clock, the database's),
 * then its time-ordered id. Returns the ids deleted.
 */
export async function dropSupersededControls(db: Queryable, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<{ id: string }>(
    `DELETE FROM outbox o USING outbox me
     WHERE me.id = ANY($1::text[]) AND o.run_id = me.run_id AND o.kind = 'runner' AND o.id <> me.id
       AND o.body ->> 'type' IN ('suspend', 'resume') AND (o.created_at, o.id) < (me.created_at, me.id)
     RETURNING o.id`,
    [ids],
  );
  return [...new Set(rows.map((row) => row.id))];
}

export async function deleteOutbox(db: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.write('DELETE FROM outbox WHERE id = ANY($1::text[])', [ids]);
}

export async function claimOutbox(db: Queryable, limit: number): Promise<ClaimedOutboxRow[]> {
  const rows = await db.query(
    `UPDATE outbox o SET relays = o.relays + 1,
       relay_at = date_trunc('milliseconds', now()) + ${BACKOFF_SQL} * interval '1 second'
     WHERE o.id IN (SELECT id FROM outbox WHERE relay_at <= now() ORDER BY relay_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING o.id, o.kind, o.run_id, o.body, o.relays`,
    [clampLimit(limit)],
  );
  // RETURNING comes in physical order: the rows of one transaction are sent in the order they were
  // written (ids are time-ordered), e.g. an approval's audit entry before the result it explains.
  return rows.map(toRow).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** `before`: only rows written before that database time (what a new epoch may have lost). */
export async function makeOutboxDue(db: Queryable, before?: string): Promise<number> {
  const rows = await db.query<{ n: string }>(
    `WITH due AS (UPDATE outbox SET relay_at = date_trunc('milliseconds', now())
                  WHERE relay_at > now() AND ($1::timestamptz IS NULL OR created_at < $1::timestamptz) RETURNING 1)
     SELECT count(*)::text AS n FROM due`,
    [before ?? null],
  );
  return Number(rows[0]?.n ?? 0);
}
