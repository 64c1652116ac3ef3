// The runner loop: consume `tasks.agent`, run up to `concurrency` model turns at once, stream
// their tokens, publish results to `runner`, keep long turns' leases alive, stop gracefully.
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorTypes, Queues, type Bus, type RunnerMessage, type TaskMessage } from '@baton/core';
import type { AgentTurnRequest } from '@baton/core/agent';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { CommitWatcher } from './commit-watcher.ts';
import { createMetrics } from './metrics.ts';
import type { AgentRunnerOptions } from './options.ts';
import { ResultPublisher } from '@baton/runtime';
import { TokenStream } from './token-stream.ts';
import { createClient, executeTurn } from './turn.ts';

export const AGENT_TASK_QUEUE = Queues.tasks('agent');
const CONSUME_BATCH = 64;
const CONSUME_BLOCK_MS = 1_000;
const CONSUME_RETRY_MS = 1_000;

export interface AgentRunnerDeps {
  bus: Bus;
  logger: Logger;
  metrics: Registry;
  options: AgentRunnerOptions;
}

export interface AgentRunner {
  start(): Promise<void>;
  /** Stops consuming, lets in-flight turns finish within shutdownGraceMs, leaves the rest unacked. */
  stop(): Promise<void>;
  inFlight(): number;
}

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
const TaskMessageSchema = z.object({
  attemptId: z.string().min(1),
  runId: z.string().min(1),
  effectId: z.string(),
  kind: z.literal('agent'),
  namespace: z.string(),
  reference: z.string(),
  name: z.string(),
  payload: TurnRequestSchema,
  timeoutMs: z.number().positive().optional(),
});

interface RunningTurn {
  controller: AbortController;
  startedAt: number;
  done: Promise<void>;
}

export function createAgentRunner(deps: AgentRunnerDeps): AgentRunner {
  const { bus, logger, options } = deps;
  const metrics = createMetrics(deps.metrics);
  const client = createClient(options);
  const publisher = new ResultPublisher(bus, AGENT_TASK_QUEUE, logger);
  const watcher = new CommitWatcher(bus, logger);
  const turns = new Map<string, RunningTurn>();
  let stopping = new AbortController();
  let loop: Promise<void> | undefined;
  let leaseTimer: NodeJS.Timeout | undefined;
  let wakeLoop: (() => void) | undefined;

  async function consumeLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const free = options.concurrency - turns.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (wakeLoop = resolve));
        continue;
      }
      try {
        const messages = await bus.consume(AGENT_TASK_QUEUE, options.consumerName, { max: Math.min(free, CONSUME_BATCH), blockMs: CONSUME_BLOCK_MS, visibilityMs: options.visibilityMs, signal });
        for (const message of messages) startTurn(message.id, message.body, message.deliveries);
      } catch (error) {
        if (signal.aborted) break;
        logger.error({ err: error }, 'consuming tasks.agent failed; retrying');
        await sleep(CONSUME_RETRY_MS, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  function startTurn(messageId: string, body: unknown, deliveries: number): void {
    const parsed = TaskMessageSchema.safeParse(body);
    if (!parsed.success) return rejectMessage(messageId, body, parsed.error.message);
    const task = parsed.data as TaskMessage & { payload: AgentTurnRequest };
    const log = logger.child({ runId: task.runId, attemptId: task.attemptId, task: task.reference, turn: task.payload.turn });
    const running: RunningTurn = { controller: new AbortController(), startedAt: Date.now(), done: Promise.resolve() };
    turns.set(messageId, running);
    metrics.inFlight.inc();
    running.done = runTurn(messageId, task, running.controller, log, deliveries)
      .catch((error: unknown) => log.error({ err: error }, 'agent turn crashed; task left unacked for redelivery'))
      .finally(() => {
        turns.delete(messageId);
        metrics.inFlight.dec();
        wakeLoop?.();
        wakeLoop = undefined;
      });
  }

  async function runTurn(messageId: string, task: TaskMessage & { payload: AgentTurnRequest }, controller: AbortController, log: Logger, deliveries: number): Promise<void> {
    const request = task.payload;
    const tokens = new TokenStream(bus, watcher, { runId: task.runId, task: task.reference, turn: request.turn }, options.tokenFlushMs, log);
    const started = performance.now();
    let outcome;
    try {
      outcome = await executeTurn(client, request, options, {
        signal: controller.signal,
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
    const base = { type: 'result', runId: task.runId, attemptId: task.attemptId } as const;
    let result: RunnerMessage;
    if (outcome.ok) {
      const { usage, model, finishReason } = outcome.result;
      metrics.turns.inc({ outcome: 'completed' });
      metrics.tokens.inc({ kind: 'prompt' }, usage.promptTokens);
      metrics.tokens.inc({ kind: 'completion' }, usage.completionTokens);
      if (usage.costUsd !== undefined) metrics.costUsd.inc(usage.costUsd);
      metrics.duration.observe({ outcome: 'completed' }, durationMs / 1000);
      if (outcome.firstTokenMs !== undefined) metrics.firstToken.observe(outcome.firstTokenMs / 1000);
      log.info({ model, finishReason, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, costUsd: usage.costUsd, toolCalls: outcome.result.message.tool_calls?.length ?? 0, durationMs, retries: outcome.retries, tokenEvents: tokens.published, deliveries }, 'agent turn completed');
      result = { ...base, status: 'completed', output: outcome.result };
    } else {
      const label = outcome.error.type.slice(outcome.error.type.lastIndexOf('/') + 1);
      metrics.turns.inc({ outcome: label });
      metrics.duration.observe({ outcome: label }, durationMs / 1000);
      log.warn({ status: outcome.error.status, title: outcome.error.title, detail: outcome.error.detail, durationMs, retries: outcome.retries, deliveries }, 'agent turn failed');
      result = { ...base, status: 'failed', error: { ...outcome.error, instance: task.reference } };
    }
    publisher.push(messageId, result);
  }

  function rejectMessage(messageId: string, body: unknown, problem: string): void {
    const { runId, attemptId, reference } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    logger.error({ runId, attemptId, task: reference, problem }, 'invalid tasks.agent message');
    if (typeof runId === 'string' && typeof attemptId === 'string') {
      const error = { type: ErrorTypes.runtime, status: 500, title: 'Invalid task message', detail: `the agent-runner could not read this task: ${problem}`, ...(typeof reference === 'string' ? { instance: reference } : {}) };
      publisher.push(messageId, { type: 'result', runId, attemptId, status: 'failed', error });
    } else {
      bus.ack(AGENT_TASK_QUEUE, [messageId]).catch((err: unknown) => logger.error({ err }, 'could not ack an invalid message'));
    }
  }

  /** Renews leases of turns running longer than a third of the lease; aborts turns whose lease was lost. */
  async function renewLeases(): Promise<void> {
    const threshold = Date.now() - options.visibilityMs / 3;
    const ids = [...turns].filter(([, turn]) => turn.startedAt <= threshold).map(([id]) => id).concat(publisher.pendingIds());
    if (ids.length === 0) return;
    try {
      const held = new Set(await bus.extend(AGENT_TASK_QUEUE, options.consumerName, ids));
      for (const id of ids) if (!held.has(id)) turns.get(id)?.controller.abort(new Error('lease lost: another agent-runner took this turn over'));
    } catch (error) {
      logger.error({ err: error }, 'could not extend task leases');
    }
  }

  return {
    inFlight: () => turns.size,
    async start() {
      if (loop) return;
      stopping = new AbortController();
      await watcher.start();
      leaseTimer = setInterval(() => void renewLeases(), Math.max(100, Math.floor(options.visibilityMs / 3)));
      loop = consumeLoop(stopping.signal);
      logger.info({ consumer: options.consumerName, concurrency: options.concurrency, baseUrl: options.baseUrl ?? 'https://api.openai.com/v1', apiKey: options.apiKey ? 'set' : 'missing', pricedModels: Object.keys(options.prices).length }, 'agent-runner started');
    },
    async stop() {
      if (!loop) return;
      stopping.abort();
      wakeLoop?.();
      await loop;
      loop = undefined;
      const finished = Promise.allSettled([...turns.values()].map((turn) => turn.done));
      const grace = new AbortController();
      await Promise.race([finished, sleep(options.shutdownGraceMs, undefined, { signal: grace.signal }).catch(() => undefined)]);
      grace.abort();
      const abandoned = turns.size;
      for (const turn of turns.values()) turn.controller.abort(new Error('agent-runner stopping'));
      await finished;
      await publisher.drain();
      clearInterval(leaseTimer);
      await watcher.stop();
      logger.info({ abandoned }, 'agent-runner stopped');
    },
  };
}
