// The API's inline start: a run created through `POST /api/v1/runs` is started in the transaction
// that inserts it (store.createAndStartPickedRun), by the same code a runner batch applies to a
// start message (apply.ts) — concurrency keys, limits, child runs and the outbox included. Its
// first tasks leave with that commit: no start message, no runner batch and no second commit
// between the request and the first task (issue 16: two hops and a commit of every API run).
//
// A start that writes a timer or defers a rate-limited attempt is declined (the transaction rolls
// back and the runner starts the run from its start message): the runners' timer and deferral
// loops are woken by the batches of their own process, and this one has none.
//
// The runs a start leaves are remembered by the runner of the same process (`baton start`), or
// published to the runners of others as hints (start-hints.ts): either way the batch of their
// first task results is decided without reading them.
import { RunsChanged, type Bus, type LockedRun, type NewRun, type PickedRunsStart, type RunnerTx, type RuntimeDescriptor, type Store } from '@baton/core';
import type { Limits } from '@baton/core/interpreter';
import type { Tracer } from '@baton/tracing';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { applyInTransaction, type ApplyDeps, type BatchOutcome } from './apply.ts';
import { MissingDefinitions } from './definitions.ts';
import { afterCommit, type CommitContext } from './loops/context.ts';
import { noteTransportEpoch } from './loops/epochs.ts';
import { createEngineMetrics } from './metrics.ts';
import { RelayedRows } from './outbox.ts';
import { applyDepsOf, backgroundWrites } from './runner.ts';
import { RunSnapshots } from './snapshots.ts';
import { publishStartHints, startHintsOf } from './start-hints.ts';
import { createRunTracing } from './tracing.ts';

export interface RunStarterDeps {
  store: Store;
  bus: Bus;
  logger: Logger;
  metrics: Registry;
  /** The runners' descriptor ($runtime): a run's start must see what a runner would have shown it. */
  runtime: RuntimeDescriptor;
  limits?: (namespace: string) => Limits;
  /** The smallest valueBytes of any namespace (ApplyDeps.valueBytesFloor). */
  valueBytesFloor?: number;
  tracer?: Tracer;
  clock?: () => number;
  /**
   * The runner's memory of runs when it shares the process (embedded: RunnerDeps.snapshots): the
   * runs these starts leave are remembered there, and the runner decides their first results on
   * them (snapshots.ts) instead of reading them. Absent, they are published as hints to the runners
   * of other processes instead (start-hints.ts).
   */
  snapshots?: RunSnapshots;
}

export interface RunStarter extends PickedRunsStart {
  /**
   * Whether it starts runs yet: not before this process recorded the transport epoch it hands the
   * first tasks to (loops/epochs.ts noteTransportEpoch) — else a runner's repair of that epoch,
   * meeting them later, would send them again. Until then runs are created and sent to the runner.
   */
  ready(): boolean;
  /** Loads (once) the definition runs are about to be created from, so that their start does not miss it. */
  prepare(definitionId: string): Promise<void>;
  /** Waits for what committed starts still write in the background (relayed outbox rows deleted). */
  stop(): Promise<void>;
}

/** A start the API leaves to the runner (it wrote a timer or a deferral). */
export class StartDeclined extends Error {
  constructor(reason: string) {
    super(`the start is left to the runner: ${reason}`);
    this.name = 'StartDeclined';
  }
}

/** A run as its INSERT leaves it: pending, no state, its input and trigger to start on, its namespace without rate limits (lockInsertedRuns checks). */
function asInserted(run: NewRun): LockedRun {
  const locked: LockedRun = { id: run.id, definitionId: run.definitionId, namespace: run.namespace, name: run.name, version: run.version, status: 'pending', eventSeq: 0, rateLimits: [], start: { input: run.input ?? null, ...(run.trigger && { trigger: run.trigger }) } };
  if (run.parentRunId !== undefined) locked.parentRunId = run.parentRunId;
  if (run.parentEffectId !== undefined) locked.parentEffectId = run.parentEffectId;
  if (run.resetOf !== undefined) locked.resetOf = run.resetOf.runId;
  return locked;
}

export function createRunStarter(deps: RunStarterDeps): RunStarter {
  const { logger } = deps;
  const clock = deps.clock ?? Date.now;
  // Without a runner in the process, a memory that keeps nothing: the batch still says what its
  // runs are left as (BatchOutcome.snapshots), which the hints carry.
  const snapshots = deps.snapshots ?? new RunSnapshots(0);
  const apply: ApplyDeps = { ...applyDepsOf(deps, clock), snapshots };
  const { definitions } = apply;
  const background = backgroundWrites(logger);
  const keep = background.keep;
  const tracing = deps.tracer ? createRunTracing(deps.tracer, deps.store, logger) : undefined;
  const commit: CommitContext = {
    bus: tracing ? tracing.wrap(deps.bus) : deps.bus,
    logger,
    metrics: createEngineMetrics(deps.metrics, deps.bus),
    clock,
    relayed: new RelayedRows(deps.store, keep),
    ...(tracing && { tracing }),
  };

  const stopping = new AbortController();
  let epochNoted = false;
  // Not kept for stop(): with the transport down it may not settle, and nothing waits on it.
  void noteTransportEpoch(deps.store, deps.bus, logger, stopping.signal).then((noted) => (epochNoted = noted));

  return {
    ready: () => epochNoted,
    async prepare(definitionId) {
      if (!definitions.has(definitionId)) await definitions.load([definitionId], []);
    },
    async decide(tx: RunnerTx, runs: readonly NewRun[]) {
      const outcome: BatchOutcome = await applyInTransaction(apply, tx, runs.map((run) => ({ type: 'start', runId: run.id })), [], runs.map(asInserted));
      if (outcome.nextTimerAt !== undefined) throw new StartDeclined('it wrote a timer');
      if (outcome.deferredDueAt !== undefined) throw new StartDeclined('it deferred a rate-limited attempt');
      return async () => {
        // Remembered (or their hints published) before their tasks leave: the batch of those
        // tasks' results may be decided on them.
        if (deps.snapshots) await deps.snapshots.remember(outcome.snapshots, runs.map((run) => run.id));
        else publishStartHints(deps.bus, logger, await startHintsOf(outcome.snapshots));
        await afterCommit(commit, outcome);
      };
    },
    failed(error, runs) {
      // Declined, or a run of the turn was not inserted (a conflict, a pick that no longer holds).
      if (error instanceof StartDeclined || error instanceof RunsChanged) return;
      // A definition the start needed (a subflow's) is loaded for the next runs of this workflow.
      if (error instanceof MissingDefinitions) {
        keep(definitions.load(error.ids, error.keys));
        return;
      }
      logger.warn({ err: error, runs }, 'could not start new runs with their creation; the runner starts them');
    },
    async stop() {
      stopping.abort();
      commit.relayed.flush();
      await background.settled();
    },
  };
}
