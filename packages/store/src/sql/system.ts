// system: what PostgreSQL holds that waits for the machinery (GET /api/v1/system/backlog) — runs
// not started, attempts out with workers, outbox rows, timers and schedule ticks already due.
// Each count reads at most COUNT_CAP rows through the table's partial or due index, so the
// answer stays cheap on a large backlog; ages are on the database's clock.
import type { AttemptKind, BacklogCount, SystemBacklog } from '@baton/core';
import type { Queryable } from '../db/types.ts';
import { iso } from './values.ts';

/** Counts stop here (SystemBacklog.countCap). */
export const COUNT_CAP = 100_000;

const NOW_MS = `(extract(epoch from now()) * 1000)::bigint`;

// One statement: every figure at the same instant. ages/overdue in ms (NULL when nothing waits).
const BACKLOG = `
SELECT now() AS now,
  (SELECT count(*) FROM (SELECT 1 FROM runs WHERE status = 'pending' LIMIT $1) r) AS pending_runs,
  (SELECT ${NOW_MS} - (extract(epoch from min(created_at)) * 1000)::bigint FROM runs WHERE status = 'pending') AS pending_oldest,
  (SELECT count(*) FROM (SELECT 1 FROM outbox WHERE relay_at <= now() LIMIT $1) o) AS outbox_due,
  (SELECT ${NOW_MS} - (extract(epoch from min(relay_at)) * 1000)::bigint FROM outbox WHERE relay_at <= now()) AS outbox_oldest,
  (SELECT count(*) FROM (SELECT 1 FROM timers WHERE fire_at <= ${NOW_MS} LIMIT $1) t) AS timers_due,
  (SELECT ${NOW_MS} - min(fire_at) FROM timers WHERE fire_at <= ${NOW_MS}) AS timers_oldest,
  (SELECT count(*) FROM (SELECT 1 FROM schedules WHERE next_at <= ${NOW_MS} AND next_at IS NOT NULL AND NOT paused LIMIT $1) s) AS schedules_due,
  (SELECT ${NOW_MS} - min(next_at) FROM schedules WHERE next_at <= ${NOW_MS} AND next_at IS NOT NULL AND NOT paused) AS schedules_oldest`;

const ATTEMPTS = `
SELECT kind, count(*) AS count, ${NOW_MS} - (extract(epoch from min(created_at)) * 1000)::bigint AS oldest
FROM (SELECT kind, created_at FROM task_attempts WHERE status = 'scheduled' AND dispatched_at IS NOT NULL LIMIT $1) a
GROUP BY kind ORDER BY kind`;

export async function systemBacklog(db: Queryable): Promise<SystemBacklog> {
  const [row] = await db.query(BACKLOG, [COUNT_CAP]);
  const attempts = await db.query(ATTEMPTS, [COUNT_CAP]);
  const count = (n: unknown, age: unknown): BacklogCount => (age === null || age === undefined ? { count: Number(n) } : { count: Number(n), oldestMs: Math.max(0, Number(age)) });
  return {
    at: iso(row!.now),
    countCap: COUNT_CAP,
    pendingRuns: count(row!.pending_runs, row!.pending_oldest),
    scheduledAttempts: attempts.map((a) => ({ kind: a.kind as AttemptKind, ...count(a.count, a.oldest) })),
    outboxDue: count(row!.outbox_due, row!.outbox_oldest),
    timersDue: count(row!.timers_due, row!.timers_oldest),
    schedulesDue: count(row!.schedules_due, row!.schedules_oldest),
  };
}
