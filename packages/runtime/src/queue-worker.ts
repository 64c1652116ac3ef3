// The shell every task worker runs in (http-worker, agent-runner, hitl-worker): consume one queue
// with up to `concurrency` handlers at once, validate each message with a zod schema, keep the
// leases of long tasks alive (aborting a task whose lease was lost: it is another worker's now),
// publish results through the ResultPublisher (enqueue before ack), fail or drop invalid messages,
// ack a copy of a task it is running already (one worker does not run it twice), and stop
// gracefully: in-flight tasks get `shutdownGraceMs`, then are aborted and left unacked for another
// worker to reclaim. The services supply a schema and a handler; nothing else.
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorTypes, type Bus, type RunnerMessage } from '@baton/core';
import type { Logger } from 'pino';
import type { Gauge } from 'prom-client';
import type { Tracer } from '@baton/tracing';
import { z } from 'zod';
import { attemptSpan } from './attempt-span.ts';
import { ResultPublisher } from './result-publisher.ts';

/** What a handler asks the shell to do with its message. */
export type TaskOutcome =
  /** Publish this result to `runner`, then ack. */
  | { result: RunnerMessage }
  /** Done, nothing to publish: ack. */
  | 'ack'
  /** Leave it unacked: redelivered to some worker once its lease runs out. */
  | 'abandon';

export interface TaskContext {
  messageId: string;
  /** 1 on first delivery; more when reclaimed from a worker that died or lost the lease. */
  deliveries: number;
  /** Aborted when the lease was lost or the worker stops after its grace period (see `reason`). */
  signal: AbortSignal;
  /** The attempt's span as a W3C traceparent, for outgoing requests; absent when tracing is off. */
  traceparent?: string;
}

export interface QueueWorkerOptions {
  queue: string;
  consumerName: string;
  concurrency: number;
  /** Lease of a consumed message; renewed every third of it while the task runs. */
  visibilityMs: number;
  /** How long stop() lets in-flight tasks finish before aborting them. */
  shutdownGraceMs: number;
  /** Most messages taken by one consume (default: as many as there are free slots). */
  maxBatch?: number;
  /** How long one consume waits for a first message (default 1 s). */
  blockMs?: number;
  /** Pause after a failed consume (default 1 s). */
  retryMs?: number;
}

export interface QueueWorkerSpec<T> {
  /** For logs, e.g. "http worker". */
  name: string;
  /** A message that fails it is invalid. */
  schema: z.ZodType<T>;
  handle(task: T, context: TaskContext): Promise<TaskOutcome>;
  /**
   * An invalid message that names its run and attempt: 'fail' sends the attempt a failed result
   * (`runtime` error, so the run does not wait for ever), 'drop' acks it. Nameless ones are dropped.
   */
  onInvalid: 'fail' | 'drop';
  /** Gauge of tasks executing now, if the service exposes one. */
  inFlight?: Gauge;
  /** Each task message's attempt becomes a span of this tracer (see attempt-span.ts). */
  tracer?: Tracer;
  /** Before the first consume (e.g. subscribe to a topic) and after the last task (close pools). */
  beforeStart?(): Promise<void>;
  afterStop?(): Promise<void>;
}

export interface QueueWorker {
  start(): Promise<void>;
  /** Stops consuming, lets in-flight tasks finish within the grace period, leaves the rest unacked. */
  stop(): Promise<void>;
  /** Tasks executing now. */
  inFlight(): number;
}

interface RunningTask {
  controller: AbortController;
  startedAt: number;
  done: Promise<void>;
}

export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor() {
    super('lease lost: another worker took this task over');
  }
}

export class WorkerStoppingError extends Error {
  override readonly name = 'WorkerStoppingError';
  constructor() {
    super('worker stopping: the task is left for another worker');
  }
}

export function createQueueWorker<T>(bus: Bus, logger: Logger, options: QueueWorkerOptions, spec: QueueWorkerSpec<T>): QueueWorker {
  const { queue } = options;
  const publisher = new ResultPublisher(bus, queue, logger);
  const tasks = new Map<string, RunningTask>();
  /** attemptId → the message running it here (the latest, when several run under one attempt). */
  const attempts = new Map<string, { messageId: string; body: unknown }>();
  let stopping = new AbortController();
  let loop: Promise<void> | undefined;
  let leaseTimer: NodeJS.Timeout | undefined;
  let wakeLoop: (() => void) | undefined;

  async function consumeLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const free = options.concurrency - tasks.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (wakeLoop = resolve));
        continue;
      }
      try {
        const max = Math.min(free, options.maxBatch ?? free);
        const messages = await bus.consume(queue, options.consumerName, { max, blockMs: options.blockMs ?? 1_000, visibilityMs: options.visibilityMs, signal });
        for (const message of messages) startTask(message.id, message.body, message.deliveries);
        // The tasks just started write first (an http task's request goes out in a setImmediate):
        // the next blocking read waits two turns, not to hold a request up by a write of its own.
        if (messages.length > 0) await afterTwoTurns();
      } catch (error) {
        if (signal.aborted) break;
        logger.error({ err: error }, `consuming ${queue} failed; retrying`);
        await sleep(options.retryMs ?? 1_000, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  function startTask(messageId: string, body: unknown, deliveries: number): void {
    const parsed = spec.schema.safeParse(body);
    if (!parsed.success) return rejectMessage(messageId, body, parsed.error.message);
    const { attemptId } = namesOf(body);
    const running = typeof attemptId === 'string' ? attempts.get(attemptId) : undefined;
    if (running !== undefined && running.messageId !== messageId && JSON.stringify(running.body) === JSON.stringify(body)) {
      // A copy of a task this worker is running (a sweeper or an epoch repair sent it again):
      // acked, not run twice. The running message answers for it — if it is abandoned, it is
      // redelivered. Only an identical message is a copy: another one under the same attempt (an
      // approval's notice for its next level) is other work and runs.
      logger.info({ messageId, runningMessageId: running.messageId, ...namesOf(body) }, `${spec.name}: a copy of a task running here; acked without running it`);
      bus.ack(queue, [messageId]).catch((err: unknown) => logger.error({ err, messageId }, 'could not ack a copy of a running task'));
      return;
    }
    if (typeof attemptId === 'string') attempts.set(attemptId, { messageId, body });
    const controller = new AbortController();
    const task: RunningTask = { controller, startedAt: Date.now(), done: Promise.resolve() };
    tasks.set(messageId, task);
    spec.inFlight?.inc();
    const span = attemptSpan(spec.tracer, body, deliveries);
    task.done = runTask(parsed.data, { messageId, deliveries, signal: controller.signal, ...(span.traceparent && { traceparent: span.traceparent }) })
      .then((outcome) => span.finish(outcome))
      .catch((error: unknown) => {
        span.finish(controller.signal.aborted ? 'abandon' : error);
        const log = { err: error, messageId, ...namesOf(body) };
        if (controller.signal.aborted) logger.warn({ ...log, reason: String(controller.signal.reason) }, `${spec.name}: task abandoned; left unacked for redelivery`);
        else logger.error(log, `${spec.name}: task crashed; left unacked for redelivery`);
      })
      .finally(() => {
        tasks.delete(messageId);
        if (typeof attemptId === 'string' && attempts.get(attemptId)?.messageId === messageId) attempts.delete(attemptId);
        spec.inFlight?.dec();
        wakeLoop?.();
        wakeLoop = undefined;
      });
  }

  async function runTask(data: T, context: TaskContext): Promise<TaskOutcome> {
    const outcome = await spec.handle(data, context);
    if (outcome === 'abandon') return outcome;
    if (outcome === 'ack') {
      // Unacked, the message is redelivered and handled again: at least once, as everywhere.
      await bus.ack(queue, [context.messageId]).catch((err: unknown) => logger.error({ err, messageId: context.messageId }, `could not ack a ${queue} message; it will be redelivered`));
      return outcome;
    }
    publisher.push(context.messageId, outcome.result);
    return outcome;
  }

  /** A message the schema refuses: fail its attempt when it names one (and the spec says so), else drop it. */
  function rejectMessage(messageId: string, body: unknown, problem: string): void {
    const { runId, attemptId, task } = namesOf(body);
    logger.error({ messageId, runId, attemptId, task, problem }, `invalid ${queue} message`);
    if (spec.onInvalid === 'fail' && typeof runId === 'string' && typeof attemptId === 'string') {
      const error = { type: ErrorTypes.runtime, status: 500, title: 'Invalid task message', detail: `the ${spec.name} could not read this task: ${problem}`, ...(typeof task === 'string' ? { instance: task } : {}) };
      publisher.push(messageId, { type: 'result', runId, attemptId, status: 'failed', error });
    } else {
      bus.ack(queue, [messageId]).catch((err: unknown) => logger.error({ err, messageId }, 'could not ack an invalid message'));
    }
  }

  /** Renews leases of tasks running longer than a third of the lease; aborts tasks whose lease was lost. */
  async function renewLeases(): Promise<void> {
    const threshold = Date.now() - options.visibilityMs / 3;
    const ids = [...tasks].filter(([, task]) => task.startedAt <= threshold).map(([id]) => id).concat(publisher.pendingIds());
    if (ids.length === 0) return;
    try {
      const held = new Set(await bus.extend(queue, options.consumerName, ids));
      for (const id of ids) if (!held.has(id)) tasks.get(id)?.controller.abort(new LeaseLostError());
    } catch (error) {
      logger.error({ err: error }, `could not extend ${queue} leases`);
    }
  }

  async function stop(): Promise<void> {
    if (!loop) return;
    stopping.abort();
    wakeLoop?.();
    await loop;
    loop = undefined;
    const finished = Promise.allSettled([...tasks.values()].map((task) => task.done));
    const grace = new AbortController();
    const graceOver = await Promise.race([finished.then(() => false), sleep(options.shutdownGraceMs, true, { signal: grace.signal }).catch(() => false)]);
    grace.abort();
    const abandoned = tasks.size;
    for (const task of tasks.values()) task.controller.abort(new WorkerStoppingError());
    await finished;
    await publisher.drain();
    clearInterval(leaseTimer);
    await spec.afterStop?.();
    logger.info({ consumer: options.consumerName, abandoned, graceOver }, `${spec.name} stopped`);
  }

  return {
    inFlight: () => tasks.size,
    async start() {
      if (loop) return;
      stopping = new AbortController();
      await spec.beforeStart?.();
      leaseTimer = setInterval(() => void renewLeases(), Math.max(100, Math.floor(options.visibilityMs / 3)));
      loop = consumeLoop(stopping.signal);
    },
    stop,
  };
}

/** Resolves after two turns of the event loop (two check phases: what the last one scheduled has run). */
function afterTwoTurns(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** The schema of a TaskMessage of `kind` (what the workflow-runner enqueues on `tasks.<kind>`). */
export function taskMessageSchema<K extends string, P extends z.ZodType>(kind: K, payload: P) {
  return z.object({
    attemptId: z.string().min(1),
    runId: z.string().min(1),
    effectId: z.string(),
    kind: z.literal(kind),
    namespace: z.string(),
    reference: z.string(),
    name: z.string(),
    payload,
    timeoutMs: z.number().positive().optional(),
    /** The run's span (W3C traceparent), stamped by the runner when tracing is on. */
    traceparent: z.string().optional(),
    /** Rate limits to apply (the runner's copy of the namespace's; rate-gate.ts). */
    rateLimit: TaskRateLimitsSchema.optional(),
  });
}

const RateLimitSpecSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  kind: z.enum(['requests', 'tokens']),
  per: z.enum(['second', 'minute']),
  limit: z.number().positive(),
  host: z.string().optional(),
  model: z.string().optional(),
});
const TaskRateLimitsSchema = z.object({
  limits: z.array(RateLimitSpecSchema),
  ref: z.string().optional(),
  deferrals: z.number().int().min(0).optional(),
  reserved: z.object({ until: z.number(), names: z.array(z.string()) }).optional(),
});

/** The ids a message names, whatever else is wrong with it (for logs and failed results). */
function namesOf(body: unknown): { runId?: unknown; attemptId?: unknown; task?: unknown } {
  if (typeof body !== 'object' || body === null) return {};
  const { runId, attemptId, reference } = body as Record<string, unknown>;
  return { runId, attemptId, task: reference };
}
