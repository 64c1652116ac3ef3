// The limiter's two adapters pass one suite: the in-process one on a fake clock, the Redis one on
// the real Redis (its own clock, so its checks allow a few ms of round trip).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { RateLimiter } from '@baton/core';
import { charge, check, reserve } from './gcra.ts';
import { MemoryRateLimiter } from './memory-limiter.ts';
import { RedisRateLimiter } from './redis-limiter.ts';

describe('gcra', () => {
  const g = { periodMs: 1_000, limit: 4 };
  it('lets a burst of limit through, then one per interval, reserving the slots it hands out', () => {
    let tat = 0;
    const answers = [];
    for (let i = 0; i < 6; i += 1) {
      const r = reserve(tat, 10_000, g, 1);
      tat = r.tat;
      answers.push(r.acquired);
    }
    expect(answers).toEqual([{ ok: true }, { ok: true }, { ok: true }, { ok: true }, { ok: false, until: 10_250 }, { ok: false, until: 10_500 }]);
  });
  it('charges after the fact: room while the bucket is not empty, then waits out the overdraft', () => {
    const tokens = { periodMs: 60_000, limit: 600 };
    let tat = charge(0, 0, tokens, 200);
    expect(check(tat, 1, tokens)).toEqual({ ok: true });
    tat = charge(tat, 1, tokens, 200);
    tat = charge(tat, 2, tokens, 200);
    expect(check(tat, 3, tokens)).toEqual({ ok: true });
    tat = charge(tat, 3, tokens, 200);
    expect(check(tat, 4, tokens)).toEqual({ ok: false, until: 20_001 });
    expect(check(tat, 20_001, tokens)).toEqual({ ok: true });
  });
});

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
afterAll(() => redis.quit());

describe.each<[string, () => { limiter: RateLimiter; slack: number }]>([
  ['in-process', () => ({ limiter: new MemoryRateLimiter(), slack: 5 })],
  ['redis', () => {
    const prefix = `baton-test:${randomUUID()}:rl:`;
    return { limiter: new RedisRateLimiter(redis, (key) => `${prefix}${key}`), slack: 50 };
  }],
])('%s limiter', (_name, make) => {
  it('reserves slots one interval apart after a burst, across limits independently', async () => {
    const { limiter, slack } = make();
    const spec = { per: 'second' as const, limit: 2 };
    // The burst's first slot is taken at some instant between `before` and its answer (on Redis's
    // clock, for the Redis limiter: the first call also connects, which on a loaded machine takes
    // longer than any slack).
    const before = Date.now();
    const answers = [await limiter.reserve('ns/a', spec, 1)];
    const firstAnswered = Date.now();
    for (let i = 1; i < 4; i += 1) answers.push(await limiter.reserve('ns/a', spec, 1));
    expect(answers.slice(0, 2)).toEqual([{ ok: true }, { ok: true }]);
    const [third, fourth] = answers.slice(2) as { ok: false; until: number }[];
    expect(third!.until - before).toBeGreaterThanOrEqual(500 - slack);
    expect(third!.until - firstAnswered).toBeLessThanOrEqual(500 + slack);
    expect(fourth!.until - third!.until).toBeGreaterThanOrEqual(499);
    expect(fourth!.until - third!.until).toBeLessThanOrEqual(501);
    expect(await limiter.reserve('ns/b', spec, 1)).toEqual({ ok: true });
  });
  it('checks room for tokens and charges what was used', async () => {
    const { limiter } = make();
    const spec = { per: 'minute' as const, limit: 600 };
    expect(await limiter.check('ns/t', spec)).toEqual({ ok: true });
    await limiter.charge('ns/t', spec, 1_200);
    const wait = await limiter.check('ns/t', spec);
    expect(wait.ok).toBe(false);
    if (!wait.ok) expect(wait.until - Date.now()).toBeGreaterThan(55_000);
  });
});
