// Who may stream what, on PostgreSQL + Redis: API keys and stream tokens, refused before the
// handshake completes (so before any event could be sent), namespace restrictions honoured per
// subscription, revocation closing open connections.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startFanoutHarness, workflows, type FanoutHarness } from './harness.ts';
import { TestStream, range, seqs, type RefusedHandshake } from './stream-client.ts';

const SECRET = 'fanout-auth-test-secret-0123456789abcdef';

describe('fanout authentication and authorisation', () => {
  let h: FanoutHarness;
  let runA: string;
  let runB: string;
  let keyA: { id: string; secret: string };
  const open: TestStream[] = [];
  const connect = async (credentials: { key?: string; token?: string }) => {
    const stream = await TestStream.connect(h.baton.fanoutUrl, credentials);
    open.push(stream);
    return stream;
  };
  const refused = async (credentials: { key?: string; token?: string; authorization?: string }): Promise<RefusedHandshake> => {
    const result = await TestStream.open(h.baton.fanoutUrl, credentials);
    if (!('refused' in result)) {
      result.close();
      throw new Error(`the handshake was accepted; messages: ${JSON.stringify(result.messages)}`);
    }
    return result;
  };
  const token = async (key: string, body: object = {}) => {
    const res = await h.api<{ token: string; expiresAt: string; namespace?: string }>('POST', '/api/v1/stream-tokens', body, key);
    if (res.status !== 201) throw new Error(`token refused: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  beforeAll(async () => {
    h = await startFanoutHarness('servers', { BATON_STREAM_TOKEN_SECRET: SECRET, BATON_AUTH_CACHE_MS: '200', FANOUT_PING_INTERVAL_MS: '200' });
    await h.apply(workflows.ticker('a'));
    await h.apply(workflows.ticker('b'));
    runA = await h.start('ticker', { n: 2 }, 'a');
    runB = await h.start('ticker', { n: 2 }, 'b');
    await h.finish(runA, 'ticker');
    await h.finish(runB, 'ticker');
    keyA = await h.createKey('only-a', 'a');
  });
  afterAll(async () => {
    for (const stream of open) stream.close();
    await h?.close();
  });

  it('refuses the handshake without credentials, with a wrong key, a malformed header or an API key in the URL', async () => {
    const none = await refused({});
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ type: 'https://baton.dev/problems/unauthorized', status: 401 });
    expect(none.body.detail).toMatch(/no credentials/);
    expect((await refused({ key: 'bt_wrong_key_000000000000' })).body.detail).toMatch(/unknown or has been revoked/);
    expect((await refused({ authorization: 'Basic abc' })).status).toBe(401);
    expect((await refused({ token: ADMIN_KEY })).body.detail).toMatch(/never an API key/);
  });

  it('lets a namespace-restricted key stream its namespace only, sending nothing of another', async () => {
    const stream = await connect({ key: keyA.secret });
    expect((await stream.waitFor((m) => m.hello)).hello).toMatchObject({ key: 'only-a', namespace: 'a' });
    const denied = await stream.subscribe({ run: runB }, 'b-run');
    expect(denied.error).toMatchObject({ status: 403, type: 'https://baton.dev/problems/forbidden' });
    expect((await stream.subscribe({ namespace: 'b' })).error.status).toBe(403);
    expect((await stream.subscribe({ workflow: { namespace: 'b', name: 'ticker' } })).error.status).toBe(403);
    expect(stream.events()).toEqual([]);
    await stream.subscribe({ namespace: 'a' });
    await stream.subscribe({ run: runA });
    await stream.waitForEnd(runA);
    // A live run of namespace b reaches neither subscription.
    const liveB = await h.start('ticker', { n: 2 }, 'b');
    const liveA = await h.start('ticker', { n: 2 }, 'a');
    await stream.waitForEnd(liveA);
    await h.finish(liveB, 'ticker');
    expect(new Set(stream.events().map((e) => e.runid))).toEqual(new Set([runA, liveA]));
  });

  it('accepts a valid stream token (header or ?token=) limited to its namespace', async () => {
    const minted = await token(keyA.secret);
    expect(minted.namespace).toBe('a');
    expect(Date.parse(minted.expiresAt) - Date.now()).toBeGreaterThan(50_000);
    for (const credentials of [{ token: minted.token }, { key: minted.token }]) {
      const stream = await connect(credentials);
      await stream.subscribe({ run: runA });
      await stream.waitFor((m) => m.caughtUp);
      expect(seqs(stream.events(runA))).toEqual(range(1, (await h.events(runA)).length));
      expect((await stream.subscribe({ run: runB }, 'b')).error.status).toBe(403);
    }
    // An unrestricted key may narrow its token; a restricted one may not widen it.
    const narrowed = await token(ADMIN_KEY, { namespace: 'b' });
    const stream = await connect({ token: narrowed.token });
    expect((await stream.subscribe({ run: runA }, 'a')).error.status).toBe(403);
    expect((await h.api('POST', '/api/v1/stream-tokens', { namespace: 'b' }, keyA.secret)).status).toBe(403);
    expect((await h.api('POST', '/api/v1/stream-tokens', { ttlSeconds: 0 }, keyA.secret)).status).toBe(400);
    expect((await h.api('POST', '/api/v1/stream-tokens', {}, 'bt_wrong_key_000000000000')).status).toBe(401);
  });

  it('refuses expired and forged tokens before the handshake', async () => {
    const short = await token(ADMIN_KEY, { ttlSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expired = await refused({ token: short.token });
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toMatch(/expired/);
    const valid = (await token(keyA.secret)).token;
    const [prefix, body, signature] = valid.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    delete claims.ns; // try to lift the namespace restriction
    const forged = `${prefix}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    expect((await refused({ token: forged })).body.detail).toMatch(/signature is invalid/);
    expect((await refused({ token: `${prefix}.${body}.${'A'.repeat(43)}` })).status).toBe(401);
    expect((await refused({ token: 'bst1.garbage' })).body.detail).toMatch(/malformed/);
  });

  it('closes connections of a revoked key (4001) and refuses its tokens', async () => {
    const doomed = await h.createKey('doomed', 'a');
    const minted = await token(doomed.secret);
    const byKey = await connect({ key: doomed.secret });
    const byToken = await connect({ token: minted.token });
    await byKey.subscribe({ namespace: 'a' });
    await byToken.subscribe({ namespace: 'a' });
    expect((await h.api('DELETE', `/api/v1/keys/${doomed.id}`)).status).toBe(204);
    expect((await byKey.closed).code).toBe(4001);
    expect((await byToken.closed).code).toBe(4001);
    await new Promise((resolve) => setTimeout(resolve, 300)); // past BATON_AUTH_CACHE_MS
    expect((await refused({ key: doomed.secret })).status).toBe(401);
    expect((await refused({ token: minted.token })).body.detail).toMatch(/revoked/);
  });
});
