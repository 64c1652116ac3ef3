// The engine fault of last resort: for a run the normal engine fault (apply.ts, a `fault` of
// applyBatch) cannot end because it cannot save the run's new state — a state the database refuses
// or that cannot be serialised, the very reason the run's messages failed. This fault reads and
// writes nothing of the state: in one transaction the row becomes `faulted` with the error (its
// stored state cleared, so that no later message is decided on the phase it kept), the log gets the
// same workflow.faulted event, and what the run holds is released as a normal fault releases it —
// timers, listens, attempts and approvals, live child runs cancelled, a concurrency slot freed —
// its parent run told that its child faulted. Events, runner messages and the end of the run go
// out through the outbox, as every batch's do.
import { TERMINAL_STATUSES, type PublishedEvent, type RunUpdate, type RunnerTx } from '@baton/core';
import { inTransaction, resultForParent, type ApplyDeps, type BatchOutcome, type EngineFault } from './apply.ts';
import { engineFaultedEvent } from './decisions.ts';
import { gateStarts } from './concurrency.ts';
import { emptyWrites, write } from './effects.ts';
import { emptyRelay, relayRow, runnerRows } from './outbox.ts';

/** Faults the runs without their state (see above); runs that ended already are left as they are. */
export async function faultWithoutState(deps: ApplyDeps, faults: readonly EngineFault[]): Promise<BatchOutcome> {
  // A concurrency key admitting the next runs may need their definitions (concurrency.ts).
  return inTransaction(deps, (tx) => faultInTransaction(deps, tx, faults));
}

async function faultInTransaction(deps: ApplyDeps, tx: RunnerTx, faults: readonly EngineFault[]): Promise<BatchOutcome> {
  const errors = new Map(faults.map((f) => [f.runId, f.error]));
  // The state comes with the lock but is not looked at: the row's status says whether the run ended.
  const ending = (await tx.lockRuns([...errors.keys()])).filter((run) => !TERMINAL_STATUSES.has(run.status));
  const now = deps.clock();
  const at = new Date(now).toISOString();
  const writes = emptyWrites();
  const finished: BatchOutcome['finished'] = [];
  const started: BatchOutcome['started'] = [];
  const outcome: BatchOutcome = { relay: emptyRelay(), finished, started, transitions: ending.length };
  for (const run of ending) {
    const error = errors.get(run.id)!;
    const seq = run.eventSeq + 1;
    const event: PublishedEvent = { ...engineFaultedEvent(run, at, error), runId: run.id, seq, id: `${run.id}.${seq}`, time: at, namespace: run.namespace, name: run.name, version: run.version };
    writes.events.push(event);
    // No `state`: the stored one is kept by this statement (then cleared below).
    const update: RunUpdate = { id: run.id, status: 'faulted', eventSeq: seq, endedAt: at, error };
    if (run.state === undefined) {
      update.startedAt = at;
      started.push({ runId: run.id, namespace: run.namespace });
    }
    writes.updates.push(update);
    writes.release.push(run.id);
    if (run.status === 'suspended') writes.dropHeld.push(run.id);
    finished.push({ runId: run.id, namespace: run.namespace, status: 'faulted' });
    // The parent's subflow task fails with the child's error.
    if (run.parentRunId && run.parentEffectId) writes.runner.push(resultForParent(run.parentRunId, run.parentEffectId, { status: 'faulted', error }));
  }
  if (ending.length === 0) return outcome;
  const ids = ending.map((run) => run.id);
  // A slot the run holds on a concurrency key is freed, and the next queued runs admitted.
  const gate = await gateStarts(tx, deps.definitions, ending, new Set(), new Set(ids), () => null, writes);
  await gate.finish(finished, writes);
  // The run's row, event and releases (timers, listens, attempts, approvals; cancels of child runs).
  await write(tx, writes);
  await tx.clearRunStates(ids);
  outcome.relay.events = writes.events;
  const rows = runnerRows(writes.runner, outcome.relay);
  const relayed = relayRow(outcome.relay, [], []);
  if (relayed) rows.push(relayed);
  await tx.insertOutbox(rows);
  return outcome;
}
