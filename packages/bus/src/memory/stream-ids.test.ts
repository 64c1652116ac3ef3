import { describe, expect, it } from 'vitest';
import { compareStreamIds, formatStreamId, parseStreamId, StreamIdGenerator } from './stream-ids.ts';

describe('stream ids', () => {
  it('increase strictly, also within one millisecond', () => {
    const ids = new StreamIdGenerator();
    const many = Array.from({ length: 1_000 }, () => ids.next());
    for (let i = 1; i < many.length; i += 1) expect(compareStreamIds(many[i - 1]!, many[i]!)).toBeLessThan(0);
  });

  it('start from the clock, so they keep growing across restarts', () => {
    const before = Date.now();
    expect(new StreamIdGenerator().next().ms).toBeGreaterThanOrEqual(before);
  });

  it('round-trip through text; "0" is the start; anything else is not an id', () => {
    expect(parseStreamId(formatStreamId({ ms: 1700000000000, seq: 7 }))).toEqual({ ms: 1700000000000, seq: 7 });
    expect(parseStreamId('0')).toEqual({ ms: 0, seq: 0 });
    expect(parseStreamId('$')).toBeUndefined();
    expect(parseStreamId('12-x')).toBeUndefined();
  });
});
