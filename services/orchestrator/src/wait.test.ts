import { describe, expect, it } from 'vitest';
import { parseIsoDuration } from './wait.ts';

describe('parseIsoDuration', () => {
  it.each([
    ['PT30S', 30_000],
    ['PT1M30S', 90_000],
    ['PT0.5S', 500],
    ['PT0,25S', 250],
    ['PT2H', 7_200_000],
    ['P1D', 86_400_000],
    ['P1DT1S', 86_401_000],
    ['P1W', 604_800_000],
    ['pt10s', 10_000],
    ['PT0S', 0],
  ])('%s = %d ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it.each(['', 'P', 'PT', 'P1M', 'P1Y', '30', 'PT-1S', 'PT1.S', 'soon', 'P1DT', 'PT1S1M'])('rejects %j', (text) => {
    expect(parseIsoDuration(text)).toBeUndefined();
  });
});
