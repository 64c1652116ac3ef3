import { describe, expect, it } from 'vitest';
import { correlationValues, matchEvent } from './events.ts';
import type { CloudEvent } from './types.ts';

const event = (extra: Partial<CloudEvent> = {}): CloudEvent => ({ specversion: '1.0', id: '1', source: 'https://shop.example/orders', type: 'order.placed', data: { total: 120, items: ['a'] }, ...extra });

describe('matchEvent', () => {
  it('matches attributes exactly or as a whole-string regular expression', () => {
    expect(matchEvent({ with: { type: 'order.placed' } }, event())).toBe(true);
    expect(matchEvent({ with: { type: 'order.cancelled' } }, event())).toBe(false);
    expect(matchEvent({ with: { source: 'https://shop\\.example/.*' } }, event())).toBe(true);
    expect(matchEvent({ with: { source: 'shop' } }, event())).toBe(false);
    expect(matchEvent({ with: { type: '([' } }, event({ type: '([' }))).toBe(true); // an invalid regex still matches itself
  });

  it('evaluates a data condition on the event data', () => {
    expect(matchEvent({ with: { data: '${ .total > 100 }' } }, event())).toBe(true);
    expect(matchEvent({ with: { data: '${ .total > 200 }' } }, event())).toBe(false);
    expect(matchEvent({ with: { data: '${ .total.nope }' } }, event())).toBe(false);
  });

  it('matches object values as subsets', () => {
    expect(matchEvent({ with: { data: { total: 120 } } }, event())).toBe(true);
    expect(matchEvent({ with: { data: { total: 1 } } }, event())).toBe(false);
    expect(matchEvent({ with: { data: { items: ['a'] } } }, event())).toBe(true);
  });

  it('an empty filter matches every event', () => {
    expect(matchEvent({}, event())).toBe(true);
  });

  it('compares correlations with expect, or with values recorded earlier', () => {
    const filter = { with: { type: 'order.placed' }, correlate: { total: { from: '.data.total' } } };
    expect(matchEvent(filter, event())).toBe(true);
    expect(matchEvent(filter, event(), { correlation: { total: 120 } })).toBe(true);
    expect(matchEvent(filter, event(), { correlation: { total: 5 } })).toBe(false);
    expect(matchEvent({ correlate: { total: { from: '${ .data.total }', expect: 120 } } }, event())).toBe(true);
    expect(correlationValues(filter, event())).toEqual({ total: 120 });
  });
});
