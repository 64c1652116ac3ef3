// Runs created from a definition pick (store.createPickedRun, the API's POST /runs) during one turn
// of the event loop go to the database together when the turn ends (setImmediate): one INSERT per
// pick for the requests of that turn instead of one statement — and, outside a transaction, one
// commit — per request. Under 20 concurrent callers that was a transaction per run on PostgreSQL,
// and a crossing into PGlite's thread per run with its own commit in `npm start`. A request waits
// no longer than the turn it was made in: what is batched is only what is already there.
//
// What each caller gets is what its own statement would have given: its run's record, or
// undefined when its run was not created (a conflict, the pick no longer holding). A statement that
// fails (a row the database refuses) is made again run by run, so that only that request fails.
import type { DefinitionPick, NewRun, RunRecord } from '@baton/core';

/** Most runs in one statement. */
const MAX_RUNS = 500;

interface Waiting<R> {
  run: NewRun;
  resolve: (created: R | undefined) => void;
  reject: (error: unknown) => void;
}

/** The runs it created, by id (a record, or a record and what else was done with it). */
type Insert<R> = (runs: NewRun[], pick: DefinitionPick) => Promise<Map<string, R>>;

export class PickedRunBatch<R = RunRecord> {
  #pending = new Map<string, { pick: DefinitionPick; waiting: Waiting<R>[] }>();
  #scheduled = false;

  constructor(private readonly insert: Insert<R>) {}

  add(run: NewRun, pick: DefinitionPick): Promise<R | undefined> {
    return new Promise((resolve, reject) => {
      // Runs share a statement when their guard is the same: the same versions of the same name.
      const key = JSON.stringify([pick.namespace, pick.name, pick.latest ? null : pick.version, pick.versions]);
      const group = this.#pending.get(key);
      if (group) group.waiting.push({ run, resolve, reject });
      else this.#pending.set(key, { pick, waiting: [{ run, resolve, reject }] });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const groups = [...this.#pending.values()];
    this.#pending = new Map();
    for (const { pick, waiting } of groups) {
      for (let i = 0; i < waiting.length; i += MAX_RUNS) void this.#create(pick, waiting.slice(i, i + MAX_RUNS));
    }
  }

  async #create(pick: DefinitionPick, waiting: readonly Waiting<R>[]): Promise<void> {
    try {
      const created = await this.insert(waiting.map((w) => w.run), pick);
      for (const w of waiting) w.resolve(created.get(w.run.id));
      return;
    } catch (error) {
      if (waiting.length === 1) {
        waiting[0]!.reject(error);
        return;
      }
    }
    await Promise.all(waiting.map((w) => this.insert([w.run], pick).then((created) => w.resolve(created.get(w.run.id)), w.reject)));
  }
}
