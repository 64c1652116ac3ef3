import { describe, expect, it } from 'vitest';
import { ConfigError, MAX_TIMER_MS, readInt } from './env.ts';

describe('readInt', () => {
  it('reads an integer, the fallback when unset, and refuses one below its minimum', () => {
    expect(readInt({ X_COUNT: '12' }, 'X_COUNT', 3)).toBe(12);
    expect(readInt({}, 'X_COUNT', 3)).toBe(3);
    expect(() => readInt({ X_COUNT: '0' }, 'X_COUNT', 3, 1)).toThrow(new ConfigError("X_COUNT must be an integer >= 1, got '0'"));
  });

  it('refuses a duration (a name ending in _MS) longer than a Node.js timer keeps: it would fire after 1 ms', () => {
    expect(readInt({ X_POLL_MS: String(MAX_TIMER_MS) }, 'X_POLL_MS', 10)).toBe(MAX_TIMER_MS);
    expect(() => readInt({ X_POLL_MS: '2592000000' }, 'X_POLL_MS', 10)).toThrow(/X_POLL_MS must be at most 2147483647 ms \(24\.8 days.*got '2592000000'/);
    // Not a duration: no such bound.
    expect(readInt({ X_BYTES: '2592000000' }, 'X_BYTES', 10)).toBe(2_592_000_000);
  });
});
