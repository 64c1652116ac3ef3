// Rate limits in the runner (docs/OPERATIONS.md, "Rate limits"), two jobs inside a batch's
// transaction:
//   attach   every http / agent task message it writes carries its namespace's limits and the
//            one its task names (metadata.baton.rateLimit): workers have no database.
//   defer    a worker handed an attempt back (`deferred`): if the deferral is current (the attempt
//            still scheduled, its deferral count the worker's), log dev.baton.task.rate-limited.v1,
//            record the reservation, move dispatched_at to `until` (no stale sweep before then) and
//            write a relay row due at `until` — the outbox re-dispatches the attempt then, whichever
//            runner is alive; the runner that applied it wakes its sweeper then (loops/deferred.ts).
import type { DeferredAttempt, EventDraft, LockedRun, NewAttempt, NewOutboxRow, RateLimitSpec, RunnerTx, TaskMessage, TaskRateLimits } from '@baton/core';
import { uuidv7 } from '@baton/core';
import { MAX_DURATION_MS } from '@baton/core/interpreter';

export const RATE_LIMITED_EVENT = 'dev.baton.task.rate-limited.v1';

/** The limit a task names in its definition, by run id and task reference. */
export type NamedLimitOf = (runId: string, reference: string) => string | undefined;

/** The limits of some namespaces, known before the batch knows whether it needs them. */
export interface PrefetchedLimits {
  namespaces: ReadonlySet<string>;
  limits: readonly RateLimitSpec[];
}

/**
 * The limits of the namespaces of a batch's runs, as the statement that locked them read them
 * (LockedRun.rateLimits): the calls the batch dispatches carry them without a statement of their
 * own (attachRateLimits asks rateLimitsOf only for a namespace none of them is in).
 */
export function lockedRateLimits(locked: readonly LockedRun[]): PrefetchedLimits {
  const byNamespace = new Map<string, readonly RateLimitSpec[]>();
  for (const run of locked) if (!byNamespace.has(run.namespace)) byNamespace.set(run.namespace, run.rateLimits);
  return { namespaces: new Set(byNamespace.keys()), limits: [...byNamespace.values()].flat() };
}

/** Adds `rateLimit` to the task messages of new http / agent attempts (their payloads) that have limits to apply. */
export async function attachRateLimits(tx: RunnerTx, attempts: readonly NewAttempt[], namedOf: NamedLimitOf, prefetched?: PrefetchedLimits): Promise<void> {
  const tasks = attempts.filter((a) => a.kind === 'http' || a.kind === 'agent').map((a) => a.payload as TaskMessage);
  if (tasks.length === 0) return;
  const namespaces = [...new Set(tasks.map((t) => t.namespace))];
  const limits = prefetched && namespaces.every((ns) => prefetched.namespaces.has(ns)) ? prefetched.limits : await tx.rateLimitsOf(namespaces);
  const byNamespace = new Map<string, RateLimitSpec[]>();
  for (const spec of limits) byNamespace.set(spec.namespace, [...(byNamespace.get(spec.namespace) ?? []), spec]);
  for (const task of tasks) {
    const ref = namedOf(task.runId, task.reference);
    const own = byNamespace.get(task.namespace) ?? [];
    if (own.length === 0 && ref === undefined) continue;
    const rateLimit: TaskRateLimits = { limits: own, ...(ref !== undefined && { ref }) };
    task.rateLimit = rateLimit;
  }
}

export interface AppliedDeferrals {
  events: Map<string, EventDraft[]>;
  rows: NewOutboxRow[];
  /** When each row written is due (to wake this runner's sweeper then): one per attempt, not only the earliest. */
  dueAt: number[];
}

/** Applies the current deferrals of a batch (their runs locked). */
export async function applyDeferrals(tx: RunnerTx, deferrals: readonly DeferredAttempt[], now: number): Promise<AppliedDeferrals> {
  const applied: AppliedDeferrals = { events: new Map(), rows: [], dueAt: [] };
  if (deferrals.length === 0) return applied;
  // One per attempt and deferral count: a second copy in the batch would not match after the first.
  // A slot further out than the longest wait Baton keeps (100 years, a duration's bound) is waited
  // for that long: a tokens limit a provider's reported usage overdrew by ~10^14 tokens named a
  // time past PostgreSQL's timestamps, and the batch failed on every delivery.
  const latest = now + MAX_DURATION_MS;
  const unique = [...new Map(deferrals.map((d) => [`${d.attemptId} ${d.deferral}`, d.until > latest ? { ...d, until: latest } : d])).values()];
  const taken = new Set(await tx.deferAttempts(unique));
  for (const d of unique) {
    if (!taken.delete(d.attemptId)) continue;
    const waitMs = Math.max(0, Math.round(d.until - now));
    const event: EventDraft = { type: RATE_LIMITED_EVENT, data: { task: d.task, attemptId: d.attemptId, limit: d.limit, until: new Date(d.until).toISOString(), waitMs } };
    applied.events.set(d.runId, [...(applied.events.get(d.runId) ?? []), event]);
    applied.rows.push({ id: uuidv7(), kind: 'relay', body: { tasks: [d.attemptId], events: [] }, relayAfterMs: waitMs });
    applied.dueAt.push(d.until);
  }
  return applied;
}
