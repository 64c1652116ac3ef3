// The in-process limiter of the embedded mode: one process holds every worker, so a Map is exact.
import { periodMs, type Acquired, type RateLimitSpec, type RateLimiter } from '@baton/core';
import { charge, check, reserve, type Gcra } from './gcra.ts';

type Spec = Pick<RateLimitSpec, 'per' | 'limit'>;

export class MemoryRateLimiter implements RateLimiter {
  private readonly tats = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  async reserve(key: string, spec: Spec, cost: number): Promise<Acquired> {
    const { tat, acquired } = reserve(this.tats.get(key) ?? 0, this.clock(), gcraOf(spec), cost);
    this.tats.set(key, tat);
    return acquired;
  }

  async check(key: string, spec: Spec): Promise<Acquired> {
    return check(this.tats.get(key) ?? 0, this.clock(), gcraOf(spec));
  }

  async charge(key: string, spec: Spec, cost: number): Promise<void> {
    this.tats.set(key, charge(this.tats.get(key) ?? 0, this.clock(), gcraOf(spec), cost));
  }
}

export function gcraOf(spec: Spec): Gcra {
  return { periodMs: periodMs(spec.per), limit: spec.limit };
}
