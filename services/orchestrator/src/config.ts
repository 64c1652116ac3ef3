// Orchestrator configuration from environment variables, validated once at startup.
import { readFileSync } from 'node:fs';
import { streamTokenKeysFromValues, type StreamTokenKeys } from '@baton/fanout/tokens';
import type { Limits } from '@baton/core/interpreter';
import { loadLimits, MAX_TIMER_MS, MAX_TIMER_TEXT } from '@baton/runtime';
import { z } from 'zod';
import { parseIsoDuration } from './wait.ts';

export interface OrchestratorConfig {
  /** Port the launcher listens on (ORCHESTRATOR_PORT, default 8081). */
  port: number;
  /** Interface the launcher binds (ORCHESTRATOR_HOST, default 0.0.0.0). */
  host: string;
  /** Largest request body accepted, in bytes (BATON_MAX_BODY_BYTES, default 1 MiB); larger → 413. */
  maxBodyBytes: number;
  /** Longest `wait` of POST /api/v1/runs, in ms (BATON_MAX_WAIT, ISO 8601, default PT60S). */
  maxWaitMs: number;
  /** How long API key checks are cached, in ms (BATON_AUTH_CACHE_MS, default 5000; 0 = no cache). */
  authCacheMs: number;
  /** The bootstrap admin key (BATON_API_KEY or the file named by BATON_API_KEY_FILE). */
  apiKey?: string;
  /**
   * Signing secrets of stream tokens (BATON_STREAM_TOKEN_SECRET and, during a rotation,
   * BATON_STREAM_TOKEN_PREVIOUS_SECRET; each also as _FILE). Unset: POST /api/v1/stream-tokens → 503.
   */
  streamTokens?: StreamTokenKeys;
  /** What a run of a namespace may consume (BATON_LIMITS / BATON_LIMITS_FILE); registration refuses what a document shows over them. */
  limits: (namespace: string) => Limits;
  /** Where clients reach the fanout, as GET /api/v1/info tells them (routes/info.ts). */
  stream: StreamEndpoint;
  /** A trace UI's page of one trace, `{traceId}` standing for the id (BATON_TRACE_URL); the run page links to it. */
  traceUrl?: string;
}

/**
 * BATON_STREAM_PUBLIC_URL when set (a proxy, another host); else the host a client used to reach
 * this API on FANOUT_PORT (default 8085), which is right whenever both ports are published on
 * one host (`npm start`, docker-compose).
 */
export interface StreamEndpoint {
  publicUrl?: string;
  port: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const integer = (name: string, fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return fallback;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be an integer between ${min} and ${max}, got "${raw}"` });
        return z.NEVER;
      }
      return value;
    });

const EnvSchema = z.object({
  ORCHESTRATOR_PORT: integer('ORCHESTRATOR_PORT', 8081, 0, 65535),
  ORCHESTRATOR_HOST: z.string().optional(),
  BATON_MAX_BODY_BYTES: integer('BATON_MAX_BODY_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024),
  BATON_MAX_WAIT: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return 60_000;
      const ms = parseIsoDuration(raw);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `BATON_MAX_WAIT must be a positive ISO 8601 duration such as PT60S, got "${raw}"` });
        return z.NEVER;
      }
      if (ms > MAX_TIMER_MS) {
        ctx.addIssue({ code: 'custom', message: `BATON_MAX_WAIT must be ${MAX_TIMER_TEXT}, got "${raw}"` });
        return z.NEVER;
      }
      return ms;
    }),
  BATON_AUTH_CACHE_MS: integer('BATON_AUTH_CACHE_MS', 5000, 0, 3_600_000),
  BATON_API_KEY: z.string().optional(),
  BATON_API_KEY_FILE: z.string().optional(),
  BATON_STREAM_TOKEN_SECRET: z.string().optional(),
  BATON_STREAM_TOKEN_SECRET_FILE: z.string().optional(),
  BATON_STREAM_TOKEN_PREVIOUS_SECRET: z.string().optional(),
  BATON_STREAM_TOKEN_PREVIOUS_SECRET_FILE: z.string().optional(),
  FANOUT_PORT: integer('FANOUT_PORT', 8085, 0, 65535),
  BATON_STREAM_PUBLIC_URL: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return undefined;
      if (!isAbsoluteStreamUrl(raw.trim())) {
        ctx.addIssue({ code: 'custom', message: `BATON_STREAM_PUBLIC_URL must be an absolute http(s) or ws(s) URL such as https://stream.example.com, got "${raw}"` });
        return z.NEVER;
      }
      return raw.trim().replace(/\/+$/, '');
    }),
  BATON_TRACE_URL: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return undefined;
      if (!raw.includes('{traceId}') || !isAbsoluteStreamUrl(raw.trim().replaceAll('{traceId}', '0af7651916cd43dd8448eb211c80319c')) || raw.trim().startsWith('ws')) {
        ctx.addIssue({ code: 'custom', message: `BATON_TRACE_URL must be an http(s) URL with {traceId} where the trace id goes, such as http://jaeger:16686/trace/{traceId}, got "${raw}"` });
        return z.NEVER;
      }
      return raw.trim();
    }),
});

function isAbsoluteStreamUrl(text: string): boolean {
  try {
    return ['http:', 'https:', 'ws:', 'wss:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** Throws ConfigError naming every invalid variable. */
export function orchestratorConfigFromEnv(env: Record<string, string | undefined> = process.env): OrchestratorConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid orchestrator configuration: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  const e = parsed.data;
  const config: OrchestratorConfig = {
    port: e.ORCHESTRATOR_PORT,
    host: e.ORCHESTRATOR_HOST?.trim() || '0.0.0.0',
    maxBodyBytes: e.BATON_MAX_BODY_BYTES,
    maxWaitMs: e.BATON_MAX_WAIT,
    authCacheMs: e.BATON_AUTH_CACHE_MS,
    limits: limitsFromEnv(env),
    stream: { port: e.FANOUT_PORT, ...(e.BATON_STREAM_PUBLIC_URL !== undefined && { publicUrl: e.BATON_STREAM_PUBLIC_URL }) },
    ...(e.BATON_TRACE_URL !== undefined && { traceUrl: e.BATON_TRACE_URL }),
  };
  const apiKey = secretFromEnv(e.BATON_API_KEY, e.BATON_API_KEY_FILE, 'BATON_API_KEY');
  if (apiKey !== undefined) config.apiKey = apiKey;
  const streamTokens = streamTokenKeys(
    secretFromEnv(e.BATON_STREAM_TOKEN_SECRET, e.BATON_STREAM_TOKEN_SECRET_FILE, 'BATON_STREAM_TOKEN_SECRET'),
    secretFromEnv(e.BATON_STREAM_TOKEN_PREVIOUS_SECRET, e.BATON_STREAM_TOKEN_PREVIOUS_SECRET_FILE, 'BATON_STREAM_TOKEN_PREVIOUS_SECRET'),
  );
  if (streamTokens !== undefined) config.streamTokens = streamTokens;
  return config;
}

function limitsFromEnv(env: Record<string, string | undefined>): (namespace: string) => Limits {
  try {
    return loadLimits(env).limitsFor;
  } catch (error) {
    throw new ConfigError(`invalid orchestrator configuration: ${(error as Error).message}`);
  }
}

function streamTokenKeys(current: string | undefined, previous: string | undefined): StreamTokenKeys | undefined {
  try {
    return streamTokenKeysFromValues(current, previous);
  } catch (error) {
    throw new ConfigError(`invalid orchestrator configuration: ${(error as Error).message}`);
  }
}

/** NAME or the content of the file NAME_FILE (Docker/Kubernetes secrets); NAME wins. */
function secretFromEnv(value: string | undefined, file: string | undefined, name: string): string | undefined {
  if (value !== undefined && value.trim() !== '') return value.trim();
  if (file === undefined || file.trim() === '') return undefined;
  try {
    const content = readFileSync(file.trim(), 'utf8').trim();
    return content === '' ? undefined : content;
  } catch (error) {
    throw new ConfigError(`${name}_FILE=${file}: cannot read the file (${(error as Error).message})`);
  }
}

/** Defaults for tests and embedded mode. */
export function defaultOrchestratorConfig(overrides: Partial<OrchestratorConfig> = {}): OrchestratorConfig {
  return { ...orchestratorConfigFromEnv({}), ...overrides };
}
