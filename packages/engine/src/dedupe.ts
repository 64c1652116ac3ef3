// Every runner message is applied once, however often the transport delivers it:
//   - a message relayed from the outbox: its row is deleted by the transaction that applies it;
//     a copy whose row is already gone was applied before (takeOutbox);
//   - a task result: only an attempt still `scheduled` takes it (completeAttempts);
//   - a timer without an outbox row (sent before the outbox existed): the timer row is taken once;
//   - appended events with a key: a key already in the run's log is not appended again;
//   - start, cancel, continue, approval deadlines: idempotent by the run's (or approval's) state.
// Runs are locked before this is called, so no other runner applies the same message meanwhile.
import type { EventDraft, RunnerMessage, RunnerTx } from '@baton/core';

/** The messages to apply, each mapped to what is left of it (appended events without duplicates). */
export async function dedupe(tx: RunnerTx, messages: readonly RunnerMessage[]): Promise<Map<RunnerMessage, RunnerMessage>> {
  const outboxIds = [...new Set(messages.flatMap((m) => (m.outboxId === undefined ? [] : [m.outboxId])))];
  const results = messages.filter((m): m is Extract<RunnerMessage, { type: 'result' }> => m.type === 'result');
  const timers = messages.filter((m): m is Extract<RunnerMessage, { type: 'timer' }> => m.type === 'timer' && m.outboxId === undefined);
  const appended = messages.filter((m): m is Extract<RunnerMessage, { type: 'events' }> => m.type === 'events');
  const keys = [...new Set(appended.flatMap((m) => m.events.flatMap((e) => (e.key === undefined ? [] : [e.key]))))];
  const [taken, appliedResults, firedTimers, loggedKeys] = await Promise.all([
    outboxIds.length === 0 ? [] : tx.takeOutbox(outboxIds),
    results.length === 0 ? [] : tx.completeAttempts(results.map((m) => (m.status === 'completed' ? { id: m.attemptId, status: 'completed' as const, result: m.output } : { id: m.attemptId, status: 'failed' as const, error: m.error }))),
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
    fresh.set(m, m);
  }
  return fresh;
}

/** Keeps an event whose key is new to the run, and records the key (a second copy in the batch is dropped). */
function keep(event: EventDraft, runId: string, logged: Set<string>): boolean {
  if (event.key === undefined) return true;
  const id = `${runId} ${event.key}`;
  if (logged.has(id)) return false;
  logged.add(id);
  return true;
}
