// Concurrency keys (docs/OPERATIONS.md "Concurrency"; migration 0010): the statements a runner
// batch uses to gate run starts on `metadata.baton.concurrency`. Every method but
// concurrencySlots runs with the key rows concerned locked (lockConcurrencyKeys), and changes
// rows of those keys only — never another run's row — so a batch never waits on a run it did not
// lock itself.
//
// Glossary
//   scope    the workflow a key belongs to, `namespace/name` (all its versions share the keys)
//   key      the key's value as JSON text ('' when the workflow declares no `key`)
//   slot     a run's place on its key: `queued` (waits, status pending) or `running` (admitted:
//            it may run; it keeps the slot while suspended and frees it when it ends)
//   ticket   the admission number of a running slot on its key (1, 2, …): admission order

export type ConcurrencySlotState = 'queued' | 'running';

export interface ConcurrencySlot {
  runId: string;
  scope: string;
  key: string;
  state: ConcurrencySlotState;
  ticket?: number;
  /** false: queued by another run's batch before its own start arrived (its queued event is owed). */
  announced: boolean;
}

/** A pending run no batch has gated yet (its start is still on its way). */
export interface UngatedRun {
  id: string;
  definitionId: string;
  input: unknown;
}

export interface ConcurrencyKeyRow {
  scope: string;
  key: string;
  /** Runs holding a slot. */
  running: number;
  limit: number;
  /** Admissions so far (the last ticket given). */
  admitted: number;
  /** cancel-oldest: runs sent a cancel to free their slot, not ended yet. */
  evicting: string[];
}

/** What a run's record says about its place on a key (GET /api/v1/runs/{id}). */
export interface RunConcurrency {
  /** The key's value (null when the workflow has one key for all its runs: `key` absent). */
  key: unknown;
  /** `queued`: waits for a slot; `running`: holds one. */
  state: ConcurrencySlotState;
  /** Queued: 1 = the next to start. */
  position?: number;
}

export interface ConcurrencyTx {
  /** The slots of these runs (no lock needed: a slot changes under its key's lock). */
  concurrencySlots(runIds: readonly string[]): Promise<ConcurrencySlot[]>;
  /**
   * Locks the key rows (creating those missing), in (scope, key) order, and returns them. `limit`:
   * the row's limit becomes it (the latest run's definition wins); without it the row keeps its own.
   */
  lockConcurrencyKeys(keys: readonly { scope: string; key: string; limit?: number }[]): Promise<ConcurrencyKeyRow[]>;
  /**
   * New queued slots (priority and creation time are read from runs); a run that has one already
   * is skipped. `announced: false` for runs queued before their own start arrived.
   */
  insertConcurrencySlots(slots: readonly { runId: string; scope: string; key: string; announced?: boolean }[]): Promise<void>;
  /** Queued slots whose queued event is now logged. */
  announceSlots(runIds: readonly string[]): Promise<void>;
  /**
   * Pending runs of a workflow with no slot yet, created before the head of the key's queue
   * (oldest first, up to `limit`): their starts are on their way, and they come first.
   */
  ungatedBefore(namespace: string, name: string, scope: string, key: string, limit: number): Promise<UngatedRun[]>;
  /**
   * Up to `n` queued runs of the key, in queue order (priority, then creation), become running with
   * tickets `firstTicket`, `firstTicket + 1`…; returns their ids in that order.
   */
  admitQueued(scope: string, key: string, n: number, firstTicket: number): Promise<string[]>;
  /** Deletes the slots of these runs (they ended); returns the slots deleted. */
  deleteConcurrencySlots(runIds: readonly string[]): Promise<ConcurrencySlot[]>;
  /** How many runs are queued on each key (as `scope key`). */
  queuedCounts(keys: readonly { scope: string; key: string }[]): Promise<Map<string, number>>;
  /** Positions in their key's queue (1 = next) of queued runs. */
  queuePositions(runIds: readonly string[]): Promise<Map<string, number>>;
  /** The oldest running runs of a key (by creation), up to `n`, except those in `except`. */
  oldestRunning(scope: string, key: string, n: number, except: readonly string[]): Promise<string[]>;
  /** Writes running, admitted and evicting back; deletes rows with no slot left. */
  saveConcurrencyKeys(rows: readonly ConcurrencyKeyRow[]): Promise<void>;
}

/** `scope key`: a key's name in maps. */
export function concurrencyKeyId(scope: string, key: string): string {
  return `${scope} ${key}`;
}
