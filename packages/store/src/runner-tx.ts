// RunnerTx: the statements of one runner batch bound to one open transaction.
import type { RunnerTx } from '@baton/core';
import type { Queryable } from './db/types.ts';
import { cancelApprovalsOfAttempts, insertApprovalDecision, insertApprovals, lockApproval, updateApproval } from './sql/approvals.ts';
import { cancelAttempts, cancelAttemptsOfRuns, cancelHeldAttempts, completeAttempts, heldAttempts, insertAttempts, releaseAttempts } from './sql/attempts.ts';
import { appendEvents, existingEventKeys } from './sql/events.ts';
import { deleteListens, deleteListensOfRuns, insertListens, listensForType } from './sql/listens.ts';
import { dropSupersededControls, insertOutbox, takeOutbox } from './sql/outbox.ts';
import { concurrencyTx } from './sql/concurrency.ts';
import { clearRunStates, lockRuns, saveRuns, saveTransitions, setEventSeqs } from './sql/run-transitions.ts';
import { countTreeRuns, insertRuns, liveChildRuns } from './sql/runs.ts';
import { consumeReplays, insertReplayedAttempts, openReplays, setAppliedSeqs } from './sql/replays.ts';
import { latestVersion, putDefinition } from './sql/definitions.ts';
import { deleteSchedule, insertScheduledRuns, liveRunsOf, lockDueSchedules, lockEventSchedules, lockSchedule, lockScheduleOf, putSchedule, updateSchedules } from './sql/schedules.ts';
import { deleteTimers, deleteTimersOfRuns, insertTimers, takeDueTimers, takeTimers } from './sql/timers.ts';
import { deferAttempts, rateLimitsOf } from './sql/rate-limits.ts';

export function runnerTx(tx: Queryable): RunnerTx {
  return {
    lockRuns: (ids) => lockRuns(tx, ids),
    concurrency: concurrencyTx(tx),
    rateLimitsOf: (namespaces) => rateLimitsOf(tx, namespaces),
    deferAttempts: (deferrals) => deferAttempts(tx, deferrals),
    insertOutbox: (rows) => insertOutbox(tx, rows),
    takeOutbox: (ids) => takeOutbox(tx, ids),
    dropSupersededControls: (ids) => dropSupersededControls(tx, ids),
    existingEventKeys: (runIds, keys) => existingEventKeys(tx, runIds, keys),
    listensForType: (type, namespace) => listensForType(tx, type, namespace),
    takeDueTimers: (now, limit) => takeDueTimers(tx, now, limit),
    countTreeRuns: (roots) => countTreeRuns(tx, roots),
    releaseRuns: async (runIds) => {
      await deleteTimersOfRuns(tx, runIds);
      await deleteListensOfRuns(tx, runIds);
      const cancelled = await cancelAttemptsOfRuns(tx, runIds);
      await cancelApprovalsOfAttempts(tx, cancelled.map((a) => a.id));
      return cancelled;
    },
    completeAttempts: (outcomes) => completeAttempts(tx, outcomes),
    takeTimers: (ids) => takeTimers(tx, ids),
    saveRuns: (updates) => saveRuns(tx, updates),
    saveTransitions: (transitions) => saveTransitions(tx, transitions),
    setEventSeqs: (updates) => setEventSeqs(tx, updates),
    clearRunStates: (runIds) => clearRunStates(tx, runIds),
    appendEvents: (events) => appendEvents(tx, events),
    insertAttempts: (attempts) => insertAttempts(tx, attempts),
    cancelAttempts: async (ids) => {
      const cancelled = await cancelAttempts(tx, ids);
      // An approval lives as long as its attempt (run cancelled, task timed out, fork lost).
      await cancelApprovalsOfAttempts(tx, cancelled.map((a) => a.id));
      return cancelled;
    },
    heldAttempts: (runIds) => heldAttempts(tx, runIds),
    releaseAttempts: (attempts) => releaseAttempts(tx, attempts),
    cancelHeldAttempts: (runIds) => cancelHeldAttempts(tx, runIds),
    liveChildRuns: (runIds) => liveChildRuns(tx, runIds),
    insertTimers: (timers) => insertTimers(tx, timers),
    deleteTimers: (ids) => deleteTimers(tx, ids),
    insertListens: (listens) => insertListens(tx, listens),
    deleteListens: (ids) => deleteListens(tx, ids),
    createRuns: (runs) => insertRuns(tx, runs),
    insertApprovals: (approvals) => insertApprovals(tx, approvals),
    lockApproval: (id) => lockApproval(tx, id),
    updateApproval: (update) => updateApproval(tx, update),
    insertApprovalDecision: (decision) => insertApprovalDecision(tx, decision),
    putDefinition: (definition) => putDefinition(tx, definition),
    latestVersion: (namespace, name) => latestVersion(tx, namespace, name),
    lockScheduleOf: (namespace, name) => lockScheduleOf(tx, namespace, name),
    lockSchedule: (id) => lockSchedule(tx, id),
    putSchedule: (schedule) => putSchedule(tx, schedule),
    deleteSchedule: (id) => deleteSchedule(tx, id),
    lockDueSchedules: (now, limit) => lockDueSchedules(tx, now, limit),
    lockEventSchedules: (type, namespace) => lockEventSchedules(tx, type, namespace),
    liveRunsOf: (ids) => liveRunsOf(tx, ids),
    insertScheduledRuns: (runs) => insertScheduledRuns(tx, runs),
    updateSchedules: (updates) => updateSchedules(tx, updates),
    openReplays: (runIds) => openReplays(tx, runIds),
    consumeReplays: (consumed) => consumeReplays(tx, consumed),
    insertReplayedAttempts: (attempts) => insertReplayedAttempts(tx, attempts),
    setAppliedSeqs: (applied) => setAppliedSeqs(tx, applied),
  };
}
