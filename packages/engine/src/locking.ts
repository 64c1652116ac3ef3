// How a batch gets its runs (apply.ts): locked and read (lockAndCheck), known from this runner's
// last batches and checked by the server (onSnapshots), or just inserted by the API's inline start
// (startingInserted) — and, after the decision, how its saves are stamped (stampSaves), how a batch on
// snapshots completes its attempts (completeAttempts) and the runs it leaves for the next batch (snapshotsOf).
import type { AttemptOutcome, LockedRun, RunnerMessage, RunnerTx, RunUpdate } from '@baton/core';
import { DEFAULT_LIMITS, iso, jsonSize } from '@baton/core/interpreter';
import type { ApplyDeps, BatchOutcome } from './apply.ts';
import { dedupe, expectFresh, type RunLimitsOf } from './dedupe.ts';
import type { Writes } from './effects.ts';
import { snapshotAfter, type RunSnapshot } from './snapshots.ts';

export type RunLimitsOfNamespaces = (namespaces: ReadonlyMap<string, string>) => RunLimitsOf;
export interface Checked {
  locked: LockedRun[];
  fresh: Map<RunnerMessage, RunnerMessage>;
  /** Attempts to complete after the decisions, with their applied seqs (decided on snapshots: completeOpenAttempts). */
  complete?: AttemptOutcome[];
}

/** Locks the batch's runs, reads them, and drops what was applied before (dedupe.ts). */
export async function lockAndCheck(deps: ApplyDeps, tx: RunnerTx, messages: readonly RunnerMessage[], runIds: readonly string[], runLimitsOf: RunLimitsOfNamespaces): Promise<Checked> {
  const locking = tx.lockRuns(runIds);
  // The duplicate checks need a run's namespace only to bound its task results (valueBytes): when
  // every run with a result in the batch was locked here before, its namespace is known and the
  // checks go out behind the lock, in the same round trip (a batch of new runs' starts too):
  // PostgreSQL runs a transaction's statements in order, so the rows are locked before the checks
  // read them, as when waited for.
  // When a run's namespace is not known here (its start was decided elsewhere: by the API, another
  // runner), results small enough for every namespace's limit need none: the checks go out early too.
  const known = deps.namespaces?.allOf(new Set(messages.flatMap((m) => (m.type === 'result' ? [m.runId] : []))));
  const early = known ? dedupe(tx, messages, runLimitsOf(known)) : withinEveryLimit(deps, messages) ? dedupe(tx, messages, () => undefined) : undefined;
  early?.catch(() => undefined); // a lock that fails fails these too: the lock's error is the one thrown
  const locked = await locking;
  deps.namespaces?.remember(locked);
  const namespaces = new Map(locked.map((run) => [run.id, run.namespace]));
  return { locked, fresh: await (early || dedupe(tx, messages, runLimitsOf(namespaces))) };
}

/**
 * The batch's runs as this runner's last batches left them, locked with the server's check that
 * they are still so, and its results' duplicate checks made expectations (expectFresh), sent with
 * the batch's writes (completeAttempts in applyInTransaction): nothing is waited for. Their saves
 * are stamped with this runner's clock, which the runs' end notices carry (RunEnd.updatedAt), the
 * transaction's time not being known before its answer.
 */
export function onSnapshots(deps: ApplyDeps, tx: RunnerTx, messages: readonly RunnerMessage[], seen: readonly RunSnapshot[], runLimitsOf: RunLimitsOfNamespaces): Checked {
  void tx.lockRunsUnchanged(seen.map((s) => ({ id: s.run.id, savedBy: s.savedBy })));
  const locked = stampedNow(deps, seen.map((s) => s.run));
  return { locked, ...expectFresh(messages, runLimitsOf(new Map(locked.map((run) => [run.id, run.namespace])))) };
}

/** Runs known without a read, in id order (the lock's), with the runner's clock as their transaction's time (lockedAt: onSnapshots). */
function stampedNow(deps: ApplyDeps, runs: readonly LockedRun[]): LockedRun[] {
  const now = iso(deps.clock());
  return [...runs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((run) => ({ ...run, lockedAt: now }));
}

/**
 * When a save of a run is stamped (updated_at): the batch's stamp (its `lockedAt`), or the start or
 * end the run's decision stamped, when later — the decision reads the clock after the batch took its
 * stamp, and a run is never updated before it started or ended. ISO strings of one format compare
 * as times.
 */
export function savedStamp(stamp: string, update: Pick<RunUpdate, 'startedAt' | 'endedAt'>): string {
  let latest = stamp;
  for (const at of [update.startedAt, update.endedAt]) if (at !== undefined && at > latest) latest = at;
  return latest;
}

/**
 * Every save of a batch is of a run it locked (advanceRun): each is stamped with savedStamp — on
 * the runner's clock when nothing was read, else on the transaction's time as the lock read it.
 */
export function stampSaves(locked: readonly LockedRun[], writes: Writes): void {
  const lockedAt = new Map(locked.map((run) => [run.id, run.lockedAt]));
  for (const update of writes.updates) {
    const stamp = lockedAt.get(update.id);
    if (stamp !== undefined) update.updatedAt = savedStamp(stamp, update);
  }
}

/**
 * A batch decided on snapshots completes its results' attempts after its decisions, each with the
 * seq its outcome was logged at: one version of each attempt's row instead of two (the completion,
 * then saveTransitions' applied seq). Sent before the batch's other writes, as the check it is.
 */
export function completeAttempts(tx: RunnerTx, outcomes: readonly AttemptOutcome[], writes: Writes): void {
  const seqs = new Map(writes.applied.map((a) => [a.id, a.seq]));
  void tx.completeOpenAttempts(outcomes.map((o) => (seqs.has(o.id) ? { ...o, appliedSeq: seqs.get(o.id)! } : o)));
  const completed = new Set(outcomes.map((o) => o.id));
  writes.applied = writes.applied.filter((a) => !completed.has(a.id));
}

/**
 * Runs the transaction inserted (the API's inline start), to start: known whole, locked with the
 * server's check that they are there as inserted (lockInsertedRuns); start messages need no
 * duplicate check (a start is idempotent by the run's state). Stamped as onSnapshots stamps.
 */
export function startingInserted(deps: ApplyDeps, tx: RunnerTx, messages: readonly RunnerMessage[], runs: readonly LockedRun[]): Checked {
  if (messages.some((m) => m.type !== 'start')) throw new Error('runs just inserted take start messages only');
  void tx.lockInsertedRuns(runs.map((run) => run.id));
  return { locked: stampedNow(deps, runs), fresh: new Map(messages.map((m) => [m, m])) };
}

/** The runs of the batch as it leaves them, for deps.snapshots (snapshotAfter says which may be kept). */
export function snapshotsOf(tx: RunnerTx, locked: readonly LockedRun[], writes: Writes, decidedOnSnapshots: boolean): NonNullable<BatchOutcome['snapshots']> {
  const updates = new Map(writes.updates.map((u) => [u.id, u]));
  for (const { id } of writes.seqOnly) updates.delete(id);
  const runs = locked.flatMap((run) => {
    const update = updates.get(run.id);
    const snapshot = update && snapshotAfter(run, update);
    return snapshot ? [snapshot] : [];
  });
  const savedBy = runs.length > 0 ? tx.transactionId() : Promise.resolve('');
  savedBy.catch(() => undefined); // the transaction's failure is what its caller sees
  return { runs, savedBy, decidedOnSnapshots };
}

/** Whether every completed result's output is within the smallest valueBytes limit of any namespace. */
function withinEveryLimit(deps: ApplyDeps, messages: readonly RunnerMessage[]): boolean {
  const floor = deps.valueBytesFloor ?? (deps.limits === undefined ? DEFAULT_LIMITS.valueBytes : undefined);
  if (floor === undefined) return false;
  return messages.every((m) => m.type !== 'result' || m.status !== 'completed' || jsonSize(m.output, floor, false) <= floor);
}
