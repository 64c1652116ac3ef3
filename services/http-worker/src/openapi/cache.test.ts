import { describe, expect, it } from 'vitest';
import { DocumentCache, freshness } from './cache.ts';
import type { OpenApiDocument } from './document.ts';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const doc = (name: string) => ({ version: name }) as unknown as OpenApiDocument;

describe('freshness', () => {
  it('max-age less Age; no-cache and missing freshness mean revalidate; no-store is never kept', () => {
    expect(freshness({ 'cache-control': 'public, max-age=60' }, T0)).toEqual({ storable: true, freshUntil: T0 + 60_000 });
    expect(freshness({ 'cache-control': 'max-age=60', age: '45' }, T0)).toEqual({ storable: true, freshUntil: T0 + 15_000 });
    expect(freshness({ 'cache-control': 'max-age=60', age: '600' }, T0)).toEqual({ storable: false, freshUntil: T0 });
    expect(freshness({ 'cache-control': 'no-cache, max-age=60', etag: '"a"' }, T0)).toEqual({ storable: true, freshUntil: T0 });
    expect(freshness({ etag: '"a"' }, T0)).toEqual({ storable: true, freshUntil: T0 });
    expect(freshness({ 'last-modified': 'Tue, 01 Dec 2026 09:00:00 GMT' }, T0)).toEqual({ storable: true, freshUntil: T0 });
    expect(freshness({}, T0)).toEqual({ storable: false, freshUntil: T0 });
    expect(freshness({ 'cache-control': 'no-store, max-age=60', etag: '"a"' }, T0)).toEqual({ storable: false, freshUntil: 0 });
    expect(freshness({ 'cache-control': 'max-age=oops', etag: '"a"' }, T0)).toEqual({ storable: true, freshUntil: T0 });
  });

  it('Expires against the response Date when there is no max-age', () => {
    const headers = { date: 'Tue, 01 Dec 2026 10:00:00 GMT', expires: 'Tue, 01 Dec 2026 10:05:00 GMT' };
    expect(freshness(headers, T0 + 1_000)).toEqual({ storable: true, freshUntil: T0 + 1_000 + 300_000 });
    expect(freshness({ ...headers, 'cache-control': 'max-age=10' }, T0)).toEqual({ storable: true, freshUntil: T0 + 10_000 });
    expect(freshness({ expires: '0' }, T0)).toEqual({ storable: false, freshUntil: T0 });
  });
});

describe('DocumentCache', () => {
  it('an entry is fresh until max-age runs out; a 304 renews it with the new headers', () => {
    let now = T0;
    const cache = new DocumentCache(undefined, () => now);
    cache.store('k', doc('v1'), { 'cache-control': 'max-age=10', etag: '"v1"' }, 100);
    now = T0 + 9_999;
    expect(cache.isFresh(cache.get('k')!)).toBe(true);
    now = T0 + 10_000;
    const stale = cache.get('k')!;
    expect(cache.isFresh(stale)).toBe(false);
    cache.revalidated('k', stale, { 'cache-control': 'max-age=30' });
    expect(cache.get('k')).toMatchObject({ document: { version: 'v1' }, headers: { etag: '"v1"', 'cache-control': 'max-age=30' }, freshUntil: T0 + 40_000 });
    cache.revalidated('k', stale, { 'cache-control': 'no-store' });
    expect(cache.get('k')).toBeUndefined();
  });

  it('keeps nothing it could never use, and evicts the least recently used past its entries or bytes', () => {
    const cache = new DocumentCache({ maxEntries: 2, maxBytes: 1_000 }, () => T0);
    cache.store('none', doc('x'), {}, 10);
    cache.store('no-store', doc('x'), { 'cache-control': 'no-store', etag: '"a"' }, 10);
    cache.store('too-big', doc('x'), { etag: '"a"' }, 1_001);
    expect(cache.size).toBe(0);
    cache.store('a', doc('a'), { etag: '"a"' }, 400);
    cache.store('b', doc('b'), { etag: '"b"' }, 400);
    cache.get('a');
    cache.store('c', doc('c'), { etag: '"c"' }, 10);
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map((e) => e?.document.version)).toEqual(['a', undefined, 'c']);
    cache.store('d', doc('d'), { etag: '"d"' }, 900); // 1,310 bytes: the oldest (a) goes
    expect([cache.get('a'), cache.get('c'), cache.get('d')].map((e) => e?.document.version)).toEqual([undefined, 'c', 'd']);
  });
});
