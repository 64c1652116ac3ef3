// Rate limits (docs/OPERATIONS.md, "Rate limits"): named per namespace, declared through the API,
// kept in PostgreSQL (table rate_limits, migration 0011). The runner copies the limits of a task's
// namespace into its task message; the worker acquires from the RateLimiter (Redis, or in-process
// in the embedded mode) and, over the limit, hands the attempt back (`deferred`): the runner
// re-dispatches it when the limiter said, durably (an outbox relay row due then).

export type RateLimitKind = 'requests' | 'tokens';
export type RateLimitPer = 'second' | 'minute';

/** A limit as declared. `host` (requests) / `model` (tokens) make it apply without a task reference. */
export interface RateLimitSpec {
  namespace: string;
  name: string;
  kind: RateLimitKind;
  per: RateLimitPer;
  limit: number;
  host?: string;
  model?: string;
}

export interface RateLimitRecord extends RateLimitSpec {
  createdAt: string;
  updatedAt: string;
}

/**
 * What the runner puts in a task message (TaskMessage.rateLimit): the limits of the namespace a
 * worker may have to apply, the one the task names (`metadata.baton.rateLimit`), how often the
 * attempt was deferred (a `deferred` message is applied only for the current count), and the
 * slot it reserved (requests limits) when it was deferred.
 */
export interface TaskRateLimits {
  limits: RateLimitSpec[];
  ref?: string;
  deferrals?: number;
  reserved?: { until: number; names: string[] };
}

/** A worker hands an attempt back: over `limit` until `until` (ms since the epoch). */
export interface DeferredAttempt {
  runId: string;
  attemptId: string;
  until: number;
  limit: string;
  /** TaskRateLimits.deferrals of the message the worker had. */
  deferral: number;
  /** Names of the requests limits whose slot at `until` is reserved for the attempt. */
  reserved: string[];
  /** The task's JSON pointer (for the event). */
  task: string;
}

/** A limiter's answer: go now, or wait until `until` (ms since the epoch). */
export type Acquired = { ok: true } | { ok: false; until: number };

/**
 * The limiter: a GCRA (a token bucket of `limit`, refilled continuously over `per`) per limit,
 * exact across processes (Redis: one Lua script per call) or within one (in-process).
 */
export interface RateLimiter {
  /** Requests: takes `cost` now, or reserves it at the returned time (the caller goes then, without acquiring again). */
  reserve(key: string, spec: Pick<RateLimitSpec, 'per' | 'limit'>, cost: number): Promise<Acquired>;
  /** Tokens: is there room now (the bucket not empty)? Reserves nothing. */
  check(key: string, spec: Pick<RateLimitSpec, 'per' | 'limit'>): Promise<Acquired>;
  /** Tokens: charges what a turn used (may overdraw; the next check waits longer). */
  charge(key: string, spec: Pick<RateLimitSpec, 'per' | 'limit'>, cost: number): Promise<void>;
}

/** The limiter's key of a limit. */
export function rateLimitKey(spec: Pick<RateLimitSpec, 'namespace' | 'name'>): string {
  return `${spec.namespace}/${spec.name}`;
}

export function periodMs(per: RateLimitPer): number {
  return per === 'second' ? 1_000 : 60_000;
}

/** Statements of a runner batch for rate limits. */
export interface RateLimitTx {
  rateLimitsOf(namespaces: readonly string[]): Promise<RateLimitSpec[]>;
  /**
   * Deferrals still current: the attempt is scheduled and its payload's deferral count is the one
   * the worker saw. Each such attempt gets the count + 1, the reservation, and dispatched_at =
   * until (no stale sweep before then). Returns the attempt ids deferred.
   */
  deferAttempts(deferrals: readonly DeferredAttempt[]): Promise<string[]>;
}

/** The API's statements for rate limits. */
export interface RateLimitStore {
  listRateLimits(namespace?: string): Promise<RateLimitRecord[]>;
  getRateLimit(namespace: string, name: string): Promise<RateLimitRecord | undefined>;
  /** Creates or replaces; returns the record and whether it was created. */
  putRateLimit(spec: RateLimitSpec): Promise<{ record: RateLimitRecord; created: boolean }>;
  deleteRateLimit(namespace: string, name: string): Promise<boolean>;
}
