import { describe, expect, it } from 'vitest';
import { DurationError, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it.each([
    ['PT30S', 30_000],
    ['PT0.5S', 500],
    ['P1DT2H', 93_600_000],
    ['PT1H30M', 5_400_000],
    ['P2W', 1_209_600_000],
    ['pt1m', 60_000],
    ['PT1,5S', 1_500],
  ])('parses ISO 8601 %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('parses the inline form', () => {
    expect(parseDuration({ days: 1, hours: 2, minutes: 15, seconds: 30, milliseconds: 5 })).toBe(86_400_000 + 7_200_000 + 900_000 + 30_000 + 5);
    expect(parseDuration({ seconds: 30 })).toBe(30_000);
  });

  it.each(['P', 'PT', '30S', 'P1M', 'P1Y', 'PT1H2', ''])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
  });

  it('rejects bad inline values', () => {
    expect(() => parseDuration({})).toThrow(DurationError);
    expect(() => parseDuration({ weeks: 1 })).toThrow(/weeks/);
    expect(() => parseDuration({ seconds: -1 })).toThrow(DurationError);
    expect(() => parseDuration(5)).toThrow(DurationError);
  });
});
