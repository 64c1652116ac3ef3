// Runs created through the API start in the transaction that creates them (apply.ts applyNewRun):
// the run's first decision — its first tasks, its events, their outbox rows — commits with its
// insert, and the API process relays them as a runner relays a batch it committed. A run saves one
// commit, one start message through the transport and one runner transaction (the runner's lock
// and read of the run) on its way to its first task; the runner takes over from its first result.
// What only the runner does on time stays with it: a start that writes a timer due within
// INLINE_TIMER_HORIZON_MS or defers a rate-limited attempt is rolled back (a runner wakes its own
// timer loop and sweeper for what its batch wrote; this process cannot wake another's), and the
// caller creates the run and sends its start message, as it does when this fails for any reason.
import type { Bus, RunRecord, RunnerTx, Store } from '@baton/core';
import type { Limits } from '@baton/core/interpreter';
import type { Tracer } from '@baton/tracing';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { applyNewRun, StartDeclined, type ApplyDeps, type BatchOutcome } from './apply.ts';
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
    // Never called with a timer before the horizon (accept); a later one the runners' loops find.
    timerWritten: () => undefined,
    ...(tracing && { tracing }),
  };
  const accept = (outcome: BatchOutcome) =>
    outcome.nextDeferredAt === undefined && (outcome.nextTimerAt === undefined || outcome.nextTimerAt - clock() >= INLINE_TIMER_HORIZON_MS);

  return {
    async start(runId, create) {
      let created;
      try {
        created = await applyNewRun(apply, runId, create, accept);
      } catch (error) {
        // Rolled back: the caller's plain creation either succeeds (the runner then applies, or
        // faults, what failed here) or fails as it would have.
        if (!(error instanceof StartDeclined)) logger.warn({ err: error }, 'could not start a run in its creating transaction; the runner starts it');
        return 'runner';
      }
      if (!created?.outcome) return created && { run: created.run, created: created.created };
      await afterCommit(ctx, created.outcome);
      return { run: asStarted(created.run, created.outcome), created: true };
    },
    async close() {
      ctx.relayed.flush();
      await Promise.allSettled([...background]);
    },
  };
}

/** The run as inserted, with what its start changed (status, times, output or error, usage). */
function asStarted(run: RunRecord, outcome: BatchOutcome): RunRecord {
  const update = outcome.updates.find((u) => u.id === run.id);
  if (!update) return run;
  return {
    ...run,
    status: update.status,
    ...(update.startedAt !== undefined && { startedAt: update.startedAt }),
    ...(update.endedAt !== undefined && { endedAt: update.endedAt }),
    ...(update.output !== undefined && { output: update.output }),
    ...(update.error !== undefined && { error: update.error }),
    // A new run's counters are what its start added.
    ...(update.usage !== undefined && { usage: update.usage }),
  };
}
