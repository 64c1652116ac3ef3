// Runs created through the API start in the transaction that creates them (apply.ts applyNewRuns):
// a run's first decision — its first tasks, its events, their outbox rows — commits with its
// insert, and the API process relays them as a runner relays a batch it committed. A run saves one
// commit, one start message through the transport and its share of a runner transaction (the lock
// and read of the run) on its way to its first task; the runner takes over from its first result.
// The starts of concurrent requests are one transaction, as the runner batches its messages: what
// has arrived when a transaction can begin (nothing waits for more), at most START_BATCH runs and
// STARTS_IN_FLIGHT transactions at once. What only the runner does on time stays with it: a start
// that writes a timer due within INLINE_TIMER_HORIZON_MS is rolled back (a runner wakes its timer
// loop for what its batch wrote; this process cannot wake another's) and the caller creates the
// run and sends its start message, as it does when a start fails here for any other reason.
import type { Bus, RunRecord, RunnerTx, Store } from '@baton/core';
import type { Limits } from '@baton/core/interpreter';
import type { Tracer } from '@baton/tracing';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { applyNewRuns, StartDeclined, type ApplyDeps, type BatchOutcome, type NewRunStart } from './apply.ts';
import { DefinitionCache } from './definitions.ts';
import { afterCommit, type CommitContext } from './loops/context.ts';
import { runCounters } from './metrics.ts';
import { RelayedRows } from './outbox.ts';
import { createRunTracing } from './tracing.ts';

/** The runtime Baton's interpreter names ($runtime in expressions). */
export const RUNTIME = { name: 'baton', version: '0.1.0' } as const;

/**
 * A start that writes a timer due sooner than this is left to the runner. A runner looks at the
 * timers at least every timerPollMs (250 ms), so a later timer written here fires at most that
 * late (2.5 % of this horizon); the runner whose batch writes a timer wakes for it exactly.
 */
export const INLINE_TIMER_HORIZON_MS = 10_000;

export interface RunStarterDeps {
  store: Store;
  bus: Bus;
  logger: Logger;
  /** Where the run counters are (shared with a runner in the same process). */
  metrics: Registry;
  /** What a run of a namespace may consume (BATON_LIMITS): the runner's limits, or its first step would be held to others. */
  limits?: (namespace: string) => Limits;
  tracer?: Tracer;
  clock?: () => number;
}

/** A run as its creation left it: created here (and started), or found (an idempotency key's run). */
export interface CreatedRun {
  run: RunRecord;
  created: boolean;
}

export interface RunStarter {
  /**
   * Creates run `runId` with `create` and applies its start in the same transaction. Returns what
   * `create` returned — a run that existed already is not started again; undefined when it created
   * nothing — with a new run as its start left it (running, or even ended). `'runner'`: nothing was
   * written; the caller creates the run and sends its start message to the runner.
   */
  start(runId: string, create: (tx: RunnerTx) => Promise<CreatedRun | undefined>): Promise<CreatedRun | undefined | 'runner'>;
  /** Deletes the relay rows relayed so far, and waits for it (before the store closes). */
  close(): Promise<void>;
}

/** Most runs started by one transaction. */
const START_BATCH = 64;
/** Start transactions at once (each holds a database connection). */
const STARTS_IN_FLIGHT = 2;

interface PendingStart extends NewRunStart {
  resolve(started: CreatedRun | undefined | 'runner'): void;
}

export function createRunStarter(deps: RunStarterDeps): RunStarter {
  const { store, bus, logger } = deps;
  const clock = deps.clock ?? Date.now;
  const background = new Set<Promise<unknown>>();
  const keep = (work: Promise<unknown>): void => {
    const tracked = work.catch((error: unknown) => logger.warn({ err: error }, 'background write failed; the sweeper will repair it'));
    background.add(tracked);
    void tracked.finally(() => background.delete(tracked));
  };
  const apply: ApplyDeps = {
    store,
    definitions: new DefinitionCache(store),
    runtime: RUNTIME,
    clock,
    onDecideError: (runId, error) => logger.error({ runId, err: error }, 'interpreter error; run faulted'),
    ...(deps.limits !== undefined && { limits: deps.limits }),
  };
  const tracing = deps.tracer ? createRunTracing(deps.tracer, store, logger) : undefined;
  const ctx: CommitContext = {
    bus: tracing ? tracing.wrap(bus) : bus,
    logger,
    clock,
    relayed: new RelayedRows(store, keep),
    metrics: runCounters(deps.metrics),
    // Never called with a timer before the horizon (declined); a later one the runners' loops find.
    timerWritten: () => undefined,
    ...(tracing && { tracing }),
  };
  const declined = (outcome: BatchOutcome) => [...new Set(outcome.timers.filter((t) => t.fireAt - clock() < INLINE_TIMER_HORIZON_MS).map((t) => t.runId))];
  const pending: PendingStart[] = [];
  let inFlight = 0;

  function next(): void {
    while (inFlight < STARTS_IN_FLIGHT && pending.length > 0) {
      inFlight += 1;
      void startBatch(pending.splice(0, START_BATCH)).finally(() => {
        inFlight -= 1;
        next();
      });
    }
  }

  /** Starts a batch; a batch that fails is started run by run, so one run cannot fail the others. */
  async function startBatch(batch: PendingStart[]): Promise<void> {
    let left = batch;
    while (left.length > 0) {
      try {
        const { results, outcome } = await applyNewRuns(apply, left, declined);
        await afterCommit(ctx, outcome);
        left.forEach((start, i) => start.resolve(asStarted(results[i], outcome)));
        return;
      } catch (error) {
        if (error instanceof StartDeclined) {
          const refused = new Set(error.runIds);
          for (const start of left) if (refused.has(start.runId)) start.resolve('runner');
          left = left.filter((start) => !refused.has(start.runId));
          continue;
        }
        if (left.length > 1) {
          for (const start of left) await startBatch([start]);
          return;
        }
        // Rolled back: the caller's plain creation either succeeds (the runner then applies, or
        // faults, what failed here) or fails as it would have.
        logger.warn({ err: error, runId: left[0]!.runId }, 'could not start a run in its creating transaction; the runner starts it');
        left[0]!.resolve('runner');
        return;
      }
    }
  }

  return {
    start(runId, create) {
      return new Promise((resolve) => {
        pending.push({ runId, create, resolve });
        // What arrives in the same turn of the event loop joins this batch.
        if (pending.length === 1) setImmediate(next);
      });
    },
    async close() {
      ctx.relayed.flush();
      await Promise.allSettled([...background]);
    },
  };
}

/** A run as its creation left it; a new one with what its start changed (status, times, output or error, usage). */
function asStarted(result: CreatedRun | undefined, outcome: BatchOutcome): CreatedRun | undefined {
  if (!result?.created) return result;
  const { run } = result;
  const update = outcome.updates.find((u) => u.id === run.id);
  if (!update) return result;
  return {
    created: true,
    run: {
      ...run,
      status: update.status,
      ...(update.startedAt !== undefined && { startedAt: update.startedAt }),
      ...(update.endedAt !== undefined && { endedAt: update.endedAt }),
      ...(update.output !== undefined && { output: update.output }),
      ...(update.error !== undefined && { error: update.error }),
      // A new run's counters are what its start added.
      ...(update.usage !== undefined && { usage: update.usage }),
    },
  };
}
