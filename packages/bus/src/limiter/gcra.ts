// The rate limiter's arithmetic (GCRA: the generic cell rate algorithm, a token bucket kept as one
// number). A limit of `limit` per `period` has an emission interval period / limit; the state is
// the theoretical arrival time (TAT) of the next unit. A bucket of `limit` units, refilled
// continuously: up to `limit` at once, then one every interval. The Redis adapter runs the same
// arithmetic in Lua (redis-limiter.ts); the in-process one calls these functions.
import type { Acquired } from '@baton/core';

export interface Gcra {
  periodMs: number;
  limit: number;
}

/** Takes `cost` units: now if the bucket holds them, else reserved at the returned time. Returns the new TAT too. */
export function reserve(tat: number, now: number, gcra: Gcra, cost: number): { tat: number; acquired: Acquired } {
  const next = Math.max(tat, now) + (cost * gcra.periodMs) / gcra.limit;
  const allowedAt = next - gcra.periodMs;
  return { tat: next, acquired: allowedAt <= now ? { ok: true } : { ok: false, until: Math.ceil(allowedAt) } };
}

/** Room now (the bucket not empty)? Else when there will be (a ms after it empties of debt). */
export function check(tat: number, now: number, gcra: Gcra): Acquired {
  const emptyAt = Math.max(tat, now) - gcra.periodMs;
  return emptyAt < now ? { ok: true } : { ok: false, until: Math.ceil(emptyAt) + 1 };
}

/** Charges `cost` units used (may overdraw). */
export function charge(tat: number, now: number, gcra: Gcra, cost: number): number {
  return Math.max(tat, now) + (cost * gcra.periodMs) / gcra.limit;
}
