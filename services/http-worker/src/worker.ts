// The http worker: `tasks.http` through the shared queue-worker shell (consume, concurrency,
// leases, results, graceful stop; packages/runtime/src/queue-worker.ts); this file is the
// handler: execute the call, turn its outcome into a result, count and log it.
import { Queues, type Bus, type DeferredAttempt, type RunnerMessage, type TaskMessage } from '@baton/core';
import { admit, applicableLimits, createQueueWorker, namedLimit, rateLimiterOf, rateLimitWaits, taskMessageSchema, type QueueWorker, type RateGate, type TaskContext, type TaskOutcome } from '@baton/runtime';
import { serviceTracer } from '@baton/tracing';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { closeAgent, executeHttpCall } from './execute.ts';
import { createMetrics, outcomeLabel, type HttpWorkerMetrics } from './metrics.ts';
import type { HttpWorkerOptions } from './options.ts';

export const HTTP_TASK_QUEUE = Queues.tasks('http');
const CONSUME_BATCH = 128;

export interface HttpWorkerDeps {
  bus: Bus;
  logger: Logger;
  metrics: Registry;
  options: HttpWorkerOptions;
  secrets: Record<string, unknown>;
}

/** start(), stop() (in-flight calls get shutdownGraceMs, the rest stay unacked), inFlight(). */
export type HttpWorker = QueueWorker;

const TaskMessageSchema = taskMessageSchema('http', z.unknown());

export function createHttpWorker(deps: HttpWorkerDeps): HttpWorker {
  const { bus, logger, options } = deps;
  const metrics = createMetrics(deps.metrics);
  const gate: RateGate = { limiter: rateLimiterOf(bus), waits: rateLimitWaits(deps.metrics) };
  const handle = (task: TaskMessage, context: TaskContext) => runCall(task, context, { ...deps, metrics, gate });
  const shell = createQueueWorker(bus, logger, { ...options, queue: HTTP_TASK_QUEUE, maxBatch: CONSUME_BATCH }, {
    name: 'http worker',
    schema: TaskMessageSchema as z.ZodType<TaskMessage>,
    handle,
    onInvalid: 'fail',
    inFlight: metrics.inFlight,
    tracer: serviceTracer('http-worker'),
    afterStop: () => closeAgent(options),
  });
  return {
    ...shell,
    async start() {
      await shell.start();
      logger.info({ consumer: options.consumerName, concurrency: options.concurrency }, 'http worker started');
    },
  };
}

async function runCall(task: TaskMessage, context: TaskContext, deps: Omit<HttpWorkerDeps, 'metrics'> & { metrics: HttpWorkerMetrics; gate: RateGate }): Promise<TaskOutcome> {
  const { options, secrets, metrics } = deps;
  // The task's child logger is made when a line is written: a call that completes writes none at
  // the default level (its line is debug; the run's events and http_worker_requests_total have it).
  let child: Logger | undefined;
  const log = () => (child ??= deps.logger.child({ runId: task.runId, attemptId: task.attemptId, task: task.reference }));
  const base = { type: 'result', runId: task.runId, attemptId: task.attemptId } as const;
  // Rate limits (rate-gate.ts): the one the task names, and its host's, asked just before the request.
  const named = namedLimit(task);
  if ('error' in named) return { result: { ...base, status: 'failed', error: named.error } };
  let deferred: DeferredAttempt | undefined;
  let limiterFailure: unknown;
  const gated = task.rateLimit && {
    admit: async (uri: URL) => {
      try {
        deferred = await admit(deps.gate, task, applicableLimits(task, named.spec, { host: uri.host }), context.signal);
      } catch (error) {
        if (!context.signal.aborted) limiterFailure = error;
        throw error;
      }
      return deferred === undefined;
    },
  };
  const started = performance.now();
  const outcome = await executeHttpCall(task.payload, { attemptId: task.attemptId, secrets, options, signal: context.signal, ...(task.timeoutMs ? { timeoutMs: task.timeoutMs } : {}), ...(context.traceparent && { traceparent: context.traceparent }), ...gated });
  if (limiterFailure !== undefined) {
    // The limiter (Redis) did not answer: no request was sent; another delivery tries again.
    log().error({ err: limiterFailure }, 'rate limiter unavailable; task left unacked for redelivery');
    return 'abandon';
  }
  if (deferred) {
    log().info({ limit: deferred.limit, until: new Date(deferred.until).toISOString() }, 'http call over its rate limit; handed back until then');
    return { result: { type: 'deferred', ...deferred } };
  }
  const seconds = (performance.now() - started) / 1000;
  const durationMs = Math.round(seconds * 1000);
  if (context.signal.aborted && !outcome.ok) {
    log().warn({ reason: String(context.signal.reason), durationMs }, 'http call abandoned; task left unacked for redelivery');
    return 'abandon';
  }
  const label = outcomeLabel(outcome.ok ? undefined : outcome.error.type);
  metrics.requests.inc({ outcome: label });
  metrics.duration.observe({ outcome: label }, seconds);
  let result: RunnerMessage;
  if (outcome.ok) {
    result = { ...base, status: 'completed', output: outcome.output };
    if (deps.logger.isLevelEnabled('debug')) log().debug({ outcome: label, durationMs, deliveries: context.deliveries }, 'http call completed');
  } else {
    result = { ...base, status: 'failed', error: { ...outcome.error, instance: outcome.error.instance ?? task.reference } };
    log().warn({ outcome: label, status: outcome.error.status, detail: outcome.error.detail, durationMs, deliveries: context.deliveries }, 'http call failed');
  }
  return { result };
}
