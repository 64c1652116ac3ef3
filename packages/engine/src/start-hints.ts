// Hints of the runs the API's inline start began, for workflow-runners in other processes (topic
// `runs.started`). The API decides a run's start in the transaction that creates it, so a runner
// in another process has never seen the run when its first task result comes: that batch had to
// lock and read it first — a round trip to PostgreSQL more on every run's first result (issue 16:
// request → task.completed 0.9–1.4 ms for a run's first result, 0.3–0.6 for its second). The API
// publishes each run as its start left it, and the id of the transaction that wrote it, just before
// the run's first tasks (the same write to Redis, in that order); a runner remembers it
// (RunSnapshots.hint) and decides the batch of its first results on it, as on its own batches'.
//
// A hint is only that: the runner's lock checks on the server that the row is still the one that
// transaction wrote (lockRunsUnchanged), so a hint that came late, twice, or for a run that moved
// on meanwhile costs a batch applied again on a read, never a wrong decision; a hint lost (Redis
// restarted, the runner subscribed later) costs the read it saves. Hints carry no more than
// RUN_STARTED_HINT_MAX_BYTES of state: a larger run is read, as before.
import { RUN_STARTED_HINT_MAX_BYTES, Topics, type Bus, type LockedRun, type RunStartedHint } from '@baton/core';
import { jsonSize } from '@baton/core/interpreter';
import type { Logger } from 'pino';
import type { BatchOutcome } from './apply.ts';
import type { RunSnapshots } from './snapshots.ts';

/** The hints of the runs a committed start left to remember (BatchOutcome.snapshots), within the size bound. */
export async function startHintsOf(left: BatchOutcome['snapshots']): Promise<RunStartedHint[]> {
  if (!left || left.runs.length === 0) return [];
  const small = left.runs.filter((run) => jsonSize(run.state, RUN_STARTED_HINT_MAX_BYTES, false) <= RUN_STARTED_HINT_MAX_BYTES);
  if (small.length === 0) return [];
  const savedBy = await left.savedBy;
  return small.map((run) => ({ run, savedBy }));
}

/**
 * Publishes hints without waiting: the publish is written before what the caller hands to the bus
 * next in this turn (the runs' first tasks), and its failure costs only the reads it would have saved.
 */
export function publishStartHints(bus: Bus, logger: Logger, hints: readonly RunStartedHint[]): void {
  if (hints.length === 0) return;
  bus.publish(Topics.started, hints).catch((error: unknown) => logger.debug({ err: error, runs: hints.length }, 'could not publish start hints; the runner reads those runs'));
}

export type HintOutcome = 'kept' | 'known' | 'malformed';

/**
 * Remembers the hints published from now on in `snapshots`, until the returned function is called;
 * `counted` hears what became of each. Malformed hints are dropped: a hint is never needed.
 */
export function followStartHints(bus: Bus, snapshots: RunSnapshots, counted: (outcome: HintOutcome, count: number) => void = () => undefined): Promise<() => Promise<void>> {
  return bus.subscribe<unknown>(Topics.started, (entries) => {
    const counts = { kept: 0, known: 0, malformed: 0 };
    for (const entry of entries) {
      const hint = parseStartHint(entry.body);
      counts[hint === undefined ? 'malformed' : snapshots.hint(hint) ? 'kept' : 'known'] += 1;
    }
    for (const outcome of ['kept', 'known', 'malformed'] as const) if (counts[outcome] > 0) counted(outcome, counts[outcome]);
  });
}

const XID = /^\d{1,10}$/;
const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isOptionalText = (value: unknown) => value === undefined || isText(value);

/**
 * A hint as a runner may remember it, or undefined: a running run with a state and its events'
 * seq, without usage counters, reset origin or rate limits (what snapshotAfter keeps), and a
 * transaction id. The state itself is the interpreter's, as the API's start wrote it.
 */
export function parseStartHint(body: unknown): RunStartedHint | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { run, savedBy } = body as Partial<Record<keyof RunStartedHint, unknown>>;
  if (typeof savedBy !== 'string' || !XID.test(savedBy) || typeof run !== 'object' || run === null) return undefined;
  const r = run as Partial<Record<keyof LockedRun, unknown>>;
  const shaped =
    isText(r.id) && isText(r.definitionId) && isText(r.namespace) && isText(r.name) && isText(r.version) &&
    r.status === 'running' && typeof r.state === 'object' && r.state !== null && !Array.isArray(r.state) &&
    Number.isSafeInteger(r.eventSeq) && (r.eventSeq as number) >= 0 &&
    Array.isArray(r.rateLimits) && r.rateLimits.length === 0 &&
    r.usage === undefined && r.resetOf === undefined && r.start === undefined && r.lockedAt === undefined && r.endedAt === undefined &&
    isOptionalText(r.startedAt) && isOptionalText(r.parentRunId) && isOptionalText(r.parentEffectId);
  return shaped ? { run: run as LockedRun, savedBy } : undefined;
}
