import type { Bus, RateLimiter } from '@baton/core';

/** Counters an adapter keeps for metrics (monotonic since the bus was created). */
export interface BusStats {
  /** Messages taken over from an expired lease, per queue (a Prometheus counter). */
  reclaimed: Record<string, number>;
}

/** A Bus that also reports its counters; both adapters are one. */
export interface ObservableBus extends Bus {
  stats(): BusStats;
  /** The rate limiter shared by every worker on this transport (Redis: exact across processes; in-process: within the process). */
  rateLimiter(): RateLimiter;
}

/** Called for failures that have no caller to throw to (a topic handler, a lost connection). */
export type BusErrorReporter = (error: unknown, context: string) => void;

export const DEFAULT_TOPIC_MAX_LEN = 10_000;

/** Held messages Bus.inspect lists per consumer unless told otherwise. */
export const DEFAULT_HELD_LIMIT = 10;

/** One JSON line on stderr; services pass their own logger instead. */
export const reportToStderr: BusErrorReporter = (error, context) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ level: 50, time: Date.now(), component: 'bus', context, msg: message })}\n`);
};
