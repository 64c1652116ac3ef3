// Rate limits in a worker (docs/OPERATIONS.md, "Rate limits"). Before a call (http-worker) or a
// model turn (agent-runner) the worker asks the limiter; over the limit, it hands the attempt back
// — a `deferred` runner message — instead of waiting with a slot taken: the runner re-dispatches
// the attempt when the limiter said. A requests limit reserves its slot at that time (the attempt
// goes then without asking again, so waiting attempts go in the order they asked); a tokens limit
// only waits for room, and a turn's tokens are charged after it (a turn may overdraw).
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorTypes, rateLimitKey, type Bus, type DeferredAttempt, type RateLimitSpec, type RateLimiter, type TaskMessage, type WorkflowError } from '@baton/core';
import { MemoryRateLimiter } from '@baton/bus';
import { Counter, type Registry } from 'prom-client';

/** A wait this short is slept in the worker: handing the attempt back would take longer. */
export const SLEEP_BELOW_MS = 50;
/** A re-dispatched attempt that arrives this much before its reserved slot sleeps until it. */
export const EARLY_BY_MS = 1_000;

/** What a task is aimed at: the request's host (http), the model (agent). */
export interface RateTarget {
  host?: string;
  model?: string;
}

const fallback = new MemoryRateLimiter();

/** The transport's limiter (Redis: shared by every process); a bus without one (a test double) gets the process's. */
export function rateLimiterOf(bus: Bus): RateLimiter {
  const withLimiter = bus as Bus & { rateLimiter?: () => RateLimiter };
  return typeof withLimiter.rateLimiter === 'function' ? withLimiter.rateLimiter() : fallback;
}

export function rateLimitWaits(registry: Registry): Counter<'namespace' | 'limit' | 'kind'> {
  const name = 'baton_rate_limit_waits_total';
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<'namespace' | 'limit' | 'kind'>;
  return new Counter({ name, help: 'Task attempts handed back to wait for a rate limit, by namespace and limit', labelNames: ['namespace', 'limit', 'kind'], registers: [registry] });
}

/**
 * The limit a task names (metadata.baton.rateLimit), or the configuration error of a name its
 * namespace does not declare. A tokens limit counts agent turns only: the http calls of an agent's
 * tools (which carry the agent task's reference) are not charged to it.
 */
export function namedLimit(task: TaskMessage): { spec?: RateLimitSpec } | { error: WorkflowError } {
  const ref = task.rateLimit?.ref;
  if (ref === undefined) return {};
  const spec = task.rateLimit?.limits.find((l) => l.name === ref);
  if (spec) return spec.kind === 'requests' || task.kind === 'agent' ? { spec } : {};
  const detail = `task ${task.reference} names the rate limit "${ref}" (metadata.baton.rateLimit), which namespace "${task.namespace}" does not declare; declare it (POST /api/v1/rate-limits, baton rate-limits set) or fix the name`;
  return { error: { type: ErrorTypes.configuration, status: 400, title: 'Unknown rate limit', detail, instance: task.reference } };
}

/** The limits that apply to a task aimed at `target`: the one it names, and those of its host or model. */
export function applicableLimits(task: TaskMessage, named: RateLimitSpec | undefined, target: RateTarget): RateLimitSpec[] {
  const found = new Map<string, RateLimitSpec>();
  if (named) found.set(named.name, named);
  // "api.example.com" matches the host on any port; "127.0.0.1:8080" that port only.
  const host = target.host?.toLowerCase();
  const hosts = host === undefined ? [] : [host, host.replace(/:\d+$/, '')];
  for (const spec of task.rateLimit?.limits ?? []) {
    if (spec.kind === 'requests' && spec.host !== undefined && hosts.includes(spec.host.toLowerCase())) found.set(spec.name, spec);
    if (spec.kind === 'tokens' && spec.model !== undefined && target.model !== undefined && spec.model === target.model) found.set(spec.name, spec);
  }
  return [...found.values()];
}

export interface RateGate {
  limiter: RateLimiter;
  waits: Counter<'namespace' | 'limit' | 'kind'>;
  clock?: () => number;
}

/**
 * Asks the limiter for each limit. Returns the deferral to hand back when one says "wait"
 * (longer than SLEEP_BELOW_MS), or undefined once the attempt may go (after a short sleep).
 */
export async function admit(gate: RateGate, task: TaskMessage, limits: readonly RateLimitSpec[], signal?: AbortSignal): Promise<DeferredAttempt | undefined> {
  if (limits.length === 0) return undefined;
  const now = (gate.clock ?? Date.now)();
  const reserved = task.rateLimit?.reserved;
  let until = 0;
  let waitingFor: RateLimitSpec | undefined;
  let nap = 0;
  const holding: string[] = [];
  const wait = (spec: RateLimitSpec, at: number) => {
    if (at - now <= SLEEP_BELOW_MS) return void (nap = Math.max(nap, at - now));
    if (at > until) [until, waitingFor] = [at, spec];
  };
  for (const spec of limits) {
    if (spec.kind === 'requests' && reserved?.names.includes(spec.name)) {
      // Its slot is reserved: go at it (a little early is slept), never ask again.
      holding.push(spec.name);
      if (reserved.until - now > EARLY_BY_MS) wait(spec, reserved.until);
      else nap = Math.max(nap, reserved.until - now);
      continue;
    }
    const answer = spec.kind === 'requests' ? await gate.limiter.reserve(rateLimitKey(spec), spec, 1) : await gate.limiter.check(rateLimitKey(spec), spec);
    if (answer.ok) continue;
    if (spec.kind === 'requests') holding.push(spec.name);
    wait(spec, answer.until);
  }
  if (waitingFor !== undefined) {
    gate.waits.inc({ namespace: task.namespace, limit: waitingFor.name, kind: waitingFor.kind });
    return { runId: task.runId, attemptId: task.attemptId, until, limit: waitingFor.name, deferral: task.rateLimit?.deferrals ?? 0, reserved: holding, task: task.reference };
  }
  if (nap > 0) await sleep(nap, undefined, signal ? { signal } : undefined);
  return undefined;
}

/** Charges the tokens a turn used to the tokens limits that applied to it. */
export async function chargeTokens(gate: RateGate, limits: readonly RateLimitSpec[], tokens: number): Promise<void> {
  if (tokens <= 0) return;
  await Promise.all(limits.filter((spec) => spec.kind === 'tokens').map((spec) => gate.limiter.charge(rateLimitKey(spec), spec, tokens)));
}
