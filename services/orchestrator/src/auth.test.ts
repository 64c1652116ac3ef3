// ApiKeyCache on a real (PGlite) store, with a controlled clock; the store is only counted.
import type { Store } from '@baton/core';
import { createStore } from '@baton/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyCache } from './auth.ts';

describe('ApiKeyCache', () => {
  let store: Store;
  let lookups = 0;
  let now = 1_000_000;
  const counted: Pick<Store, 'verifyApiKey'> = {
    verifyApiKey: (secret) => {
      lookups += 1;
      return store.verifyApiKey(secret);
    },
  };

  beforeAll(async () => {
    store = await createStore({ kind: 'pglite' });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
  });

  it('answers from memory within the window, from the store after it', async () => {
    const { record, secret } = await store.createApiKey({ name: 'k', role: 'user' });
    const cache = new ApiKeyCache(counted, 5000, () => now);
    lookups = 0;
    expect((await cache.verify(secret))?.id).toBe(record.id);
    expect((await cache.verify(secret))?.id).toBe(record.id);
    expect(lookups).toBe(1);
    await store.revokeApiKey(record.id);
    now += 4999;
    expect((await cache.verify(secret))?.id).toBe(record.id);
    now += 2;
    expect(await cache.verify(secret)).toBeUndefined();
    expect(lookups).toBe(2);
  });

  it('caches unknown keys too, and shares one lookup between concurrent checks', async () => {
    const cache = new ApiKeyCache(counted, 5000, () => now);
    lookups = 0;
    const results = await Promise.all(Array.from({ length: 5 }, () => cache.verify('bt_unknown-key-0123456789')));
    expect(results.every((r) => r === undefined)).toBe(true);
    expect(await cache.verify('bt_unknown-key-0123456789')).toBeUndefined();
    expect(lookups).toBe(1);
  });

  it('forgetKey makes a revocation immediate; ttl 0 disables caching', async () => {
    const { record, secret } = await store.createApiKey({ name: 'k2', role: 'user' });
    const cache = new ApiKeyCache(counted, 5000, () => now);
    expect(await cache.verify(secret)).toBeDefined();
    await store.revokeApiKey(record.id);
    cache.forgetKey(record.id);
    expect(await cache.verify(secret)).toBeUndefined();

    const uncached = new ApiKeyCache(counted, 0, () => now);
    lookups = 0;
    await uncached.verify(secret);
    await uncached.verify(secret);
    expect(lookups).toBe(2);
  });
});
