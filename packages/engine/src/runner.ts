// The workflow-runner: consumes the `runner` queue, fires due timers and sweeps the outbox.
// Several runners may run at once: runs are serialised by row locks (lockRuns), results and
// timers are applied once (completeAttempts / takeTimers), and every loop is restartable.
import { Queues, Topics, type AttemptKind, type Bus, type BusMessage, type RunnerMessage, type RuntimeDescriptor, type Store, type TaskKind, type TaskMessage } from '@baton/core';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { applyBatch, type ApplyDeps, type BatchOutcome } from './apply.ts';
import { approvalRepairs } from './approvals.ts';
import { DefinitionCache } from './definitions.ts';
import { createEngineMetrics } from './metrics.ts';
import { routeCloudEvent } from './route-event.ts';
import { parseRunnerMessage } from './validate.ts';
import { faultStuckRun, groupByRun, POISON_DELIVERIES, type ParsedMessage } from './poison.ts';

export interface RunnerOptions {
  /** Consumer name on the bus (unique per process). */
  consumer: string;
  batchSize: number;
  /** Batches applied at once (each uses its own database connection). */
  concurrency: number;
  visibilityMs: number;
  /** Longest sleep of the timer loop when no timer is known to be due sooner. */
  timerPollMs: number;
  sweepIntervalMs: number;
  /** Attempts older than this and not dispatched are put on their queue again. */
  outboxAgeMs: number;
  /** Runs still pending after this long get their start message again. */
  pendingAgeMs: number;
  /** Per kind: dispatched attempts without a result after this long are dispatched again (transport loss). */
  redispatchAfterMs: Partial<Record<AttemptKind, number>>;
}

export const defaultRunnerOptions: Omit<RunnerOptions, 'consumer'> = {
  batchSize: 256,
  concurrency: 4,
  visibilityMs: 30_000,
  timerPollMs: 250,
  sweepIntervalMs: 2_000,
  outboxAgeMs: 3_000,
  pendingAgeMs: 10_000,
  redispatchAfterMs: { http: 10 * 60_000, agent: 30 * 60_000, workflow: 30_000 },
};

export interface RunnerDeps {
  store: Store;
  bus: Bus;
  logger: Logger;
  metrics: Registry;
  secrets: Record<string, unknown>;
  runtime: RuntimeDescriptor;
  options: RunnerOptions;
  clock?: () => number;
}

export interface WorkflowRunner {
  start(): Promise<void>;
  /** Stop taking work, finish the batches in hand, and return. Unacked messages are reclaimed by others. */
  stop(): Promise<void>;
}

export function createWorkflowRunner(deps: RunnerDeps): WorkflowRunner {
  const { store, bus, logger, options } = deps;
  const clock = deps.clock ?? Date.now;
  const metrics = createEngineMetrics(deps.metrics, bus);
  const apply: ApplyDeps = {
    store,
    definitions: new DefinitionCache(store),
    secrets: deps.secrets,
    runtime: deps.runtime,
    clock,
    onDecideError: (runId, error) => logger.error({ runId, err: error }, 'interpreter error; run faulted'),
  };
  const abort = new AbortController();
  const loops: Promise<void>[] = [];
  let wakeTimers: (() => void) | undefined;
  const background = new Set<Promise<unknown>>();
  const track = (promise: Promise<unknown>) => {
    const tracked = promise.catch((error: unknown) => logger.warn({ err: error }, 'background write failed; the sweeper will repair it'));
    background.add(tracked);
    void tracked.finally(() => background.delete(tracked));
  };
  let nextTimerWake = Number.POSITIVE_INFINITY;

  async function process(messages: RunnerMessage[]): Promise<void> {
    const end = metrics.batchSeconds.startTimer();
    const outcome = await applyBatch(apply, messages);
    await afterCommit(outcome);
    end();
  }

  async function afterCommit(outcome: BatchOutcome): Promise<void> {
    const byKind = new Map<TaskKind, TaskMessage[]>();
    for (const task of outcome.tasks) {
      const list = byKind.get(task.kind);
      if (list) list.push(task);
      else byKind.set(task.kind, [task]);
    }
    await Promise.all([
      ...[...byKind].map(([kind, tasks]) => bus.enqueue(Queues.tasks(kind), tasks)),
      outcome.runnerMessages.length > 0 ? bus.enqueue(Queues.runner, outcome.runnerMessages) : undefined,
      outcome.events.length > 0 ? bus.publish(Topics.events, outcome.events) : undefined,
    ]);
    // Off the critical path: if marking fails or the process dies first, the sweeper dispatches
    // these attempts again and the duplicate results are dropped by completeAttempts.
    if (outcome.attemptIds.length > 0) track(store.markDispatched(outcome.attemptIds));
    for (const event of outcome.emitted) await routeCloudEvent(store, bus, event);
    metrics.transitions.inc(outcome.transitions);
    for (const s of outcome.started) metrics.runsStarted.inc({ namespace: s.namespace });
    for (const f of outcome.finished) {
      metrics.runsFinished.inc({ namespace: f.namespace, status: f.status });
      logger.info({ runId: f.runId, namespace: f.namespace, status: f.status }, 'run finished');
    }
    if (logger.isLevelEnabled('debug')) {
      for (const e of outcome.events) logger.debug({ runId: e.runId, seq: e.seq, type: e.type, task: (e.data as { task?: string } | null)?.task }, 'run event');
      for (const t of outcome.tasks) logger.debug({ runId: t.runId, task: t.reference, attemptId: t.attemptId, kind: t.kind }, 'task dispatched');
    }
    if (outcome.nextTimerAt !== undefined && outcome.nextTimerAt < nextTimerWake) wakeTimers?.();
  }

  async function inboxLoop(): Promise<void> {
    while (!abort.signal.aborted) {
      let batch: BusMessage[] = [];
      try {
        batch = await bus.consume(Queues.runner, options.consumer, { max: options.batchSize, blockMs: 2_000, visibilityMs: options.visibilityMs, signal: abort.signal });
        if (batch.length === 0) continue;
        const reclaimed = batch.filter((m) => m.deliveries > 1).length;
        if (reclaimed > 0) metrics.reclaimed.inc({ queue: Queues.runner }, reclaimed);
        const parsed: ParsedMessage[] = [];
        for (const m of batch) {
          const message = parseRunnerMessage(m.body);
          if (message) parsed.push({ bus: m, message });
          else logger.warn({ messageId: m.id }, 'dropping a malformed runner message');
        }
        const done = await processIsolating(parsed);
        const malformed = batch.filter((m) => !parsed.some((p) => p.bus === m)).map((m) => m.id);
        if (done.length + malformed.length > 0) await bus.ack(Queues.runner, [...done, ...malformed]);
      } catch (error) {
        if (abort.signal.aborted) return;
        // Unacked messages come back after the visibility timeout; back off briefly meanwhile.
        logger.error({ err: error, batch: batch.length }, 'runner batch failed; messages will be redelivered');
        await sleep(200, abort.signal);
      }
    }
  }

  /**
   * Applies a batch; if it fails, applies it again run by run so that one bad run does not hold
   * back the others. Returns the bus ids to acknowledge (what failed stays for redelivery).
   */
  async function processIsolating(parsed: ParsedMessage[]): Promise<string[]> {
    if (parsed.length === 0) return [];
    try {
      await process(parsed.map((p) => p.message));
      return parsed.map((p) => p.bus.id);
    } catch (error) {
      if (abort.signal.aborted) throw error;
      logger.warn({ err: error, batch: parsed.length }, 'runner batch failed; applying it run by run');
    }
    const done: string[] = [];
    for (const group of groupByRun(parsed)) {
      const runId = group[0]!.message.runId;
      try {
        await process(group.map((p) => p.message));
        done.push(...group.map((p) => p.bus.id));
      } catch (error) {
        if (Math.max(...group.map((p) => p.bus.deliveries)) < POISON_DELIVERIES) {
          logger.error({ err: error, runId }, 'could not apply the messages of a run; they will be redelivered');
          continue;
        }
        logger.error({ err: error, runId }, 'messages of a run keep failing; faulting the run');
        await faultStuckRun(store, runId, error, clock());
        done.push(...group.map((p) => p.bus.id));
      }
    }
    return done;
  }


  async function timerLoop(): Promise<void> {
    while (!abort.signal.aborted) {
      try {
        const now = clock();
        const due = await store.dueTimers(now, options.batchSize);
        if (due.length > 0) {
          await process(due.map((t) => ({ type: 'timer', runId: t.runId, timerId: t.timerId })));
          continue;
        }
        const next = await store.nextTimerAt();
        const wait = Math.max(1, Math.min(options.timerPollMs, (next ?? Number.POSITIVE_INFINITY) - clock()));
        nextTimerWake = clock() + wait;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          wakeTimers = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wakeTimers = undefined;
        nextTimerWake = Number.POSITIVE_INFINITY;
      } catch (error) {
        if (abort.signal.aborted) return;
        logger.error({ err: error }, 'timer loop failed');
        await sleep(500, abort.signal);
      }
    }
  }

  async function sweepLoop(): Promise<void> {
    while (!abort.signal.aborted) {
      await sleep(options.sweepIntervalMs, abort.signal);
      if (abort.signal.aborted) return;
      try {
        await sweepOnce();
      } catch (error) {
        logger.error({ err: error }, 'sweep failed');
      }
    }
  }

  /** Repairs what a crash between commit and dispatch, or a lost transport, left behind. */
  async function sweepOnce(): Promise<void> {
    const undispatched = await store.undispatchedAttempts(options.outboxAgeMs, 500);
    const stale = (
      await Promise.all(
        Object.entries(options.redispatchAfterMs).map(([kind, after]) => (after === undefined ? [] : store.staleAttempts(kind as AttemptKind, after, 500))),
      )
    ).flat();
    const tasks: TaskMessage[] = [];
    const runner: RunnerMessage[] = [];
    for (const attempt of [...undispatched, ...stale]) {
      if (attempt.kind === 'workflow') {
        const childId = (attempt.payload as { childRunId?: string }).childRunId;
        const child = childId ? await store.getRun(childId) : undefined;
        if (child?.status === 'completed') runner.push({ type: 'result', runId: attempt.runId, attemptId: attempt.id, status: 'completed', output: child.output ?? null });
        else if (child && (child.status === 'faulted' || child.status === 'cancelled') && child.error) runner.push({ type: 'result', runId: attempt.runId, attemptId: attempt.id, status: 'failed', error: child.error });
      } else {
        tasks.push(attempt.payload as TaskMessage);
      }
    }
    for (const runId of await store.pendingRuns(options.pendingAgeMs, 500)) runner.push({ type: 'start', runId });
    runner.push(...(await approvalRepairs(store, clock())));
    const outcome: BatchOutcome = { tasks, attemptIds: [...undispatched, ...stale].map((a) => a.id), runnerMessages: runner, events: [], emitted: [], finished: [], started: [], transitions: 0 };
    if (tasks.length + runner.length + outcome.attemptIds.length === 0) return;
    logger.info({ redispatched: tasks.length, runnerMessages: runner.length }, 'sweeper re-dispatched work');
    await afterCommit(outcome);
  }

  return {
    async start() {
      for (let i = 0; i < options.concurrency; i += 1) loops.push(inboxLoop());
      loops.push(timerLoop(), sweepLoop());
      logger.info({ consumer: options.consumer, concurrency: options.concurrency }, 'workflow-runner started');
    },
    async stop() {
      abort.abort();
      wakeTimers?.();
      await Promise.allSettled(loops);
      await Promise.allSettled([...background]);
      logger.info('workflow-runner stopped');
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
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
