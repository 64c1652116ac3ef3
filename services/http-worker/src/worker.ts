// The worker loop: consume `tasks.http`, run up to `concurrency` calls at once, publish results
// to `runner`, keep long calls' leases alive, stop gracefully.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Bus, Queues, type RunnerMessage, type TaskMessage, ErrorTypes } from '@baton/core';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { executeHttpCall, closeAgent } from './execute.ts';
import { createMetrics, outcomeLabel } from './metrics.ts';
import type { HttpWorkerOptions } from './options.ts';
import { ResultPublisher } from '@baton/runtime';

export const HTTP_TASK_QUEUE = Queues.tasks('http');
const CONSUME_BATCH = 128;
const CONSUME_BLOCK_MS = 1_000;
const CONSUME_RETRY_MS = 1_000;

export interface HttpWorkerDeps {
  bus: Bus;
  logger: Logger;
  metrics: Registry;
  options: HttpWorkerOptions;
  secrets: Record<string, unknown>;
}

export interface HttpWorker {
  start(): Promise<void>;
  /** Stops consuming, lets in-flight calls finish within shutdownGraceMs, leaves the rest unacked. */
  stop(): Promise<void>;
  /** Calls executing now. */
  inFlight(): number;
}

const TaskMessageSchema = z.object({
  attemptId: z.string().min(1),
  runId: z.string().min(1),
  effectId: z.string(),
  kind: z.literal('http'),
  namespace: z.string(),
  reference: z.string(),
  name: z.string(),
  payload: z.unknown(),
  timeoutMs: z.number().positive().optional(),
});

interface RunningCall {
  controller: AbortController;
  startedAt: number;
  done: Promise<void>;
}

export function createHttpWorker(deps: HttpWorkerDeps): HttpWorker {
  const { bus, logger, options, secrets } = deps;
  const metrics = createMetrics(deps.metrics);
  const publisher = new ResultPublisher(bus, HTTP_TASK_QUEUE, logger);
  const calls = new Map<string, RunningCall>();
  let stopping = new AbortController();
  let loop: Promise<void> | undefined;
  let leaseTimer: NodeJS.Timeout | undefined;
  let wakeLoop: (() => void) | undefined;

  function waitForSlot(): Promise<void> {
    return new Promise((resolve) => (wakeLoop = resolve));
  }

  async function consumeLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const free = options.concurrency - calls.size;
      if (free <= 0) {
        await waitForSlot();
        continue;
      }
      try {
        const messages = await bus.consume(HTTP_TASK_QUEUE, options.consumerName, { max: Math.min(free, CONSUME_BATCH), blockMs: CONSUME_BLOCK_MS, visibilityMs: options.visibilityMs, signal });
        for (const message of messages) startCall(message.id, message.body, message.deliveries);
      } catch (error) {
        if (signal.aborted) break;
        logger.error({ err: error }, 'consuming tasks.http failed; retrying');
        await sleep(CONSUME_RETRY_MS, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  function startCall(messageId: string, body: unknown, deliveries: number): void {
    const parsed = TaskMessageSchema.safeParse(body);
    if (!parsed.success) return rejectMessage(messageId, body, parsed.error.message);
    const task = parsed.data as TaskMessage;
    const log = logger.child({ runId: task.runId, attemptId: task.attemptId, task: task.reference });
    const controller = new AbortController();
    const call: RunningCall = { controller, startedAt: Date.now(), done: Promise.resolve() };
    calls.set(messageId, call);
    metrics.inFlight.inc();
    call.done = runCall(messageId, task, controller, log, deliveries)
      .catch((error: unknown) => log.error({ err: error }, 'http call crashed; task left unacked for redelivery'))
      .finally(() => {
        calls.delete(messageId);
        metrics.inFlight.dec();
        wakeLoop?.();
        wakeLoop = undefined;
      });
  }

  async function runCall(messageId: string, task: TaskMessage, controller: AbortController, log: Logger, deliveries: number): Promise<void> {
    const started = performance.now();
    const outcome = await executeHttpCall(task.payload, { attemptId: task.attemptId, secrets, options, signal: controller.signal, ...(task.timeoutMs ? { timeoutMs: task.timeoutMs } : {}) });
    const seconds = (performance.now() - started) / 1000;
    if (controller.signal.aborted && !outcome.ok) {
      log.warn({ reason: String(controller.signal.reason), durationMs: Math.round(seconds * 1000) }, 'http call abandoned; task left unacked for redelivery');
      return;
    }
    const label = outcomeLabel(outcome.ok ? undefined : outcome.error.type);
    metrics.requests.inc({ outcome: label });
    metrics.duration.observe({ outcome: label }, seconds);
    const base = { type: 'result', runId: task.runId, attemptId: task.attemptId } as const;
    let result: RunnerMessage;
    if (outcome.ok) {
      result = { ...base, status: 'completed', output: outcome.output };
      log.info({ outcome: label, durationMs: Math.round(seconds * 1000), deliveries }, 'http call completed');
    } else {
      result = { ...base, status: 'failed', error: { ...outcome.error, instance: outcome.error.instance ?? task.reference } };
      log.warn({ outcome: label, status: outcome.error.status, detail: outcome.error.detail, durationMs: Math.round(seconds * 1000), deliveries }, 'http call failed');
    }
    publisher.push(messageId, result);
  }

  /** A message that is not a valid http TaskMessage: fail its attempt when we can name it, else drop it. */
  function rejectMessage(messageId: string, body: unknown, problem: string): void {
    const { runId, attemptId, reference } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    logger.error({ runId, attemptId, task: reference, problem }, 'invalid tasks.http message');
    if (typeof runId === 'string' && typeof attemptId === 'string') {
      const error = { type: ErrorTypes.runtime, status: 500, title: 'Invalid task message', detail: `the http worker could not read this task: ${problem}`, ...(typeof reference === 'string' ? { instance: reference } : {}) };
      publisher.push(messageId, { type: 'result', runId, attemptId, status: 'failed', error });
    } else {
      bus.ack(HTTP_TASK_QUEUE, [messageId]).catch((err: unknown) => logger.error({ err }, 'could not ack an invalid message'));
    }
  }

  /** Renews leases of calls running longer than a third of the lease; aborts calls whose lease was lost. */
  async function renewLeases(): Promise<void> {
    const threshold = Date.now() - options.visibilityMs / 3;
    const ids = [...calls].filter(([, call]) => call.startedAt <= threshold).map(([id]) => id).concat(publisher.pendingIds());
    if (ids.length === 0) return;
    try {
      const held = new Set(await bus.extend(HTTP_TASK_QUEUE, options.consumerName, ids));
      for (const id of ids) if (!held.has(id)) calls.get(id)?.controller.abort(new Error('lease lost: another worker took this task over'));
    } catch (error) {
      logger.error({ err: error }, 'could not extend task leases');
    }
  }

  return {
    inFlight: () => calls.size,
    async start() {
      if (loop) return;
      stopping = new AbortController();
      const signal = stopping.signal;
      leaseTimer = setInterval(() => void renewLeases(), Math.max(100, Math.floor(options.visibilityMs / 3)));
      loop = consumeLoop(signal);
      logger.info({ consumer: options.consumerName, concurrency: options.concurrency }, 'http worker started');
    },
    async stop() {
      if (!loop) return;
      stopping.abort();
      wakeLoop?.();
      await loop;
      loop = undefined;
      const finished = Promise.allSettled([...calls.values()].map((call) => call.done));
      const grace = new AbortController();
      const graceOver = await Promise.race([
        finished.then(() => false),
        sleep(options.shutdownGraceMs, true, { signal: grace.signal }).catch(() => false),
      ]);
      grace.abort();
      const abandoned = calls.size;
      for (const call of calls.values()) call.controller.abort(new Error('worker stopping'));
      await finished;
      await publisher.drain();
      clearInterval(leaseTimer);
      await closeAgent(options);
      logger.info({ abandoned, graceOver }, 'http worker stopped');
    },
  };
}
