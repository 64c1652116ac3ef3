// Concurrency keys (docs/OPERATIONS.md "Concurrency"; core document/concurrency.ts for the
// language, store sql/concurrency.ts for the rows). A workflow with `metadata.baton.concurrency`
// runs at most `limit` runs per key value at once. The gate sits where every run starts — the
// `start` runner message, in the batch transaction (apply.ts) — so API, schedule, rerun, reset and
// child runs all pass it. In that transaction:
//
//   gate (before the decisions)   a run whose start arrives gets its key (evaluated on its input;
//       a failing expression faults the run), the key's row is locked, the run is written queued
//       and the head of the queue (priority, then creation) is admitted while slots are free.
//       Admitted in this batch: it starts now. Still queued: its start is dropped and a
//       `dev.baton.run.queued.v1` event says why (cancel-newest: it is cancelled instead;
//       cancel-oldest: the oldest running runs are sent a cancel to make room for it).
//   finish (after the decisions)  runs that ended free their slot (or leave the queue), and the
//       next queued runs are admitted: their `start` is an outbox row of the same transaction.
//
// A start that arrives again for a queued run changes nothing; one for an admitted run starts it.
// Rows change only under the locks of their keys, never another run's row: no batch waits on a
// run it did not lock itself.
import { LifecycleTypes } from '@baton/core/interpreter';
import { concurrencyKey, type WorkflowConcurrency } from '@baton/core/document';
import { concurrencyKeyId, ErrorTypes, Fault, type ConcurrencyKeyRow, type ConcurrencySlot, type EventDraft, type LockedRun, type RunnerTx, type WorkflowError } from '@baton/core';
import { MissingDefinitions, type DefinitionCache } from './definitions.ts';
import type { Writes } from './effects.ts';

/** The event a queued run's log gets (Baton's own type, as `dev.baton.approval.requested.v1`). */
export const RUN_QUEUED = 'dev.baton.run.queued.v1';

/** What happens to a run's start instead of a decision. */
export type StartVerdict = { queued: EventDraft | undefined } | { cancel: string } | { fault: WorkflowError };

export interface StartGate {
  /** Runs whose start is not decided now, and what happens instead. */
  verdicts: Map<string, StartVerdict>;
  /** After the batch's decisions: frees the slots of the runs that ended, admits the next ones. */
  finish(ended: readonly { runId: string }[], writes: Writes): Promise<void>;
}

/** Older ungated runs one admission looks at (their starts are normally milliseconds away). */
const OLDER_RUNS_CHECKED = 200;

const NO_GATE: StartGate = { verdicts: new Map(), finish: async () => undefined };

interface Place {
  scope: string;
  key: string;
}

/** One batch's view of the keys it locked. */
class KeyBook {
  readonly rows = new Map<string, ConcurrencyKeyRow>();
  readonly strategies = new Map<string, WorkflowConcurrency>();
  /** Runs admitted in this transaction or before, by id: their key and ticket (for workflow.started). */
  readonly admitted = new Map<string, { key: string; ticket?: number; limit: number }>();

  constructor(
    private readonly tx: RunnerTx,
    private readonly definitions: DefinitionCache,
  ) {}

  row(place: Place): ConcurrencyKeyRow {
    const row = this.rows.get(concurrencyKeyId(place.scope, place.key));
    if (!row) throw new Error(`concurrency key ${place.scope} ${place.key} is not locked by this batch`);
    return row;
  }

  /**
   * Admits queued runs while the key has free slots; returns them in admission order. Runs of the
   * workflow created before the queue's head whose start has not reached a runner yet (another
   * runner's batch, the transport) join the queue first, when their key is this one: the order of
   * creation holds across runners.
   */
  async admit(row: ConcurrencyKeyRow): Promise<string[]> {
    if (row.running >= row.limit) return [];
    await this.queueOlderRuns(row);
    const ids = await this.tx.concurrency.admitQueued(row.scope, row.key, row.limit - row.running, row.admitted + 1);
    ids.forEach((id, i) => this.admitted.set(id, { key: row.key, ticket: row.admitted + 1 + i, limit: row.limit }));
    row.running += ids.length;
    row.admitted += ids.length;
    return ids;
  }

  private async queueOlderRuns(row: ConcurrencyKeyRow): Promise<void> {
    const slash = row.scope.indexOf('/');
    const older = await this.tx.concurrency.ungatedBefore(row.scope.slice(0, slash), row.scope.slice(slash + 1), row.scope, row.key, OLDER_RUNS_CHECKED);
    const missing = older.filter((run) => !this.definitions.has(run.definitionId)).map((run) => run.definitionId);
    if (missing.length > 0) throw new MissingDefinitions([...new Set(missing)], []);
    const joining = older.filter((run) => {
      const cached = this.definitions.peek(run.definitionId);
      const concurrency = 'compiled' in cached ? cached.concurrency : undefined;
      return concurrency !== undefined && keyOfRun(run.id, concurrency, run.input) === row.key;
    });
    await this.tx.concurrency.insertConcurrencySlots(joining.map((run) => ({ runId: run.id, scope: row.scope, key: row.key, announced: false })));
  }

  /** cancel-oldest: each queued run beyond those already waiting for an eviction sends the oldest running run a cancel. */
  async evict(row: ConcurrencyKeyRow, writes: Writes): Promise<void> {
    if (this.strategies.get(concurrencyKeyId(row.scope, row.key))?.strategy !== 'cancel-oldest') return;
    const queued = (await this.tx.concurrency.queuedCounts([row])).get(concurrencyKeyId(row.scope, row.key)) ?? 0;
    const victims = await this.tx.concurrency.oldestRunning(row.scope, row.key, queued - row.evicting.length, row.evicting);
    for (const runId of victims) {
      row.evicting.push(runId);
      writes.runner.push({ type: 'cancel', runId, reason: `concurrency key ${describeKey(row)}: the limit of ${row.limit} was reached and a newer run takes the slot of the oldest (strategy cancel-oldest)` });
    }
  }

  async save(): Promise<void> {
    await this.tx.concurrency.saveConcurrencyKeys([...this.rows.values()]);
  }

  /** workflow.started says which key the run holds and its admission number. */
  annotate(writes: Writes): void {
    for (const event of writes.events) {
      if (event.type !== LifecycleTypes.workflowStarted) continue;
      const admitted = this.admitted.get(event.runId);
      if (!admitted) continue;
      event.data = { ...(event.data as object), concurrency: { key: keyValue(admitted.key), limit: admitted.limit, ...(admitted.ticket !== undefined && { ticket: admitted.ticket }) } };
    }
  }
}

/**
 * Keys of runs seen waiting for their start, by run id (a run's input and definition never change):
 * each batch that admits looks at the older runs of the workflow not gated yet, and evaluates each
 * once per process, not once per batch. undefined: the key fails (its own start faults the run).
 */
const olderKeys = new Map<string, string | undefined>();
const OLDER_KEYS_KEPT = 20_000;

function keyOfRun(runId: string, concurrency: WorkflowConcurrency, input: unknown): string | undefined {
  if (olderKeys.has(runId)) return olderKeys.get(runId);
  let key: string | undefined;
  try {
    key = concurrencyKey(concurrency, input);
  } catch {
    key = undefined;
  }
  if (olderKeys.size >= OLDER_KEYS_KEPT) olderKeys.delete(olderKeys.keys().next().value as string);
  olderKeys.set(runId, key);
  return key;
}

/** The key's value as the run record and events show it (null: one key for the whole workflow). */
export function keyValue(key: string): unknown {
  return key === '' ? null : (JSON.parse(key) as unknown);
}

function describeKey(row: Place): string {
  return row.key === '' ? `of ${row.scope}` : `${row.key} of ${row.scope}`;
}

/** The concurrency of a run's definition; `unknown` when its definition is not in memory. */
function concurrencyOf(definitions: DefinitionCache, run: LockedRun): WorkflowConcurrency | 'unknown' | undefined {
  if (!definitions.has(run.definitionId)) return 'unknown';
  const cached = definitions.peek(run.definitionId);
  return 'compiled' in cached ? cached.concurrency : 'unknown';
}

/**
 * Gates the starts of a batch. `starting`: runs with a start to decide; `deciding`: runs with an
 * input to decide or a fault (they may end); `inputOf`: a run's input.
 * Runs whose definition has no concurrency (and that hold no slot) cost nothing here.
 */
export async function gateStarts(tx: RunnerTx, definitions: DefinitionCache, locked: readonly LockedRun[], starting: ReadonlySet<string>, deciding: ReadonlySet<string>, inputOf: (runId: string) => unknown, writes: Writes): Promise<StartGate> {
  const relevant = new Map<string, { run: LockedRun; concurrency: WorkflowConcurrency | 'unknown' }>();
  for (const run of locked) {
    const concurrency = concurrencyOf(definitions, run);
    if (concurrency !== undefined) relevant.set(run.id, { run, concurrency });
  }
  if (relevant.size === 0) return NO_GATE;
  const slots = new Map<string, ConcurrencySlot>((await tx.concurrency.concurrencySlots([...relevant.keys()])).map((slot) => [slot.runId, slot]));
  const verdicts = new Map<string, StartVerdict>();
  let newcomers: (Place & { runId: string; concurrency: WorkflowConcurrency })[] = [];
  // Runs whose start is decided in this batch unless the gate says otherwise.
  const eligible = new Set<string>();
  for (const { run, concurrency } of relevant.values()) {
    if (!starting.has(run.id) || run.state !== undefined || run.status !== 'pending' || concurrency === 'unknown') continue;
    eligible.add(run.id);
    if (slots.has(run.id)) continue;
    try {
      newcomers.push({ runId: run.id, scope: `${run.namespace}/${run.name}`, key: concurrencyKey(concurrency, inputOf(run.id)), concurrency });
    } catch (error) {
      verdicts.set(run.id, { fault: keyError(error) });
    }
  }
  // The keys of every run that may start or end in this batch are locked now, in one ordered
  // statement with the newcomers' keys: locking more of them later, when a run has ended, could
  // deadlock two batches (finish still does, for a run ended by appended events alone).
  const held = [...slots.values()].filter((slot) => eligible.has(slot.runId) || deciding.has(slot.runId));
  const book = new KeyBook(tx, definitions);
  const locks = [...held.map((s) => ({ scope: s.scope, key: s.key })), ...newcomers.map((n) => ({ scope: n.scope, key: n.key, limit: n.concurrency.limit }))];
  for (const row of await tx.concurrency.lockConcurrencyKeys(locks)) book.rows.set(concurrencyKeyId(row.scope, row.key), row);
  // Newcomers another batch queued meanwhile (they were older than what it admitted) have a slot now.
  const late = newcomers.length === 0 ? [] : await tx.concurrency.concurrencySlots(newcomers.map((n) => n.runId));
  if (late.length > 0) {
    const seen = new Set(late.map((slot) => slot.runId));
    newcomers = newcomers.filter((n) => !seen.has(n.runId));
    held.push(...late);
  }
  const announced: string[] = [];
  for (const slot of held) {
    const { concurrency } = relevant.get(slot.runId)!;
    if (concurrency !== 'unknown') book.strategies.set(concurrencyKeyId(slot.scope, slot.key), concurrency);
    if (slot.state === 'running') book.admitted.set(slot.runId, { key: slot.key, limit: book.row(slot).limit, ...(slot.ticket !== undefined && { ticket: slot.ticket }) });
    else if (eligible.has(slot.runId)) {
      // Queued by another batch before its start arrived: its queued event is logged now.
      if (!slot.announced && concurrency !== 'unknown') announced.push(slot.runId);
      verdicts.set(slot.runId, { queued: undefined });
    }
  }
  for (const n of newcomers) book.strategies.set(concurrencyKeyId(n.scope, n.key), n.concurrency);

  // Newcomers join the queue, then each key admits its head while it has free slots.
  await tx.concurrency.insertConcurrencySlots(newcomers.map((n) => ({ runId: n.runId, scope: n.scope, key: n.key })));
  const admittedNow = new Set<string>();
  for (const id of book.rows.keys()) {
    for (const runId of await book.admit(book.rows.get(id)!)) admittedNow.add(runId);
  }
  const waiting = newcomers.filter((n) => !admittedNow.has(n.runId));
  const refused = waiting.filter((n) => n.concurrency.strategy === 'cancel-newest');
  if (refused.length > 0) await tx.concurrency.deleteConcurrencySlots(refused.map((n) => n.runId));
  for (const n of refused) {
    verdicts.set(n.runId, { cancel: `concurrency key ${describeKey(n)}: ${book.row(n).running} of ${book.row(n).limit} runs are running (limit ${book.row(n).limit}, strategy cancel-newest)` });
  }
  const queued = waiting.filter((n) => n.concurrency.strategy !== 'cancel-newest');
  const owed = held.filter((slot) => announced.includes(slot.runId)).map((slot) => ({ ...slot, concurrency: relevant.get(slot.runId)!.concurrency as WorkflowConcurrency }));
  const announcing = [...queued, ...owed].filter((n) => !book.admitted.has(n.runId));
  const positions = await tx.concurrency.queuePositions(announcing.map((n) => n.runId));
  for (const n of announcing) {
    const row = book.row(n);
    const data = { key: keyValue(n.key), limit: row.limit, running: row.running, strategy: n.concurrency.strategy, ...(positions.has(n.runId) && { position: positions.get(n.runId) }) };
    verdicts.set(n.runId, { queued: { type: RUN_QUEUED, data } });
  }
  await tx.concurrency.announceSlots(owed.map((slot) => slot.runId));
  // Admitted runs whose start is in this batch start now; the others get a start message.
  for (const runId of admittedNow) {
    if (eligible.has(runId)) verdicts.delete(runId);
    else writes.runner.push({ type: 'start', runId });
  }
  for (const id of new Set(queued.map((n) => concurrencyKeyId(n.scope, n.key)))) await book.evict(book.rows.get(id)!, writes);

  return {
    verdicts,
    async finish(ended, w) {
      const leaving = ended.filter((e) => relevant.has(e.runId)).map((e) => e.runId);
      const freed = await tx.concurrency.deleteConcurrencySlots(leaving);
      const unlocked = freed.filter((slot) => !book.rows.has(concurrencyKeyId(slot.scope, slot.key)));
      for (const row of await tx.concurrency.lockConcurrencyKeys(unlocked)) book.rows.set(concurrencyKeyId(row.scope, row.key), row);
      for (const slot of freed) {
        const concurrency = relevant.get(slot.runId)?.concurrency;
        const id = concurrencyKeyId(slot.scope, slot.key);
        if (concurrency && concurrency !== 'unknown' && !book.strategies.has(id)) book.strategies.set(id, concurrency);
      }
      const touched = new Set<string>();
      for (const slot of freed) {
        const row = book.row(slot);
        touched.add(concurrencyKeyId(slot.scope, slot.key));
        if (slot.state !== 'running') continue;
        row.running -= 1;
        row.evicting = row.evicting.filter((id) => id !== slot.runId);
      }
      for (const id of touched) {
        const row = book.rows.get(id)!;
        for (const runId of await book.admit(row)) w.runner.push({ type: 'start', runId });
        await book.evict(row, w);
      }
      await book.save();
      book.annotate(w);
    },
  };
}

/** A key that cannot be evaluated faults its run with the reason (an expression error keeps its type). */
function keyError(error: unknown): WorkflowError {
  if (error instanceof Fault) return { ...error.error, title: 'Concurrency key failed', detail: `the concurrency key could not be evaluated on the run's input: ${error.error.detail ?? error.message}` };
  return { type: ErrorTypes.configuration, status: 400, title: 'Concurrency key failed', detail: `the concurrency key could not be evaluated on the run's input: ${(error as Error).message}`, instance: '/document/metadata/baton/concurrency/key' };
}
