// The agent-runner: `tasks.agent` through the shared queue-worker shell (consume, concurrency,
// leases, results, graceful stop; packages/runtime/src/queue-worker.ts); this file is the
// handler: run one model turn, stream its tokens, turn its outcome into a result.
import { Queues, type Bus, type RunnerMessage, type TaskMessage } from '@baton/core';
import type { AgentTurnRequest } from '@baton/core/agent';
import { admit, applicableLimits, chargeTokens, createQueueWorker, namedLimit, rateLimiterOf, rateLimitWaits, taskMessageSchema, type QueueWorker, type RateGate, type TaskContext, type TaskOutcome } from '@baton/runtime';
import { serviceTracer } from '@baton/tracing';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { CommitWatcher } from './commit-watcher.ts';
import { createMetrics, type AgentRunnerMetrics } from './metrics.ts';
import type { AgentRunnerOptions } from './options.ts';
import { TokenStream } from './token-stream.ts';
import { createClient, executeTurn } from './turn.ts';

export const AGENT_TASK_QUEUE = Queues.tasks('agent');

/** Logged at start without a key: what it means for agent steps, and what to set. */
export const MISSING_KEY =
  'OPENAI_API_KEY is not set: every agent step (call: agent) faults with a configuration error ("LLM not configured") until it is; set OPENAI_API_KEY or OPENAI_API_KEY_FILE (any value for a server that needs none, such as a local Ollama at OPENAI_BASE_URL) and restart';
const CONSUME_BATCH = 64;

export interface AgentRunnerDeps {
  bus: Bus;
  logger: Logger;
  metrics: Registry;
  options: AgentRunnerOptions;
}

/** start(), stop() (in-flight turns get shutdownGraceMs, the rest stay unacked), inFlight(). */
export type AgentRunner = QueueWorker;

const MessageSchema = z.object({ role: z.enum(['system', 'user', 'assistant', 'tool']), content: z.string().nullable() }).passthrough();
const TurnRequestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(MessageSchema).min(1),
  tools: z.array(z.object({ name: z.string(), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()) })).optional(),
  sampling: z.record(z.string(), z.unknown()).optional(),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  turn: z.number().int().positive(),
  stream: z.boolean().optional(),
});
type TurnTask = TaskMessage & { payload: AgentTurnRequest };
const TaskMessageSchema = taskMessageSchema('agent', TurnRequestSchema) as unknown as z.ZodType<TurnTask>;

interface TurnDeps extends AgentRunnerDeps {
  client: ReturnType<typeof createClient>;
  watcher: CommitWatcher;
  counters: AgentRunnerMetrics;
  gate: RateGate;
}

export function createAgentRunner(deps: AgentRunnerDeps): AgentRunner {
  const { bus, logger, options } = deps;
  const counters = createMetrics(deps.metrics);
  const watcher = new CommitWatcher(bus, logger);
  const turnDeps: TurnDeps = { ...deps, client: createClient(options), watcher, counters, gate: { limiter: rateLimiterOf(bus), waits: rateLimitWaits(deps.metrics) } };
  const shell = createQueueWorker(bus, logger, { ...options, queue: AGENT_TASK_QUEUE, maxBatch: CONSUME_BATCH }, {
    name: 'agent-runner',
    schema: TaskMessageSchema,
    handle: (task, context) => runTurn(task, context, turnDeps),
    onInvalid: 'fail',
    inFlight: counters.inFlight,
    tracer: serviceTracer('agent-runner'),
    beforeStart: () => watcher.start(),
    afterStop: () => watcher.stop(),
  });
  return {
    ...shell,
    async start() {
      await shell.start();
      const baseUrl = options.baseUrl ?? 'https://api.openai.com/v1';
      // Not `apiKey: 'set'`: the logger redacts every `apiKey` member, which made a missing key read "[redacted]".
      logger.info({ consumer: options.consumerName, concurrency: options.concurrency, baseUrl, credentials: options.apiKey ? 'OPENAI_API_KEY set' : 'none', pricedModels: Object.keys(options.prices).length }, 'agent-runner started');
      if (!options.apiKey) logger.warn({ baseUrl }, MISSING_KEY);
    },
  };
}

/** One turn. Aborted (lease lost, stopping), executeTurn throws: the shell leaves the task unacked. */
async function runTurn(task: TurnTask, context: TaskContext, deps: TurnDeps): Promise<TaskOutcome> {
  const { bus, options, counters: metrics } = deps;
  const request = task.payload;
  const log = deps.logger.child({ runId: task.runId, attemptId: task.attemptId, task: task.reference, turn: request.turn });
  const base = { type: 'result', runId: task.runId, attemptId: task.attemptId } as const;
  // Rate limits (rate-gate.ts): before the turn, room in the limits it names or its model has;
  // after it, its tokens are charged. A deferred turn is this attempt, not yet run: no paid turn is lost.
  const named = namedLimit(task);
  if ('error' in named) return { result: { ...base, status: 'failed', error: named.error } };
  const limits = applicableLimits(task, named.spec, { model: request.model });
  let deferred;
  try {
    deferred = await admit(deps.gate, task, limits, context.signal);
  } catch (error) {
    if (context.signal.aborted) throw error;
    // The limiter (Redis) did not answer: no turn was run; another delivery tries again.
    log.error({ err: error }, 'rate limiter unavailable; task left unacked for redelivery');
    return 'abandon';
  }
  if (deferred) {
    log.info({ limit: deferred.limit, until: new Date(deferred.until).toISOString() }, 'model turn over its rate limit; handed back until then');
    return { result: { type: 'deferred', ...deferred } };
  }
  const tokens = new TokenStream(bus, deps.watcher, { runId: task.runId, task: task.reference, turn: request.turn }, options.tokenFlushMs, log);
  const started = performance.now();
  let outcome;
  try {
    outcome = await executeTurn(deps.client, request, options, {
      signal: context.signal,
      onToken: (text, attempt) => tokens.push(text, attempt),
      onRetry: (reason, delayMs, attempt) => {
        metrics.retries.inc({ reason });
        log.warn({ reason, delayMs, attempt }, 'model request failed; retrying');
      },
    });
  } finally {
    await tokens.close();
  }
  const durationMs = Math.round(performance.now() - started);
  if (outcome.ok) await chargeTokens(deps.gate, limits, outcome.result.usage.totalTokens).catch((err: unknown) => log.warn({ err }, 'could not charge the turn\'s tokens to its rate limits'));
  let result: RunnerMessage;
  if (outcome.ok) {
    const { usage, model, finishReason } = outcome.result;
    metrics.turns.inc({ outcome: 'completed' });
    metrics.tokens.inc({ kind: 'prompt' }, usage.promptTokens);
    metrics.tokens.inc({ kind: 'completion' }, usage.completionTokens);
    if (usage.costUsd !== undefined) metrics.costUsd.inc(usage.costUsd);
    metrics.duration.observe({ outcome: 'completed' }, durationMs / 1000);
    if (outcome.firstTokenMs !== undefined) metrics.firstToken.observe(outcome.firstTokenMs / 1000);
    log.info({ model, finishReason, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, costUsd: usage.costUsd, toolCalls: outcome.result.message.tool_calls?.length ?? 0, durationMs, retries: outcome.retries, tokenEvents: tokens.published, deliveries: context.deliveries }, 'agent turn completed');
    result = { ...base, status: 'completed', output: outcome.result };
  } else {
    const label = outcome.error.type.slice(outcome.error.type.lastIndexOf('/') + 1);
    metrics.turns.inc({ outcome: label });
    metrics.duration.observe({ outcome: label }, durationMs / 1000);
    log.warn({ status: outcome.error.status, title: outcome.error.title, detail: outcome.error.detail, durationMs, retries: outcome.retries, deliveries: context.deliveries }, 'agent turn failed');
    result = { ...base, status: 'failed', error: { ...outcome.error, instance: task.reference } };
  }
  return { result };
}
