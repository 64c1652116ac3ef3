// What a runner knows of the runs it advanced: each run as its last committed batch left it. A batch
// of task results for such runs is decided on that knowledge instead of on a read — its lock, the
// results' duplicate checks and its writes go to PostgreSQL with the COMMIT, one round trip where a
// batch otherwise takes two (the lock's answer, then the writes). The lock statement checks on the
// server that each run's row is still as the runner's transaction wrote it (its xmin: any later
// write of the row is another transaction's), running, in a namespace without rate limits
// (RunnerTx.lockRunsUnchanged), and the duplicate checks that every attempt was still open
// (completeOpenAttempts). When a check fails — another runner advanced the run, a result came
// twice, a rate limit was declared — the transaction aborts before its COMMIT (RunsChanged), the
// runs are forgotten, and the batch is applied again the usual way.
//
// Only what a batch can be sure of is kept: runs left running, with a state, whose update added no
// usage counters (PostgreSQL adds those, in numeric), that are not reset runs (their ledger is
// read), in namespaces without rate limits (the calls they dispatch carry the limits read with
// the lock). A run that fails to apply is forgotten with its batch.
//
// The runs the API's inline start began are remembered too: in the runner's own memory when the
// two share the process (`baton start`), and from the hints the API publishes otherwise (topic
// `runs.started`, start-hints.ts) — a hint is taken only for a run the runner does not know, since
// what its own batch left is newer. Past the bound the runs remembered longest ago are forgotten
// first: hints of runs another runner replica advances, which this one never hears of again, age
// out instead of emptying the memory.
import type { LockedRun, RunnerMessage } from '@baton/core';

/** Runs a runner remembers at most; past it, those remembered longest ago are forgotten. */
const DEFAULT_BOUND = 10_000;

/** A run as a committed transaction (`savedBy`, RunnerTx.transactionId) left it. */
export interface RunSnapshot {
  run: LockedRun;
  savedBy: string;
}

export class RunSnapshots {
  readonly #byRun = new Map<string, RunSnapshot>();
  constructor(private readonly bound = DEFAULT_BOUND) {}

  /**
   * The runs of a batch as last left, when the batch can be decided on them: only completed or
   * failed task results without appended events or outbox rows, each of another attempt, for runs
   * all known. Otherwise undefined.
   */
  of(messages: readonly RunnerMessage[]): RunSnapshot[] | undefined {
    if (messages.length === 0) return undefined;
    const attempts = new Set<string>();
    const runs = new Map<string, RunSnapshot>();
    for (const m of messages) {
      if (m.type !== 'result' || m.outboxId !== undefined || m.events !== undefined || attempts.has(m.attemptId)) return undefined;
      attempts.add(m.attemptId);
      const known = this.#byRun.get(m.runId);
      if (known === undefined) return undefined;
      runs.set(m.runId, known);
    }
    return [...runs.values()];
  }

  /** After the commit of transaction `savedBy`: the runs as it left them (`kept`); the batch's other runs are forgotten. */
  keep(kept: readonly LockedRun[], savedBy: string, batchRuns: Iterable<string>): void {
    this.forget(batchRuns);
    for (const run of kept) this.#byRun.set(run.id, { run, savedBy });
    this.#evict();
  }

  /** A run as the API's inline start left it (a hint, start-hints.ts): kept (true) unless the run is known already. */
  hint(snapshot: RunSnapshot): boolean {
    if (this.#byRun.has(snapshot.run.id)) return false;
    this.#byRun.set(snapshot.run.id, snapshot);
    this.#evict();
    return true;
  }

  /** Past the bound, forgets the runs remembered longest ago (a Map iterates in insertion order; keep() inserts anew). */
  #evict(): void {
    let over = this.#byRun.size - this.bound;
    if (over <= 0) return;
    for (const id of this.#byRun.keys()) {
      this.#byRun.delete(id);
      if ((over -= 1) === 0) return;
    }
  }

  /** After a committed batch of `batchRuns`: the runs it left to remember (BatchOutcome.snapshots), or none. */
  async remember(left: { runs: readonly LockedRun[]; savedBy: Promise<string> } | undefined, batchRuns: Iterable<string>): Promise<void> {
    if (left && left.runs.length > 0) this.keep(left.runs, await left.savedBy, batchRuns);
    else this.forget(batchRuns);
  }

  forget(runIds: Iterable<string>): void {
    for (const id of runIds) this.#byRun.delete(id);
  }

  get size(): number {
    return this.#byRun.size;
  }
}

/** The run as a committed update leaves it, when a later batch may be decided on it (see above). */
export function snapshotAfter(run: LockedRun, update: { status: string; state?: LockedRun['state']; eventSeq: number; startedAt?: string; usage?: unknown }): LockedRun | undefined {
  if (update.status !== 'running' || update.state === undefined || update.usage !== undefined || run.resetOf !== undefined || run.rateLimits.length > 0) return undefined;
  const { start: _start, lockedAt: _lockedAt, ...kept } = run;
  const snapshot: LockedRun = { ...kept, status: 'running', state: update.state, eventSeq: update.eventSeq };
  const startedAt = run.startedAt ?? update.startedAt;
  if (startedAt !== undefined) snapshot.startedAt = startedAt;
  return snapshot;
}
