// Retention: runs that ended long ago are deleted with every row that belongs to them, a small
// batch per transaction. run_events, task_attempts, timers, listens, approvals and outbox carry
// no foreign key to runs (0002, 0004, 0005), so this module is the one place that knows what a run
// owns: a table that gets rows with a run_id must be added to RUN_ROWS.
//
// Which runs: terminal (completed, faulted, cancelled) and ended before the cutoff, and
//   - not the child of a run still live (its parent may still read it or wait for it);
//   - not the parent of a run still live (that child still reports to it).
// A child of a deleted parent is judged on its own (it ended before its parent, as a rule, so it
// has usually gone already). Runs are claimed FOR UPDATE SKIP LOCKED: two runners' batches never
// take the same run, and a run the runner holds (a late message) is skipped until the next batch.
import type { RetentionBatch } from '@baton/core';
import type { Queryable } from '../db/types.ts';
import { TERMINAL_SQL, clampLimit } from './values.ts';

// created_at < cutoff is implied by ended_at < cutoff; it lets the scan use runs_listing_status
// (status, created_at) instead of reading every terminal run.
const CLAIM = `
  SELECT r.id FROM runs r
  WHERE r.status IN ${TERMINAL_SQL} AND r.created_at < $1::timestamptz AND r.ended_at < $1::timestamptz
    AND NOT EXISTS (SELECT 1 FROM runs p WHERE p.id = r.parent_run_id AND p.status NOT IN ${TERMINAL_SQL})
    AND NOT EXISTS (SELECT 1 FROM runs c WHERE c.parent_run_id = r.id AND c.status NOT IN ${TERMINAL_SQL})
  LIMIT $2
  FOR UPDATE OF r SKIP LOCKED`;

const byRun = (table: string) => `DELETE FROM ${table} WHERE run_id = ANY($1::text[])`;

/** What a run owns, deleted in this order (decisions before their approvals), the run last. */
export const RUN_ROWS: readonly { table: string; remove: string }[] = [
  { table: 'run_events', remove: byRun('run_events') },
  { table: 'task_attempts', remove: byRun('task_attempts') },
  { table: 'timers', remove: byRun('timers') },
  { table: 'listens', remove: byRun('listens') },
  { table: 'approval_decisions', remove: 'DELETE FROM approval_decisions WHERE approval_id IN (SELECT id FROM approvals WHERE run_id = ANY($1::text[]))' },
  { table: 'approvals', remove: byRun('approvals') },
  { table: 'outbox', remove: byRun('outbox') },
  { table: 'run_replays', remove: byRun('run_replays') },
  { table: 'runs', remove: 'DELETE FROM runs WHERE id = ANY($1::text[])' },
];

/** A row lock held elsewhere longer than this fails the batch (retried later) instead of stalling it. */
const LOCK_TIMEOUT = '2s';

export async function deleteExpiredRuns(db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> }, olderThan: Date, limit: number): Promise<RetentionBatch> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [LOCK_TIMEOUT]);
    const claimed = await tx.query<{ id: string }>(CLAIM, [olderThan.toISOString(), clampLimit(limit, 10_000)]);
    const rows: Record<string, number> = {};
    // Transport epochs repaired before the cutoff are history too (one row per Redis restart or
    // wipe) — but the newest, which runners started later would otherwise repair again.
    const [epochs] = await tx.query<{ n: number }>(
      `WITH gone AS (DELETE FROM bus_epochs WHERE repaired_at < $1::timestamptz
                       AND epoch <> (SELECT epoch FROM bus_epochs ORDER BY created_at DESC LIMIT 1) RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [olderThan.toISOString()],
    );
    if (epochs && epochs.n > 0) rows.bus_epochs = epochs.n;
    if (claimed.length === 0) return { runs: 0, rows };
    const ids = claimed.map((row) => row.id);
    for (const { table, remove } of RUN_ROWS) {
      const [counted] = await tx.query<{ n: number }>(`WITH gone AS (${remove} RETURNING 1) SELECT count(*)::int AS n FROM gone`, [ids]);
      if (counted && counted.n > 0) rows[table] = counted.n;
    }
    return { runs: rows.runs ?? 0, rows };
  });
}
