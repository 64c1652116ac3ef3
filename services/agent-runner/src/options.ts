// agent-runner configuration, read from the environment once at start (README.md lists every
// variable). Secrets (OPENAI_API_KEY, AGENT_PRICES) may also come from NAME_FILE.
import { hostname } from 'node:os';
import { ConfigError, readEnv, readInt, type Env } from '@baton/runtime';
import { parsePriceTable, type PriceTable } from './prices.ts';

export type ResponseFormatMode = 'json_schema' | 'json_object' | 'none';

export interface AgentRunnerOptions {
  /** Provider credentials; without a key every turn fails with a configuration error. */
  apiKey?: string;
  /** OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 (Ollama); default: OpenAI. */
  baseUrl?: string;
  /** Most model turns in flight in this process. */
  concurrency: number;
  /** Limit of one chat-completions request (streaming included). */
  requestTimeoutMs: number;
  /** Retries of a 408/409/429/5xx answer, a connection error or a timeout. */
  maxRetries: number;
  /** Longest wait honoured from Retry-After; longer asks fail the turn. */
  maxRetryDelayMs: number;
  /** First backoff delay when the provider gives no Retry-After (doubles per retry, jittered). */
  retryBaseDelayMs: number;
  /** Token chunks are published at most this often per turn. */
  tokenFlushMs: number;
  /** How structured output is asked of the model. */
  responseFormat: ResponseFormatMode;
  prices: PriceTable;
  visibilityMs: number;
  shutdownGraceMs: number;
  consumerName: string;
}

export const DEFAULT_OPTIONS: Omit<AgentRunnerOptions, 'consumerName' | 'prices'> = {
  concurrency: 64,
  requestTimeoutMs: 120_000,
  maxRetries: 4,
  maxRetryDelayMs: 60_000,
  retryBaseDelayMs: 500,
  tokenFlushMs: 30,
  responseFormat: 'json_schema',
  visibilityMs: 30_000,
  shutdownGraceMs: 10_000,
};

export function defaultConsumerName(): string {
  return `agent-runner-${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Options with defaults for everything not given (tests, embedding). */
export function agentRunnerOptions(partial: Partial<AgentRunnerOptions> = {}): AgentRunnerOptions {
  return { ...DEFAULT_OPTIONS, prices: {}, consumerName: defaultConsumerName(), ...partial };
}

export function agentRunnerOptionsFromEnv(env: Env): AgentRunnerOptions {
  const format = readEnv(env, 'AGENT_RESPONSE_FORMAT') ?? DEFAULT_OPTIONS.responseFormat;
  if (!['json_schema', 'json_object', 'none'].includes(format)) throw new ConfigError(`AGENT_RESPONSE_FORMAT must be json_schema, json_object or none, got '${format}'`);
  const apiKey = readEnv(env, 'OPENAI_API_KEY');
  const baseUrl = readEnv(env, 'OPENAI_BASE_URL');
  return {
    ...(apiKey ? { apiKey } : {}),
    ...(baseUrl ? { baseUrl } : {}),
    concurrency: readInt(env, 'AGENT_RUNNER_CONCURRENCY', DEFAULT_OPTIONS.concurrency, 1),
    requestTimeoutMs: readInt(env, 'AGENT_REQUEST_TIMEOUT_MS', DEFAULT_OPTIONS.requestTimeoutMs, 1),
    maxRetries: readInt(env, 'AGENT_MAX_RETRIES', DEFAULT_OPTIONS.maxRetries, 0),
    maxRetryDelayMs: readInt(env, 'AGENT_MAX_RETRY_DELAY_MS', DEFAULT_OPTIONS.maxRetryDelayMs, 0),
    retryBaseDelayMs: readInt(env, 'AGENT_RETRY_BASE_DELAY_MS', DEFAULT_OPTIONS.retryBaseDelayMs, 0),
    tokenFlushMs: readInt(env, 'AGENT_TOKEN_FLUSH_MS', DEFAULT_OPTIONS.tokenFlushMs, 1),
    responseFormat: format as ResponseFormatMode,
    prices: parsePriceTable(readEnv(env, 'AGENT_PRICES'), 'AGENT_PRICES'),
    visibilityMs: readInt(env, 'AGENT_RUNNER_VISIBILITY_MS', DEFAULT_OPTIONS.visibilityMs, 100),
    shutdownGraceMs: readInt(env, 'AGENT_RUNNER_SHUTDOWN_GRACE_MS', DEFAULT_OPTIONS.shutdownGraceMs, 0),
    consumerName: readEnv(env, 'AGENT_RUNNER_CONSUMER_NAME') ?? defaultConsumerName(),
  };
}
