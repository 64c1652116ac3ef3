// The limiter on Redis: one Lua script per call reads and writes a limit's TAT atomically, on
// Redis's own clock (TIME), so any number of workers in any number of processes share it exactly.
// The key expires a period after the bucket is full again (nothing to remember then).
import { periodMs, type Acquired, type RateLimitSpec, type RateLimiter } from '@baton/core';
import type { Redis } from 'ioredis';

type Spec = Pick<RateLimitSpec, 'per' | 'limit'>;

/** KEYS[1] the limit's TAT; ARGV mode (reserve | check | charge), periodMs, limit, cost. Returns { ok (1/0), until }. */
export const GCRA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local period = tonumber(ARGV[2])
local interval = period / tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
if ARGV[1] == 'check' then
  if tat - period < now then return {1, '0'} end
  return {0, string.format('%.0f', math.ceil(tat - period) + 1)}
end
local nextTat = tat + tonumber(ARGV[4]) * interval
redis.call('SET', KEYS[1], string.format('%.3f', nextTat), 'PX', math.ceil(nextTat - now + period))
if ARGV[1] == 'charge' then return {1, '0'} end
local allowed = nextTat - period
if allowed <= now then return {1, '0'} end
return {0, string.format('%.0f', math.ceil(allowed))}`;

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keyOf: (key: string) => string,
  ) {}

  async reserve(key: string, spec: Spec, cost: number): Promise<Acquired> {
    return this.run('reserve', key, spec, cost);
  }

  async check(key: string, spec: Spec): Promise<Acquired> {
    return this.run('check', key, spec, 0);
  }

  async charge(key: string, spec: Spec, cost: number): Promise<void> {
    await this.run('charge', key, spec, cost);
  }

  private async run(mode: string, key: string, spec: Spec, cost: number): Promise<Acquired> {
    const [ok, until] = (await this.redis.eval(GCRA_SCRIPT, 1, this.keyOf(key), mode, periodMs(spec.per), spec.limit, cost)) as [number, string];
    return ok === 1 ? { ok: true } : { ok: false, until: Number(until) };
  }
}
