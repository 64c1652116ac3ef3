// The workflow-runner: four loops over one resources bag (loops/context.ts), each with its own
// module and failure rule (packages/engine/README.md):
//   inbox    consumes the `runner` queue and applies batches       (loops/inbox.ts)
//   timers   moves due timers into the durable inbox                (loops/timers.ts)
//   sweeper  re-sends what the outbox or a crash left                (loops/sweeper.ts)
//   epochs   re-sends what was in flight when the transport lost its data (loops/epochs.ts)
//   schedules starts the runs of due schedule ticks                   (loops/schedules.ts)
// Several runners may run at once: runs are serialised by row locks, every message is applied once
// (dedupe.ts), and every loop claims its rows so that no two runners do the same work.
import type { AttemptKind, Bus, RuntimeDescriptor, Store } from '@baton/core';
import type { Limits } from '@baton/core/interpreter';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { RunNamespaces, type ApplyDeps } from './apply.ts';
import { DefinitionCache } from './definitions.ts';
import { createEngineMetrics } from './metrics.ts';
import { RelayedRows } from './outbox.ts';
import type { LoopContext } from './loops/context.ts';
import { InboxGate, inboxLoop } from './loops/inbox.ts';
import { epochLoop, noteTransportEpoch } from './loops/epochs.ts';
import { sweepLoop } from './loops/sweeper.ts';
import { timerLoop } from './loops/timers.ts';
import { deferredWakeups } from './loops/deferred.ts';
import { scheduleLoop } from './loops/schedules.ts';
import { createRunTracing } from './tracing.ts';
import { RunSnapshots } from './snapshots.ts';
import { followStartHints } from './start-hints.ts';
import type { Tracer } from '@baton/tracing';

/** What workflows see as `$runtime`: the same from a runner and from the API's inline start. */
export const BATON_RUNTIME = { name: 'baton', version: '0.1.0' } as const;

export interface RunnerOptions {
  /** Consumer name on the bus (unique per process); also names this runner in epoch claims. */
  consumer: string;
  batchSize: number;
  /** Batches applied at once (each uses its own database connection). */
  concurrency: number;
  visibilityMs: number;
  /** Longest sleep of the timer loop when no timer is known to be due sooner. */
  timerPollMs: number;
  /** Longest sleep of the schedule loop (how soon a schedule registered elsewhere is seen). */
  schedulePollMs: number;
  sweepIntervalMs: number;
  /** Runs still pending after this long get their start message again. */
  pendingAgeMs: number;
  /** Per kind: dispatched attempts without a result after this long are dispatched again (transport loss). */
  redispatchAfterMs: Partial<Record<AttemptKind, number>>;
  /**
   * Runs remembered as this runner's batches left them, so that a batch of their task results is
   * decided without reading them first (snapshots.ts: one PostgreSQL round trip instead of two).
   * 0: every batch locks and reads its runs.
   */
  rememberedRuns: number;
}

export const defaultRunnerOptions: Omit<RunnerOptions, 'consumer'> = {
  batchSize: 256,
  concurrency: 2,
  visibilityMs: 30_000,
  timerPollMs: 250,
  schedulePollMs: 250,
  sweepIntervalMs: 2_000,
  pendingAgeMs: 10_000,
  redispatchAfterMs: { http: 10 * 60_000, agent: 30 * 60_000, workflow: 30_000 },
  rememberedRuns: 10_000,
};

export interface RunnerDeps {
  store: Store;
  bus: Bus;
  logger: Logger;
  metrics: Registry;
  runtime: RuntimeDescriptor;
  options: RunnerOptions;
  clock?: () => number;
  /** What a run of a namespace may consume (BATON_LIMITS, see @baton/runtime loadLimits); defaults when absent. */
  limits?: (namespace: string) => Limits;
  /** The smallest valueBytes of any namespace (ApplyDeps.valueBytesFloor). */
  valueBytesFloor?: number;
  /** Spans of runs, decisions and inline tasks, and the traceparent of task messages (tracing.ts). */
  tracer?: Tracer;
  /**
   * Where the runs are remembered (options.rememberedRuns > 0): given when the API's inline start
   * shares the process (embedded) and remembers there the runs it started, so that their first
   * results are decided on what it left too. Default: the runner's own.
   */
  snapshots?: RunSnapshots;
}

export interface WorkflowRunner {
  start(): Promise<void>;
  /** Stop taking work, finish the batches in hand, and return. Unacked messages are reclaimed by others. */
  stop(): Promise<void>;
}

/** What batches apply with (a runner's, or the API's inline start's: inline-start.ts): a definition cache and a namespace memory of their own. */
export function applyDepsOf(deps: Pick<RunnerDeps, 'store' | 'runtime' | 'limits' | 'valueBytesFloor' | 'logger'>, clock: () => number): ApplyDeps {
  return {
    store: deps.store,
    definitions: new DefinitionCache(deps.store),
    runtime: deps.runtime,
    clock,
    namespaces: new RunNamespaces(),
    onDecideError: (runId, error) => deps.logger.error({ runId, err: error }, 'interpreter error; run faulted'),
    ...(deps.limits !== undefined && { limits: deps.limits }),
    ...(deps.valueBytesFloor !== undefined && { valueBytesFloor: deps.valueBytesFloor }),
  };
}

/** Background writes (relayed outbox rows deleted): a failure is logged, and `settled` waits for what is still out. */
export function backgroundWrites(logger: Logger): { keep(work: Promise<unknown>): void; settled(): Promise<void> } {
  const background = new Set<Promise<unknown>>();
  return {
    keep(work) {
      const tracked = work.catch((error: unknown) => logger.warn({ err: error }, 'background write failed; the sweeper will repair it'));
      background.add(tracked);
      void tracked.finally(() => background.delete(tracked));
    },
    async settled() {
      await Promise.allSettled([...background]);
    },
  };
}

export function createWorkflowRunner(deps: RunnerDeps): WorkflowRunner {
  const { logger, options } = deps;
  const clock = deps.clock ?? Date.now;
  const abort = new AbortController();
  const metrics = createEngineMetrics(deps.metrics, deps.bus);
  const snapshots = options.rememberedRuns > 0 ? (deps.snapshots ?? new RunSnapshots(options.rememberedRuns)) : undefined;
  const apply: ApplyDeps = {
    ...applyDepsOf(deps, clock),
    ...(snapshots && { snapshots, onSnapshotBatch: (outcome) => metrics.snapshotBatches.inc({ outcome }) }),
  };
  const tracing = deps.tracer ? createRunTracing(deps.tracer, deps.store, logger) : undefined;
  const background = backgroundWrites(logger);
  const keep = background.keep;
  const ctx: LoopContext = {
    store: deps.store,
    bus: tracing ? tracing.wrap(deps.bus) : deps.bus,
    logger,
    metrics,
    options,
    clock,
    apply,
    signal: abort.signal,
    background: keep,
    relayed: new RelayedRows(deps.store, keep),
    timerWritten: (fireAt) => timers.written(fireAt),
    deferredWritten: (at) => deferred.written(at),
    ...(tracing && { tracing }),
  };
  const timers = timerLoop(ctx);
  const deferred = deferredWakeups(ctx);
  const loops: Promise<void>[] = [];
  // The API's starts in other processes publish hints of their runs (start-hints.ts); one that
  // shares this runner's memory remembers them there itself. Nothing waits for the subscription:
  // a result that comes before it is decided on a read, as without hints.
  let unfollow: (() => Promise<void>) | undefined;
  const followHints = async (): Promise<void> => {
    if (!snapshots || deps.snapshots) return;
    try {
      const stop = await followStartHints(deps.bus, snapshots, (outcome, count) => metrics.startHints.inc({ outcome }, count));
      if (abort.signal.aborted) await stop();
      else unfollow = stop;
    } catch (error) {
      if (!abort.signal.aborted) logger.warn({ err: error }, 'could not subscribe to start hints; the first results of runs the API started are decided on a read');
    }
  };

  return {
    async start() {
      // What the loops hand to the transport must come after this epoch was recorded as seen, or
      // its repair would send it again (loops/epochs.ts); until then only the epoch watch runs.
      const noted = noteTransportEpoch(ctx.store, ctx.bus, logger, abort.signal);
      const after = (loop: () => Promise<void>) => noted.then((ok) => (ok ? loop() : undefined));
      void after(followHints);
      const gate = new InboxGate();
      for (let i = 0; i < options.concurrency; i += 1) loops.push(after(() => inboxLoop(ctx, gate)));
      loops.push(after(() => timers.run()), after(() => sweepLoop(ctx)), epochLoop(ctx), after(() => scheduleLoop(ctx)));
      logger.info({ consumer: options.consumer, concurrency: options.concurrency }, 'workflow-runner started');
    },
    async stop() {
      abort.abort();
      deferred.stop();
      await unfollow?.();
      await Promise.allSettled(loops);
      ctx.relayed.flush();
      await background.settled();
      logger.info('workflow-runner stopped');
    },
  };
}
