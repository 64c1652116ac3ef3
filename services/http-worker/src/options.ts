// Worker configuration, read from the environment once at start (see README.md for each variable).
import { hostname } from 'node:os';
import { z } from 'zod';
import { MAX_TIMER_MS, MAX_TIMER_TEXT } from '@baton/runtime';
import { parseCidrList, type AddressPolicyConfig, type Cidr } from './address-policy.ts';

export interface HttpWorkerOptions {
  /** Most HTTP calls in flight in this process. */
  concurrency: number;
  /** TCP (+ TLS handshake) connect timeout. */
  connectTimeoutMs: number;
  /** Overall limit of one call (all redirects and the digest retry included); a smaller task timeout wins. */
  timeoutMs: number;
  /** Largest response body read; a bigger one fails the call. */
  maxResponseBytes: number;
  /** Most redirects followed when the task sets `redirect: true`. */
  maxRedirects: number;
  /** Extra ranges refused (checked after allowCidrs). */
  denyCidrs: Cidr[];
  /** Ranges allowed even when a default rule or denyCidrs refuses them. */
  allowCidrs: Cidr[];
  /** Whether loopback and private (RFC 1918, ULA, CGNAT) addresses may be called. */
  allowPrivate: boolean;
  /** Lease length of a consumed task; renewed while the call runs. */
  visibilityMs: number;
  /** How long stop() waits for in-flight calls before abandoning them (left unacked). */
  shutdownGraceMs: number;
  /** Consumer name on the bus (unique per process). */
  consumerName: string;
}

export const DEFAULT_OPTIONS: Omit<HttpWorkerOptions, 'consumerName'> = {
  concurrency: 256,
  connectTimeoutMs: 10_000,
  timeoutMs: 300_000,
  maxResponseBytes: 10 * 1024 * 1024,
  maxRedirects: 10,
  denyCidrs: [],
  allowCidrs: [],
  allowPrivate: true,
  visibilityMs: 30_000,
  shutdownGraceMs: 10_000,
};

export function defaultConsumerName(): string {
  return `http-worker-${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Options with defaults for everything not given (handy for tests and embedding). */
export function httpWorkerOptions(partial: Partial<HttpWorkerOptions> = {}): HttpWorkerOptions {
  return { ...DEFAULT_OPTIONS, consumerName: defaultConsumerName(), ...partial };
}

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/** A duration in ms: no longer than a Node.js timer keeps (a longer one fires after 1 ms). */
const durationMs = (fallback: number, min: 0 | 1 = 1) =>
  z.coerce.number().int().min(min).max(MAX_TIMER_MS, MAX_TIMER_TEXT).default(fallback);
const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');
const cidrList = z
  .string()
  .default('')
  .transform((value, ctx) => {
    try {
      return parseCidrList(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

const EnvSchema = z.object({
  HTTP_WORKER_CONCURRENCY: positiveInt(DEFAULT_OPTIONS.concurrency),
  HTTP_WORKER_CONNECT_TIMEOUT_MS: durationMs(DEFAULT_OPTIONS.connectTimeoutMs),
  HTTP_WORKER_TIMEOUT_MS: durationMs(DEFAULT_OPTIONS.timeoutMs),
  HTTP_WORKER_MAX_RESPONSE_BYTES: positiveInt(DEFAULT_OPTIONS.maxResponseBytes),
  HTTP_WORKER_MAX_REDIRECTS: z.coerce.number().int().min(0).default(DEFAULT_OPTIONS.maxRedirects),
  HTTP_WORKER_DENY_CIDRS: cidrList,
  HTTP_WORKER_ALLOW_CIDRS: cidrList,
  HTTP_WORKER_ALLOW_PRIVATE: booleanFlag(DEFAULT_OPTIONS.allowPrivate),
  HTTP_WORKER_VISIBILITY_MS: durationMs(DEFAULT_OPTIONS.visibilityMs),
  HTTP_WORKER_SHUTDOWN_GRACE_MS: durationMs(DEFAULT_OPTIONS.shutdownGraceMs, 0),
  HTTP_WORKER_CONSUMER_NAME: z.string().min(1).optional(),
});

/** The outbound address rules alone (HTTP_WORKER_ALLOW_PRIVATE, _ALLOW_CIDRS, _DENY_CIDRS). */
const OutboundEnvSchema = EnvSchema.pick({ HTTP_WORKER_DENY_CIDRS: true, HTTP_WORKER_ALLOW_CIDRS: true, HTTP_WORKER_ALLOW_PRIVATE: true });

export class HttpWorkerConfigError extends Error {
  override readonly name = 'HttpWorkerConfigError';
}

function parseEnv<T>(schema: z.ZodType<T>, env: Record<string, string | undefined>, what: string): T {
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => key.startsWith('HTTP_WORKER_') && value !== undefined && value.trim() !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new HttpWorkerConfigError(`invalid ${what} configuration: ${problems}`);
  }
  return parsed.data;
}

/**
 * The outbound address policy of `call: http`, from the same variables. Every service that
 * connects where a workflow says (the hitl-worker's approval webhooks too) reads it here, so one
 * setting governs all outbound traffic a workflow can cause.
 */
export function outboundPolicyFromEnv(env: Record<string, string | undefined>): AddressPolicyConfig {
  const e = parseEnv(OutboundEnvSchema, env, 'outbound address policy');
  return { denyCidrs: e.HTTP_WORKER_DENY_CIDRS, allowCidrs: e.HTTP_WORKER_ALLOW_CIDRS, allowPrivate: e.HTTP_WORKER_ALLOW_PRIVATE };
}

/** Reads HTTP_WORKER_* variables; empty strings count as unset. Throws HttpWorkerConfigError naming each bad variable. */
export function httpWorkerOptionsFromEnv(env: Record<string, string | undefined>): HttpWorkerOptions {
  const e = parseEnv(EnvSchema, env, 'http-worker');
  return {
    concurrency: e.HTTP_WORKER_CONCURRENCY,
    connectTimeoutMs: e.HTTP_WORKER_CONNECT_TIMEOUT_MS,
    timeoutMs: e.HTTP_WORKER_TIMEOUT_MS,
    maxResponseBytes: e.HTTP_WORKER_MAX_RESPONSE_BYTES,
    maxRedirects: e.HTTP_WORKER_MAX_REDIRECTS,
    denyCidrs: e.HTTP_WORKER_DENY_CIDRS,
    allowCidrs: e.HTTP_WORKER_ALLOW_CIDRS,
    allowPrivate: e.HTTP_WORKER_ALLOW_PRIVATE,
    visibilityMs: e.HTTP_WORKER_VISIBILITY_MS,
    shutdownGraceMs: e.HTTP_WORKER_SHUTDOWN_GRACE_MS,
    consumerName: e.HTTP_WORKER_CONSUMER_NAME ?? defaultConsumerName(),
  };
}
