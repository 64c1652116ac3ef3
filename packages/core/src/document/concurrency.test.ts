import { describe, expect, it } from 'vitest';
import { Fault } from '../interpreter/fault.ts';
import { concurrencyKey, readConcurrency } from './concurrency.ts';

const doc = (concurrency: unknown) => ({ document: { dsl: '1.0.0', namespace: 'n', name: 'w', version: '1.0.0', metadata: { baton: { concurrency } } }, do: [] });
const paths = (concurrency: unknown) => readConcurrency(doc(concurrency)).problems.map((p) => p.path);

describe('readConcurrency', () => {
  it('reads limit, key and strategy (queue by default)', () => {
    expect(readConcurrency(doc({ limit: 3, key: '${ .customerId }' })).concurrency).toEqual({ limit: 3, key: '.customerId', strategy: 'queue' });
    expect(readConcurrency(doc({ limit: 1, strategy: 'cancel-oldest' })).concurrency).toEqual({ limit: 1, strategy: 'cancel-oldest' });
    expect(readConcurrency({ document: {}, do: [] })).toEqual({ problems: [] });
  });

  it('names the path of each problem', () => {
    expect(paths({})).toEqual(['/document/metadata/baton/concurrency/limit']);
    expect(paths({ limit: 2.5 })).toEqual(['/document/metadata/baton/concurrency/limit']);
    expect(paths({ limit: 10_001 })).toEqual(['/document/metadata/baton/concurrency/limit']);
    expect(paths({ limit: 1, strategy: 'fifo' })).toEqual(['/document/metadata/baton/concurrency/strategy']);
    expect(paths({ limit: 1, key: '.a' })).toEqual(['/document/metadata/baton/concurrency/key']);
    expect(paths({ limit: 1, key: '${ .a[ }' })).toEqual(['/document/metadata/baton/concurrency/key']);
    expect(paths({ limit: 1, key: '${ $secrets.x }' })).toEqual(['/document/metadata/baton/concurrency/key']);
    expect(paths({ limit: 1, max: 2 })).toEqual(['/document/metadata/baton/concurrency/max']);
    expect(paths([1])).toEqual(['/document/metadata/baton/concurrency']);
  });
});

describe('concurrencyKey', () => {
  it('is the JSON text of the value; no key is one key for all runs', () => {
    expect(concurrencyKey({ limit: 1, strategy: 'queue' }, { a: 1 })).toBe('');
    expect(concurrencyKey({ limit: 1, strategy: 'queue', key: '.c' }, { c: 'acme' })).toBe('"acme"');
    expect(concurrencyKey({ limit: 1, strategy: 'queue', key: '.c' }, { c: 7 })).toBe('7');
    expect(concurrencyKey({ limit: 1, strategy: 'queue', key: '.c' }, {})).toBe('null');
  });

  it('throws the expression error, or a range error for a value too long', () => {
    expect(() => concurrencyKey({ limit: 1, strategy: 'queue', key: '.a.b' }, { a: 5 })).toThrow(Fault);
    expect(() => concurrencyKey({ limit: 1, strategy: 'queue', key: '.a' }, { a: 'x'.repeat(600) })).toThrow(RangeError);
  });
});
