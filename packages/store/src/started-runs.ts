// The INSERT of the runs whose starts the API decides in the transaction that creates them
// (store.createAndStartPickedRun, the engine's inline start). It is held until the start's first
// statement. When that is the decision's writes (RunnerTx.saveTransitions), the runs are inserted
// as the decision leaves them — running, with their state and their events' seq — instead of
// inserted pending and updated in the next statement: that update wrote a second version of each
// row and, the status being indexed, an entry in each of the runs table's indexes (issue 16: the
// largest write of a run's start, on PostgreSQL and in PGlite's WebAssembly alike). Any other use
// of the transaction first sends the INSERT as it always was (pending), so a start that reads or
// writes something else first sees its runs there, as before.
//
// The start's check that its runs are the ones this transaction inserted (lockInsertedRuns) is
// held with the INSERT and goes right behind it.
import { createPickedRuns } from './sql/runs.ts';
import type { DefinitionPick, NewRun, RunnerTx, RunRecord, RunUpdate } from '@baton/core';
import type { Queryable } from './db/types.ts';

export class StartedRunsInsert {
  readonly #ids: ReadonlySet<string>;
  #rows: Promise<Map<string, RunRecord>> | undefined;
  #checks: { ids: readonly string[]; settle: (sent: Promise<void>) => void }[] = [];

  constructor(
    private readonly raw: Queryable,
    private readonly tx: RunnerTx,
    private readonly runs: readonly NewRun[],
    private readonly pick: DefinitionPick,
  ) {
    this.#ids = new Set(runs.map((run) => run.id));
  }

  /** The transaction the start decides in: `tx`, with the INSERT sent before its first statement. */
  forStart(): RunnerTx {
    return new Proxy(this.tx, {
      get: (target, key) => {
        if (key === 'lockInsertedRuns') return (ids: readonly string[]) => this.#check(ids);
        if (key === 'saveTransitions') return (t: Parameters<RunnerTx['saveTransitions']>[0]) => this.#save(t);
        // `then` (the proxy resolving a promise) and symbols (inspection) are not statements.
        if (key !== 'then' && typeof key !== 'symbol') this.send();
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** Sends the INSERT (once): the runs with the `decided` updates as those leave them, the others pending. */
  send(decided?: readonly RunUpdate[]): void {
    if (this.#rows) return;
    this.#rows = createPickedRuns(this.raw, this.runs, this.pick, true, decided);
    this.#rows.catch(() => undefined); // the transaction fails with it
    for (const check of this.#checks) check.settle(this.tx.lockInsertedRuns(check.ids));
    this.#checks = [];
  }

  /** The runs inserted (by id), once the transaction has committed; sends the INSERT if nothing did. */
  rows(): Promise<Map<string, RunRecord>> {
    this.send();
    return this.#rows!;
  }

  #check(ids: readonly string[]): Promise<void> {
    if (this.#rows) return this.tx.lockInsertedRuns(ids);
    const checked = new Promise<void>((resolve, reject) => this.#checks.push({ ids, settle: (sent) => void sent.then(resolve, reject) }));
    checked.catch(() => undefined); // as a write's: its failure is the transaction's
    return checked;
  }

  #save(t: Parameters<RunnerTx['saveTransitions']>[0]): Promise<void> {
    if (this.#rows) return this.tx.saveTransitions(t);
    const ours = t.updates.filter((u) => this.#ids.has(u.id));
    // Usage is added to what the row holds (saveRuns); not something to insert.
    if (ours.some((u) => u.usage !== undefined)) {
      this.send();
      return this.tx.saveTransitions(t);
    }
    this.send(ours);
    return this.tx.saveTransitions({ ...t, updates: t.updates.filter((u) => !this.#ids.has(u.id)) });
  }
}
