// A batch that fails must not hold back every run in it. The runner retries the batch run by
// run; a run whose messages keep failing (a definition that no longer compiles, a row the
// database refuses, an interpreter bug) is faulted with a runtime error that says why, and its
// messages are acknowledged — a run ends visibly instead of staying stuck for ever.
import { ErrorTypes, TERMINAL_STATUSES, type BusMessage, type RunnerMessage, type Store, type WorkflowError } from '@baton/core';

/** Deliveries after which a message that still fails alone faults its run. */
export const POISON_DELIVERIES = 3;

export interface ParsedMessage {
  bus: BusMessage;
  message: RunnerMessage;
}

export function groupByRun(messages: readonly ParsedMessage[]): ParsedMessage[][] {
  const groups = new Map<string, ParsedMessage[]>();
  for (const m of messages) {
    const group = groups.get(m.message.runId);
    if (group) group.push(m);
    else groups.set(m.message.runId, [m]);
  }
  return [...groups.values()];
}

/** Faults a run that cannot be advanced; a run already finished (or unknown) is left as it is. */
export async function faultStuckRun(store: Store, runId: string, cause: unknown, now: number): Promise<void> {
  const detail = `the runner could not apply this run's messages after ${POISON_DELIVERIES} deliveries: ${(cause as Error)?.message ?? String(cause)}`;
  const error: WorkflowError = { type: ErrorTypes.runtime, status: 500, title: 'Run could not be advanced', detail };
  await store.transaction(async (tx) => {
    const [run] = await tx.lockRuns([runId]);
    if (!run || TERMINAL_STATUSES.has(run.status)) return;
    const time = new Date(now).toISOString();
    const seq = run.eventSeq + 1;
    await tx.saveRuns([{ id: run.id, status: 'faulted', state: { ...(run.state ?? {}), status: 'faulted', error }, error, eventSeq: seq, endedAt: time, ...(run.status === 'pending' ? { startedAt: time } : {}) }]);
    await tx.appendEvents([{ runId: run.id, seq, id: `${run.id}.${seq}`, type: 'io.serverlessworkflow.workflow.faulted.v1', time, data: { name: run.name, faultedAt: time, error } }]);
  });
}
