// The Authenticator's revocation check against a real store (PGlite): a key created after the
// cached key list was read is not taken for revoked; a revoked one is, once the cache expires.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@baton/core';
import { createStore } from '@baton/store';
import { Authenticator } from './auth.ts';

let store: Store;

beforeAll(async () => {
  store = await createStore({ kind: 'pglite' });
  await store.migrate();
});
afterAll(async () => {
  await store?.close();
});

describe('Authenticator.stillActive', () => {
  it('keeps a connection of a key newer than the cached key list, and closes it once the key is revoked', async () => {
    let now = 1_000;
    const auth = new Authenticator(store, 60_000, undefined, () => now);
    const old = await store.createApiKey({ name: 'old', role: 'user' });
    const first = await auth.authenticate({ authorization: `Bearer ${old.secret}` });
    expect(await auth.stillActive(first)).toBe(true); // the key list is read and cached now
    const fresh = await store.createApiKey({ name: 'fresh', role: 'user', namespace: 'a' });
    const second = await auth.authenticate({ authorization: `Bearer ${fresh.secret}` });
    expect(second).toMatchObject({ keyId: fresh.record.id, namespace: 'a', via: 'api-key' });
    expect(await auth.stillActive(second)).toBe(true);
    expect(await auth.stillActive(first)).toBe(true);
    await store.revokeApiKey(fresh.record.id);
    now += 60_001; // past the cache
    expect(await auth.stillActive(second)).toBe(false);
    expect(await auth.stillActive(first)).toBe(true);
  });

  it('takes a key that is missing from a list read after it was seen for gone', async () => {
    const auth = new Authenticator(store, 0, undefined);
    const key = await store.createApiKey({ name: 'brief', role: 'user' });
    const principal = await auth.authenticate({ authorization: `Bearer ${key.secret}` });
    expect(await auth.stillActive(principal)).toBe(true);
    expect(await auth.stillActive({ ...principal, keyId: 'no-such-key' })).toBe(false);
  });
});
