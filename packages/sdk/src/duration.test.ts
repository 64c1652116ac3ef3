import { describe, expect, it } from 'vitest';
import { isoDurationFromMs, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it.each([
    ['PT30S', 30_000],
    ['pt1m30s', 90_000],
    ['PT0.5S', 500],
    ['P1D', 86_400_000],
    ['P1W', 604_800_000],
    ['PT1H', 3_600_000],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1.5h', 5_400_000],
    ['2d', 172_800_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'P', 'PT', 'P1Y', '30', 'abc', '5 minutes', '-5s', 'PT1H2'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('isoDurationFromMs', () => {
  it('writes seconds, with millisecond precision', () => {
    expect(isoDurationFromMs(30_000)).toBe('PT30S');
    expect(isoDurationFromMs(1_500)).toBe('PT1.5S');
    expect(isoDurationFromMs(1)).toBe('PT0.001S');
    expect(isoDurationFromMs(0)).toBe('PT0S');
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 61_234, 3_600_000]) expect(parseDuration(isoDurationFromMs(ms))).toBe(ms);
  });

  it('rejects negative and non-finite values', () => {
    expect(() => isoDurationFromMs(-1)).toThrow(RangeError);
    expect(() => isoDurationFromMs(Number.NaN)).toThrow(RangeError);
  });
});
