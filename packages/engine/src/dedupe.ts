// Every runner message is applied once, however often the transport delivers it:
//   - a message relayed from the outbox: its row is deleted by the transaction that applies it;
//     a copy whose row is already gone was applied before (takeOutbox);
//   - a task result: only an attempt still `scheduled` takes it (completeAttempts);
//   - a timer without an outbox row (sent before the outbox existed): the timer row is taken once;
//   - appended events with a key: a key already in the run's log is not appended again;
//   - start, cancel, continue, approval deadlines, suspend, resume: idempotent by the run's (or
//     approval's) state; of several suspend / resume requests for a run, the latest wins.
// Runs are locked before this is called, so no other runner applies the same message meanwhile.
import type { AttemptOutcome, EventDraft, RunnerMessage, RunnerTx } from '@baton/core';
import { jsonSize, limitError, type Limits } from '@baton/core/interpreter';

/** The namespace and limits of a locked run (undefined: the run does not exist). */
export type RunLimitsOf = (runId: string) => { namespace: string; limits: Limits } | undefined;

/**
 * The messages to apply, each mapped to what is left of it (appended events without duplicates;
 * a task result larger than the run's valueBytes limit becomes that limit's error — stored and
 * decided on instead of the value).
 */
export async function dedupe(tx: RunnerTx, messages: readonly RunnerMessage[], limitsOf: RunLimitsOf): Promise<Map<RunnerMessage, RunnerMessage>> {
  const outboxIds = [...new Set(messages.flatMap((m) => (m.outboxId === undefined ? [] : [m.outboxId])))];
  const bounded = new Map<RunnerMessage, RunnerMessage>(messages.map((m) => [m, m.type === 'result' ? boundResult(m, limitsOf) : m]));
  const results = [...bounded.values()].filter((m): m is Extract<RunnerMessage, { type: 'result' }> => m.type === 'result');
  const timers = messages.filter((m): m is Extract<RunnerMessage, { type: 'timer' }> => m.type === 'timer' && m.outboxId === undefined);
  const appended = messages.filter((m): m is Extract<RunnerMessage, { type: 'events' }> => m.type === 'events');
  const keys = [...new Set(appended.flatMap((m) => m.events.flatMap((e) => (e.key === undefined ? [] : [e.key]))))];
  // Suspend / resume: the latest request wins — older ones still waiting are dropped first (their
  // rows deleted, so a copy here or at another runner is a duplicate).
  const controls = messages.flatMap((m) => ((m.type === 'suspend' || m.type === 'resume') && m.outboxId !== undefined ? [m.outboxId] : []));
  if (controls.length > 0) await tx.dropSupersededControls(controls);
  const [taken, appliedResults, firedTimers, loggedKeys] = await Promise.all([
    outboxIds.length === 0 ? [] : tx.takeOutbox(outboxIds),
    results.length === 0 ? [] : tx.completeAttempts(results.map(attemptOutcome)),
    timers.length === 0 ? [] : tx.takeTimers(timers.map((m) => `${m.runId}:${m.timerId}`)),
    keys.length === 0 ? new Set<string>() : tx.existingEventKeys([...new Set(appended.map((m) => m.runId))], keys),
  ]);
  const rows = new Set(taken);
  const resultIds = new Set(appliedResults);
  const timerIds = new Set(firedTimers);
  const fresh = new Map<RunnerMessage, RunnerMessage>();
  for (const m of messages) {
    // Each id is consumed by its first message: the same message may appear twice in one batch.
    if (m.outboxId !== undefined && !rows.delete(m.outboxId)) continue;
    if (m.type === 'result' && !resultIds.delete(m.attemptId)) continue;
    if (m.type === 'timer' && m.outboxId === undefined && !timerIds.delete(`${m.runId}:${m.timerId}`)) continue;
    if (m.type === 'events') {
      const events = m.events.filter((e) => keep(e, m.runId, loggedKeys));
      if (events.length > 0) fresh.set(m, { ...m, events });
      continue;
    }
    fresh.set(m, bounded.get(m)!);
  }
  return fresh;
}

/**
 * dedupe for a batch decided on what the runner knew of its runs (snapshots.ts): task results of
 * distinct attempts only, none expected to be a duplicate. Returns the results (bounded) and the
 * outcomes their attempts take: the batch completes them after its decisions, with their applied
 * seqs, by a statement that fails the transaction when one was not open any more
 * (completeOpenAttempts: the batch is then applied again through dedupe); nothing is waited for.
 */
export function expectFresh(messages: readonly RunnerMessage[], limitsOf: RunLimitsOf): { fresh: Map<RunnerMessage, RunnerMessage>; complete: AttemptOutcome[] } {
  const bounded = new Map<RunnerMessage, RunnerMessage>();
  for (const m of messages) {
    if (m.type !== 'result') throw new Error(`expectFresh takes task results only, not a ${m.type} message`);
    bounded.set(m, boundResult(m, limitsOf));
  }
  return { fresh: bounded, complete: [...bounded.values()].map((m) => attemptOutcome(m as Extract<RunnerMessage, { type: 'result' }>)) };
}

/** What a result writes to its attempt. */
function attemptOutcome(m: Extract<RunnerMessage, { type: 'result' }>): AttemptOutcome {
  return m.status === 'completed' ? { id: m.attemptId, status: 'completed', result: m.output } : { id: m.attemptId, status: 'failed', error: m.error };
}

/** Keeps an event whose key is new to the run, and records the key (a second copy in the batch is dropped). */
function keep(event: EventDraft, runId: string, logged: Set<string>): boolean {
  if (event.key === undefined) return true;
  const id = `${runId} ${event.key}`;
  if (logged.has(id)) return false;
  logged.add(id);
  return true;
}

/** A completed result whose output is larger than the run's valueBytes limit fails with the limit's error. */
function boundResult(message: Extract<RunnerMessage, { type: 'result' }>, limitsOf: RunLimitsOf): RunnerMessage {
  const run = message.status === 'completed' ? limitsOf(message.runId) : undefined;
  if (message.status !== 'completed' || run === undefined) return message;
  const max = run.limits.valueBytes;
  if (jsonSize(message.output, max, false) <= max) return message;
  const error = limitError('valueBytes', max, 'the result of this task is larger than a value may be', '/', run.namespace);
  return { type: 'result', runId: message.runId, attemptId: message.attemptId, status: 'failed', error, ...(message.events !== undefined && { events: message.events }), ...(message.outboxId !== undefined && { outboxId: message.outboxId }) };
}
