// What the runner's loops share (one resources bag): ports, options, metrics, the apply
// dependencies, and `commit` — what happens after every committed batch, whichever loop made it.
import type { Bus, Store } from '@baton/core';
import type { Logger } from 'pino';
import type { ApplyDeps, BatchOutcome } from '../apply.ts';
import type { EngineMetrics } from '../metrics.ts';
import { relay, type RelayedRows } from '../outbox.ts';
import type { RunnerOptions } from '../runner.ts';
import type { RunTracing } from '../tracing.ts';

export interface LoopContext {
  store: Store;
  bus: Bus;
  logger: Logger;
  metrics: EngineMetrics;
  options: RunnerOptions;
  clock: () => number;
  apply: ApplyDeps;
  /** Aborted when the runner stops. */
  signal: AbortSignal;
  /** Keeps a background write (e.g. deleting relayed outbox rows) until stop() has waited for it. */
  background(work: Promise<unknown>): void;
  /** Relay rows relayed, deleted together (outbox.ts RelayedRows). */
  relayed: RelayedRows;
  /** Wakes the timer loop when a batch wrote a timer earlier than the one it sleeps for. */
  timerWritten(fireAt: number): void;
  /** A batch deferred a rate-limited attempt until `at`: sweep the outbox then (loops/deferred.ts). */
  deferredWritten?(at: number): void;
  /** Spans of the runs' decisions (tracing.ts); absent when tracing is off. */
  tracing?: RunTracing;
}

/** What afterCommit needs: a runner's loops, or the API's inline starts (inline-start.ts), which wake no loop. */
export type CommitContext = Pick<LoopContext, 'bus' | 'logger' | 'metrics' | 'clock' | 'relayed' | 'tracing'> & Partial<Pick<LoopContext, 'timerWritten' | 'deferredWritten'>>;

/**
 * After a commit: hand the batch's effects to the transport, count, log. Never throws — the
 * commit stands, and what could not be relayed is in the outbox for the sweeper.
 */
export async function afterCommit(ctx: CommitContext, outcome: BatchOutcome): Promise<void> {
  ctx.tracing?.observe(outcome, ctx.clock());
  await relay(ctx.bus, ctx.logger, outcome.relay, ctx.relayed);
  ctx.metrics.transitions.inc(outcome.transitions);
  for (const s of outcome.started) ctx.metrics.runsStarted.inc({ namespace: s.namespace });
  for (const f of outcome.finished) {
    ctx.metrics.runsFinished.inc({ namespace: f.namespace, status: f.status });
    ctx.logger.info({ runId: f.runId, namespace: f.namespace, status: f.status }, 'run finished');
  }
  if (ctx.logger.isLevelEnabled('debug')) {
    for (const e of outcome.relay.events) ctx.logger.debug({ runId: e.runId, seq: e.seq, type: e.type, task: (e.data as { task?: string } | null)?.task }, 'run event');
    for (const t of outcome.relay.tasks) ctx.logger.debug({ runId: t.runId, task: t.reference, attemptId: t.attemptId, kind: t.kind }, 'task dispatched');
  }
  if (outcome.nextTimerAt !== undefined) ctx.timerWritten?.(outcome.nextTimerAt);
  for (const at of outcome.deferredDueAt ?? []) ctx.deferredWritten?.(at);
}

/** One step of a repeating loop (sweeper, epoch watch): a failure is logged, and the next round tries again. */
export async function step(ctx: LoopContext, name: string, work: () => Promise<unknown>): Promise<void> {
  if (ctx.signal.aborted) return;
  try {
    await work();
  } catch (error) {
    if (!ctx.signal.aborted) ctx.logger.error({ err: error, step: name }, 'sweep step failed; the next sweep tries again');
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
