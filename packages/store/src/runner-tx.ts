// RunnerTx: the statements of one runner batch bound to one open transaction.
import type { RunnerTx } from '@baton/core';
import type { Queryable } from './db/types.ts';
import { cancelApprovalsOfAttempts, insertApprovalDecision, insertApprovals, lockApproval, updateApproval } from './sql/approvals.ts';
import { cancelAttempts, cancelAttemptsOfRuns, cancelHeldAttempts, completeAttempts, completeOpenAttempts, heldAttempts, insertAttempts, releaseAttempts } from './sql/attempts.ts';
import { appendEvents, existingEventKeys } from './sql/events.ts';
import { deleteListens, deleteListensOfRuns, insertListens, listensForType } from './sql/listens.ts';
import { dropSupersededControls, insertOutbox, takeOutbox } from './sql/outbox.ts';
import { concurrencyTx } from './sql/concurrency.ts';
import { clearRunStates, lockInsertedRuns, lockRuns, lockRunsUnchanged, saveRuns, saveTransitions, setEventSeqs, transactionId } from './sql/run-transitions.ts';
import { countTreeRuns, insertRuns, liveChildRuns } from './sql/runs.ts';
import { consumeReplays, insertReplayedAttempts, openReplays, setAppliedSeqs } from './sql/replays.ts';
import { latestVersion, putDefinition } from './sql/definitions.ts';
import { deleteSchedule, insertScheduledRuns, liveRunsOf, lockDueSchedules, lockEventSchedules, lockSchedule, lockScheduleOf, putSchedule, updateSchedules } from './sql/schedules.ts';
import { deleteTimers, deleteTimersOfRuns, insertTimers, takeDueTimers, takeTimers } from './sql/timers.ts';
import { deferAttempts, rateLimitsOf } from './sql/rate-limits.ts';

/**
 * A transaction's RunnerTx is an object over `tx` whose methods are this one prototype's: a runner
 * batch opens a transaction, and building an object of ~55 arrow functions for each (every one
 * named at run time under tsx's keepNames) was 2–3 % of the embedded process's CPU in the
 * sequential peer workload (V8 profile).
 */
const METHODS: RunnerTx & ThisType<{ readonly tx: Queryable; savedBy?: Promise<string> }> = {
  lockRuns(ids) {
    return lockRuns(this.tx, ids);
  },
  lockRunsUnchanged(runs) {
    return lockRunsUnchanged(this.tx, runs);
  },
  transactionId() {
    // The id saveTransitions' statement answers, when the transaction sent one.
    return this.savedBy ?? transactionId(this.tx);
  },
  lockInsertedRuns(ids) {
    return lockInsertedRuns(this.tx, ids);
  },
  get concurrency() {
    return concurrencyTx(this.tx);
  },
  rateLimitsOf(namespaces) {
    return rateLimitsOf(this.tx, namespaces);
  },
  deferAttempts(deferrals) {
    return deferAttempts(this.tx, deferrals);
  },
  insertOutbox(rows) {
    return insertOutbox(this.tx, rows);
  },
  takeOutbox(ids) {
    return takeOutbox(this.tx, ids);
  },
  dropSupersededControls(ids) {
    return dropSupersededControls(this.tx, ids);
  },
  existingEventKeys(runIds, keys) {
    return existingEventKeys(this.tx, runIds, keys);
  },
  listensForType(type, namespace) {
    return listensForType(this.tx, type, namespace);
  },
  takeDueTimers(now, limit) {
    return takeDueTimers(this.tx, now, limit);
  },
  countTreeRuns(roots) {
    return countTreeRuns(this.tx, roots);
  },
  async releaseRuns(runIds) {
    await deleteTimersOfRuns(this.tx, runIds);
    await deleteListensOfRuns(this.tx, runIds);
    const cancelled = await cancelAttemptsOfRuns(this.tx, runIds);
    await cancelApprovalsOfAttempts(this.tx, cancelled.map((a) => a.id));
    return cancelled;
  },
  completeAttempts(outcomes) {
    return completeAttempts(this.tx, outcomes);
  },
  completeOpenAttempts(outcomes) {
    return completeOpenAttempts(this.tx, outcomes);
  },
  takeTimers(ids) {
    return takeTimers(this.tx, ids);
  },
  saveRuns(updates) {
    return saveRuns(this.tx, updates);
  },
  async saveTransitions(transitions) {
    const savedBy = saveTransitions(this.tx, transitions);
    if (savedBy !== undefined) {
      savedBy.catch(() => undefined); // as a write's: its failure is the transaction's (the commit throws it)
      this.savedBy ??= savedBy;
    }
  },
  setEventSeqs(updates) {
    return setEventSeqs(this.tx, updates);
  },
  clearRunStates(runIds) {
    return clearRunStates(this.tx, runIds);
  },
  appendEvents(events) {
    return appendEvents(this.tx, events);
  },
  insertAttempts(attempts) {
    return insertAttempts(this.tx, attempts);
  },
  async cancelAttempts(ids) {
    const cancelled = await cancelAttempts(this.tx, ids);
    // An approval lives as long as its attempt (run cancelled, task timed out, fork lost).
    await cancelApprovalsOfAttempts(this.tx, cancelled.map((a) => a.id));
    return cancelled;
  },
  heldAttempts(runIds) {
    return heldAttempts(this.tx, runIds);
  },
  releaseAttempts(attempts) {
    return releaseAttempts(this.tx, attempts);
  },
  cancelHeldAttempts(runIds) {
    return cancelHeldAttempts(this.tx, runIds);
  },
  liveChildRuns(runIds) {
    return liveChildRuns(this.tx, runIds);
  },
  insertTimers(timers) {
    return insertTimers(this.tx, timers);
  },
  deleteTimers(ids) {
    return deleteTimers(this.tx, ids);
  },
  insertListens(listens) {
    return insertListens(this.tx, listens);
  },
  deleteListens(ids) {
    return deleteListens(this.tx, ids);
  },
  createRuns(runs) {
    return insertRuns(this.tx, runs);
  },
  insertApprovals(approvals) {
    return insertApprovals(this.tx, approvals);
  },
  lockApproval(id) {
    return lockApproval(this.tx, id);
  },
  updateApproval(update) {
    return updateApproval(this.tx, update);
  },
  insertApprovalDecision(decision) {
    return insertApprovalDecision(this.tx, decision);
  },
  putDefinition(definition) {
    return putDefinition(this.tx, definition);
  },
  latestVersion(namespace, name) {
    return latestVersion(this.tx, namespace, name);
  },
  lockScheduleOf(namespace, name) {
    return lockScheduleOf(this.tx, namespace, name);
  },
  lockSchedule(id) {
    return lockSchedule(this.tx, id);
  },
  putSchedule(schedule) {
    return putSchedule(this.tx, schedule);
  },
  deleteSchedule(id) {
    return deleteSchedule(this.tx, id);
  },
  lockDueSchedules(now, limit) {
    return lockDueSchedules(this.tx, now, limit);
  },
  lockEventSchedules(type, namespace) {
    return lockEventSchedules(this.tx, type, namespace);
  },
  liveRunsOf(ids) {
    return liveRunsOf(this.tx, ids);
  },
  insertScheduledRuns(runs) {
    return insertScheduledRuns(this.tx, runs);
  },
  updateSchedules(updates) {
    return updateSchedules(this.tx, updates);
  },
  openReplays(runIds) {
    return openReplays(this.tx, runIds);
  },
  consumeReplays(consumed) {
    return consumeReplays(this.tx, consumed);
  },
  insertReplayedAttempts(attempts) {
    return insertReplayedAttempts(this.tx, attempts);
  },
  setAppliedSeqs(applied) {
    return setAppliedSeqs(this.tx, applied);
  },
};

export function runnerTx(tx: Queryable): RunnerTx {
  return Object.create(METHODS, { tx: { value: tx }, savedBy: { value: undefined, writable: true } }) as RunnerTx;
}
