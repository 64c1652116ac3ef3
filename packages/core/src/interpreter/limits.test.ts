import { describe, expect, it } from 'vitest';
import { BatonErrorTypes } from '../errors.ts';
import { DEFAULT_LIMITS, formatLimit, jsonSize, limitError, resolveLimits } from './limits.ts';

/** A deterministic generator of JSON values (mulberry32), strings without characters JSON escapes. */
function generator(seed: number) {
  let a = seed;
  const random = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const text = () => Array.from({ length: Math.floor(random() * 12) }, () => pick(['a', 'Z', '0', ' ', 'é', 'ß', '漢', '😀', '-', '_'])).join('');
  const value = (depth: number): unknown => {
    const kind = depth > 4 ? Math.floor(random() * 5) : Math.floor(random() * 7);
    switch (kind) {
      case 0:
        return text();
      case 1:
        return pick([0, 7, -3, 10, 99, 100, 1234567, -98765, 2 ** 53 - 1, 1.5, -0.25, 1e21, 3.14159, 1e-7]);
      case 2:
        return random() < 0.5;
      case 3:
        return null;
      case 4:
        return Math.floor(random() * 1e6);
      case 5:
        return Array.from({ length: Math.floor(random() * 5) }, () => (random() < 0.1 ? undefined : value(depth + 1)));
      default:
        return Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, () => [text(), random() < 0.1 ? undefined : value(depth + 1)]));
    }
  };
  return () => value(0);
}

describe('jsonSize', () => {
  it('is the length in UTF-8 bytes of JSON.stringify, for 2,000 generated values', () => {
    const next = generator(12);
    for (let i = 0; i < 2_000; i++) {
      const value = next();
      expect(jsonSize(value, Number.POSITIVE_INFINITY, false), JSON.stringify(value)).toBe(Buffer.byteLength(JSON.stringify(value)));
    }
  });

  it('stops counting once past the limit, without walking the rest', () => {
    const huge = Array.from({ length: 1_000_000 }, (_, i) => ({ i }));
    expect(jsonSize(huge, 100, false)).toBeGreaterThan(100);
    const wide = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 'v'.repeat(100)]));
    expect(jsonSize(wide, 1_000, false)).toBeLessThan(2_000);
  });

  it('does not recurse: 100,000 levels of nesting are measured', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonSize(deep)).toBe(200_001);
  });

  it('remembers the size of a value it measured whole, and uses it inside larger values', () => {
    const inner = { text: 'x'.repeat(1000) };
    expect(jsonSize(inner)).toBe(1011);
    expect(jsonSize({ a: inner, b: inner }, Number.POSITIVE_INFINITY, false)).toBe(JSON.stringify({ a: inner, b: inner }).length);
    // An over-limit measure is not remembered (it is not the size).
    const other = { text: 'y'.repeat(1000) };
    expect(jsonSize(other, 10)).toBeGreaterThan(10);
    expect(jsonSize(other)).toBe(1011);
  });
});

describe('resolveLimits', () => {
  it('takes what is given over the defaults and keeps the defaults for what is not a number >= 0', () => {
    expect(resolveLimits(undefined)).toBe(DEFAULT_LIMITS);
    const limits = resolveLimits({ valueBytes: 10, eventsPerRun: -1, forIterations: Number.NaN, forkBranches: 0 });
    expect(limits).toMatchObject({ valueBytes: 10, eventsPerRun: DEFAULT_LIMITS.eventsPerRun, forIterations: DEFAULT_LIMITS.forIterations, forkBranches: 0 });
    expect(resolveLimits({ stepsPerDecision: 0 }).stepsPerDecision).toBe(1);
  });
});

describe('limitError', () => {
  it('names the limit, its value and how to raise it; sizes are 413, counts 429', () => {
    expect(limitError('valueBytes', 2 ** 20, 'the output is too large', '/do/0/a', 'team-a')).toEqual({
      type: BatonErrorTypes.limitExceeded,
      status: 413,
      title: 'Limit exceeded',
      detail: `the output is too large; the limit valueBytes is 1 MiB. An operator can raise it with BATON_LIMITS='{"namespaces": {"team-a": {"valueBytes": …}}}' (or {"default": {…}} for every namespace)`,
      instance: '/do/0/a',
      limit: 'valueBytes',
      max: 2 ** 20,
    });
    expect(limitError('eventsPerRun', 50_000, 'x', '/')).toMatchObject({ status: 429, detail: expect.stringContaining('is 50,000') });
    expect([formatLimit('stateBytes', 16 * 2 ** 20), formatLimit('valueBytes', 512 * 1024), formatLimit('valueBytes', 1000), formatLimit('forkBranches', 64)]).toEqual(['16 MiB', '512 KiB', '1000 bytes', '64']);
  });
});
