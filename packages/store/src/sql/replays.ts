// Reset runs and their replay ledger (migration 0009, docs/OPERATIONS.md "Reset"): the run and its
// ledger are created in one transaction; the runner takes entries (consumed_by) in the transaction
// of the decision that replays them and writes the attempt completed or failed at once.
import type { NewReplayEntry, NewRun, ReplayedAttempt, ReplayEntry, ReplayKind, ReplayOutcome, RunRecord } from '@baton/core';
import type { Queryable } from '../db/types.ts';
import { createRun } from './runs.ts';
import { fromJson, jsonArray, jsonList, textOrUndefined } from './values.ts';

const now = `date_trunc('milliseconds', now())`;

/**
 * createRun of a reset run: the row (idempotent on its key), its reset_of, and its ledger. A run
 * that existed already (the same key) is returned as it is, with the ledger it was created with.
 */
export async function createResetRun(tx: Queryable, run: NewRun, ledger: readonly NewReplayEntry[]): Promise<{ run: RunRecord; created: boolean }> {
  if (run.resetOf === undefined) throw new Error('createResetRun needs resetOf');
  const result = await createRun(tx, run);
  if (!result.created) return result;
  await tx.query(`UPDATE runs SET reset_of = $2::jsonb WHERE id = $1`, [run.id, JSON.stringify(run.resetOf)]);
  if (ledger.length > 0) {
    await tx.query(
      `INSERT INTO run_replays (run_id, ord, kind, reference, match, source_attempt_id, outcome)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], ${jsonArray('$7', 'jsonb')})`,
      [
        run.id,
        ledger.map((e) => e.ord),
        ledger.map((e) => e.kind),
        ledger.map((e) => e.reference),
        ledger.map((e) => e.match),
        ledger.map((e) => e.sourceAttemptId ?? null),
        jsonList(ledger, (e) => e.outcome),
      ],
    );
  }
  return { run: { ...result.run, resetOf: run.resetOf }, created: true };
}

export async function openReplays(db: Queryable, runIds: readonly string[]): Promise<ReplayEntry[]> {
  if (runIds.length === 0) return [];
  const rows = await db.query(
    `SELECT run_id, ord, kind, reference, match, source_attempt_id, outcome FROM run_replays
     WHERE run_id = ANY($1::text[]) AND consumed_by IS NULL ORDER BY run_id, ord`,
    [runIds],
  );
  return rows.map((row) => {
    const entry: ReplayEntry = { runId: row.run_id as string, ord: Number(row.ord), kind: row.kind as ReplayKind, reference: row.reference as string, match: row.match as string };
    const source = textOrUndefined(row.source_attempt_id);
    if (source !== undefined) entry.sourceAttemptId = source;
    const outcome = fromJson(row.outcome) as ReplayOutcome | undefined;
    if (outcome !== undefined) entry.outcome = outcome;
    return entry;
  });
}

export async function consumeReplays(db: Queryable, consumed: readonly { runId: string; ord: number; by: string }[]): Promise<void> {
  if (consumed.length === 0) return;
  await db.write(
    `UPDATE run_replays r SET consumed_by = u.by
     FROM unnest($1::text[], $2::int[], $3::text[]) AS u(run_id, ord, by)
     WHERE r.run_id = u.run_id AND r.ord = u.ord AND r.consumed_by IS NULL`,
    [consumed.map((c) => c.runId), consumed.map((c) => c.ord), consumed.map((c) => c.by)],
  );
}

export async function insertReplayedAttempts(db: Queryable, attempts: readonly ReplayedAttempt[]): Promise<void> {
  if (attempts.length === 0) return;
  await db.write(
    // Never dispatched: dispatched_at stays null (its default is the time of writing).
    `INSERT INTO task_attempts (id, run_id, effect_id, kind, reference, payload, status, result, error, replayed_from, finished_at, dispatched_at)
     SELECT u.*, ${now}, NULL FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], ${jsonArray('$6')}, $7::text[], ${jsonArray('$8')}, ${jsonArray('$9')}, $10::text[]) AS u`,
    [
      attempts.map((a) => a.id),
      attempts.map((a) => a.runId),
      attempts.map((a) => a.effectId),
      attempts.map((a) => a.kind),
      attempts.map((a) => a.reference),
      jsonList(attempts, (a) => a.payload ?? null),
      attempts.map((a) => a.outcome.status),
      jsonList(attempts, (a) => (a.outcome.status === 'completed' ? (a.outcome.result ?? null) : undefined)),
      jsonList(attempts, (a) => (a.outcome.status === 'failed' ? a.outcome.error : undefined)),
      attempts.map((a) => a.replayedFrom),
    ],
  );
}

export async function setAppliedSeqs(db: Queryable, applied: readonly { id: string; seq: number }[]): Promise<void> {
  if (applied.length === 0) return;
  await db.write(
    `UPDATE task_attempts a SET applied_seq = u.seq
     FROM unnest($1::text[], $2::bigint[]) AS u(id, seq)
     WHERE a.id = ANY($1::text[]) AND a.id = u.id`,
    [applied.map((a) => a.id), applied.map((a) => a.seq)],
  );
}
