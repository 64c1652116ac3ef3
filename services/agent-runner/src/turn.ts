// One model turn: an AgentTurnRequest -> one chat-completions request (streamed or not) through
// the official `openai` client -> an AgentTurnResult. Retries (408/409/429/5xx, connection errors,
// timeouts) are done here, not by the client, so each one is logged and counted, and Retry-After
// is honoured up to a limit.
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParams, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { AgentTurnRequest, AgentTurnResult, ToolCall } from '@baton/core/agent';
import { BatonErrorTypes, ErrorTypes, workflowError, type WorkflowError } from '@baton/core';
import type { AgentRunnerOptions } from './options.ts';
import { costOf } from './prices.ts';

export type TurnOutcome = { ok: true; result: AgentTurnResult; retries: number; firstTokenMs?: number } | { ok: false; error: WorkflowError; retries: number };

export interface TurnHooks {
  /** A piece of the answer's text as it arrives (streaming only); `attempt` is 1-based. */
  onToken?(text: string, attempt: number): void;
  /** A retry is about to wait `delayMs`. */
  onRetry?(reason: string, delayMs: number, attempt: number): void;
  signal?: AbortSignal;
}

export function createClient(options: AgentRunnerOptions): OpenAI | undefined {
  if (!options.apiKey) return undefined;
  return new OpenAI({ apiKey: options.apiKey, ...(options.baseUrl ? { baseURL: options.baseUrl } : {}), maxRetries: 0, timeout: options.requestTimeoutMs });
}

export async function executeTurn(client: OpenAI | undefined, request: AgentTurnRequest, options: AgentRunnerOptions, hooks: TurnHooks = {}): Promise<TurnOutcome> {
  if (!client) return { ok: false, retries: 0, error: workflowError(ErrorTypes.configuration, 500, 'the agent-runner has no OPENAI_API_KEY (or OPENAI_API_KEY_FILE): set it to call the model', undefined, 'LLM not configured') };
  const params = toParams(request, options);
  for (let attempt = 1; ; attempt += 1) {
    try {
      const started = performance.now();
      const answer = request.stream === false ? await complete(client, params, hooks.signal) : await stream(client, params, (text) => hooks.onToken?.(text, attempt), hooks.signal, started);
      const usage = answer.usage;
      const costUsd = costOf(options.prices, [request.model, answer.model], usage.promptTokens, usage.completionTokens);
      const result: AgentTurnResult = { message: answer.message, finishReason: answer.finishReason, usage: { ...usage, ...(costUsd !== undefined ? { costUsd } : {}) }, model: answer.model };
      return { ok: true, result, retries: attempt - 1, ...(answer.firstTokenMs !== undefined ? { firstTokenMs: answer.firstTokenMs } : {}) };
    } catch (error) {
      if (hooks.signal?.aborted) throw error;
      const fault = classify(error, options);
      if (!fault.retry || attempt > options.maxRetries) return { ok: false, error: fault.error, retries: attempt - 1 };
      const delay = fault.retryAfterMs ?? backoff(options.retryBaseDelayMs, attempt);
      if (delay > options.maxRetryDelayMs) return { ok: false, error: { ...fault.error, detail: `${fault.error.detail ?? ''} (the provider asked to wait ${delay} ms, more than AGENT_MAX_RETRY_DELAY_MS)` }, retries: attempt - 1 };
      hooks.onRetry?.(fault.reason, delay, attempt);
      await sleep(delay, undefined, hooks.signal ? { signal: hooks.signal } : {});
    }
  }
}

function backoff(baseMs: number, attempt: number): number {
  const exponential = Math.min(baseMs * 2 ** (attempt - 1), 8_000);
  return Math.round(exponential * (0.75 + Math.random() * 0.25));
}

function toParams(request: AgentTurnRequest, options: AgentRunnerOptions): ChatCompletionCreateParams {
  const params: ChatCompletionCreateParams = { model: request.model, messages: request.messages as ChatCompletionMessageParam[], ...(request.sampling ?? {}) };
  if (request.tools && request.tools.length > 0) {
    params.tools = request.tools.map((tool): ChatCompletionTool => ({ type: 'function', function: { name: tool.name, parameters: tool.parameters, ...(tool.description ? { description: tool.description } : {}) } }));
  }
  if (request.outputSchema && options.responseFormat === 'json_schema') params.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: request.outputSchema, strict: false } };
  if (request.outputSchema && options.responseFormat === 'json_object') params.response_format = { type: 'json_object' };
  return params;
}

interface Answer {
  message: AgentTurnResult['message'];
  finishReason: string;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  model: string;
  firstTokenMs?: number;
}

async function complete(client: OpenAI, params: ChatCompletionCreateParams, signal: AbortSignal | undefined): Promise<Answer> {
  const response = await client.chat.completions.create({ ...params, stream: false }, signal ? { signal } : {});
  const choice = response.choices[0];
  if (!choice) throw new MalformedAnswer('the provider answered without a choice');
  const toolCalls = (choice.message.tool_calls ?? []).flatMap((call): ToolCall[] => (call.type === 'function' ? [{ id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } }] : []));
  return {
    message: { role: 'assistant', content: choice.message.content ?? null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
    finishReason: choice.finish_reason,
    usage: usageOf(response.usage),
    model: response.model,
  };
}

async function stream(client: OpenAI, params: ChatCompletionCreateParams, onToken: (text: string) => void, signal: AbortSignal | undefined, started: number): Promise<Answer> {
  const chunks = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } }, signal ? { signal } : {});
  let content = '';
  let finishReason = 'stop';
  let model = params.model;
  let usage: ChatCompletionChunk['usage'];
  let firstTokenMs: number | undefined;
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  for await (const chunk of chunks) {
    model = chunk.model || model;
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    const delta = choice.delta;
    if (delta.content) {
      firstTokenMs ??= performance.now() - started;
      content += delta.content;
      onToken(delta.content);
    }
    // Tool calls arrive in pieces: the first delta of a call has its id and name, the following
    // ones append to its arguments; `index` says which call a piece belongs to.
    for (const piece of delta.tool_calls ?? []) {
      const call = (calls[piece.index] ??= { id: '', name: '', arguments: '' });
      if (piece.id) call.id = piece.id;
      if (piece.function?.name) call.name += piece.function.name;
      if (piece.function?.arguments) call.arguments += piece.function.arguments;
    }
    if (choice.finish_reason) finishReason = choice.finish_reason;
  }
  const toolCalls: ToolCall[] = calls.filter(Boolean).map((call, i) => ({ id: call.id || `call_${i}`, type: 'function', function: { name: call.name, arguments: call.arguments } }));
  return {
    message: { role: 'assistant', content: content === '' && toolCalls.length > 0 ? null : content, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
    finishReason,
    usage: usageOf(usage),
    model,
    ...(firstTokenMs !== undefined ? { firstTokenMs } : {}),
  };
}

function usageOf(usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null | undefined): Answer['usage'] {
  const promptTokens = usage?.prompt_tokens ?? 0;
  const completionTokens = usage?.completion_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: usage?.total_tokens ?? promptTokens + completionTokens };
}

class MalformedAnswer extends Error {
  override readonly name = 'MalformedAnswer';
}

interface Classified {
  retry: boolean;
  reason: string;
  retryAfterMs?: number;
  error: WorkflowError;
}

const RETRYABLE_STATUSES = new Set([408, 409, 429]);

/** Provider faults as typed errors: 4xx are final (BatonErrorTypes.llm, the provider's status and message). */
export function classify(error: unknown, options: Pick<AgentRunnerOptions, 'requestTimeoutMs'>): Classified {
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return { retry: true, reason: 'timeout', error: workflowError(ErrorTypes.timeout, 408, `the model did not answer within ${options.requestTimeoutMs} ms (AGENT_REQUEST_TIMEOUT_MS)`, undefined, 'LLM request timed out') };
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return { retry: true, reason: 'connection', error: workflowError(ErrorTypes.communication, 503, `could not reach the model provider: ${error.message}`, undefined, 'LLM provider unreachable') };
  }
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    const status = error.status;
    const retry = RETRYABLE_STATUSES.has(status) || status >= 500;
    const title = status === 429 ? 'LLM rate limit' : status >= 500 ? 'LLM provider error' : 'LLM request rejected';
    const llm: WorkflowError = { ...workflowError(BatonErrorTypes.llm, status, providerMessage(error), undefined, title), ...(error.code ? { code: error.code } : {}) };
    const retryAfterMs = retryAfter(error.headers);
    return { retry, reason: String(status), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), error: llm };
  }
  if (error instanceof MalformedAnswer || error instanceof OpenAI.OpenAIError) {
    return { retry: true, reason: 'malformed', error: workflowError(BatonErrorTypes.llm, 502, `unreadable answer from the model provider: ${(error as Error).message}`, undefined, 'LLM provider error') };
  }
  throw error;
}

function providerMessage(error: InstanceType<typeof OpenAI.APIError>): string {
  const body = error.error as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? body.message : error.message;
}

function retryAfter(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && !Number.isNaN(Number(ms))) return Math.max(0, Number(ms));
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  if (!Number.isNaN(Number(value))) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
