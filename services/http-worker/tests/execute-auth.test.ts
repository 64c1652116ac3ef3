// Authentication (basic, bearer, digest, secret-based), Idempotency-Key, deferred $secrets and redaction.
import { ALL_NAMESPACES, ErrorTypes, withGrants } from '@baton/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAgent, executeHttpCall, httpWorkerOptions } from '../src/index.ts';
import { digestVerifier, sendJson, startServer, type TestServer } from './test-server.ts';

const options = httpWorkerOptions({ connectTimeoutMs: 2_000, timeoutMs: 5_000 });
// Granted to every namespace: `{ use: NAME }` policies built by hand here reach the worker
// unresolved, like tasks queued by an older version (execute-secrets.test.ts covers namespaces).
const secrets = withGrants(
  {
    apiToken: 'sekret-token-9f3a',
    basicCreds: { username: 'ada', password: 'l0velace!' },
    digestCreds: { username: 'mufasa', password: 'circle of life' },
    bearerObject: { token: 'obj-token-77aa' },
  },
  { apiToken: [ALL_NAMESPACES], basicCreds: [ALL_NAMESPACES], digestCreds: [ALL_NAMESPACES], bearerObject: [ALL_NAMESPACES] },
);
const call = (payload: unknown, attemptId = 'run-9:e4') => executeHttpCall(payload, { attemptId, secrets, options });

const md5Digest = digestVerifier({ realm: 'md5@test', username: 'mufasa', password: 'circle of life', algorithm: 'MD5' });
const shaDigest = digestVerifier({ realm: 'sha@test', username: 'mufasa', password: 'circle of life', algorithm: 'SHA-256' });
let server: TestServer;

beforeAll(async () => {
  server = await startServer((request, response) => {
    const url = new URL(request.url, 'http://x');
    const authorization = request.headers.authorization;
    if (url.pathname === '/basic') {
      const expected = `Basic ${Buffer.from('ada:l0velace!').toString('base64')}`;
      return authorization === expected ? sendJson(response, 200, { user: 'ada' }) : sendJson(response, 401, { error: 'bad credentials' });
    }
    if (url.pathname === '/bearer') {
      return sendJson(response, authorization?.startsWith('Bearer ') ? 200 : 401, { token: authorization?.slice(7) ?? null });
    }
    if (url.pathname === '/digest-md5' || url.pathname === '/digest-sha') {
      const verifier = url.pathname === '/digest-md5' ? md5Digest : shaDigest;
      if (verifier.verify(request.method, authorization)) return sendJson(response, 200, { digest: 'ok', body: request.body });
      return sendJson(response, 401, { error: 'digest required' }, { 'www-authenticate': verifier.challenge() });
    }
    if (url.pathname === '/fail') return sendJson(response, 500, { error: 'boom' });
    return sendJson(response, 200, { url: request.url, headers: request.headers });
  });
});

afterAll(async () => {
  await closeAgent(options);
  await server.close();
});

const endpoint = (path: string, authentication?: unknown) => ({ uri: `${server.url}${path}`, ...(authentication ? { authentication } : {}) });

describe('authentication', () => {
  it('basic, inline and from a secret', async () => {
    expect(await call({ method: 'get', endpoint: endpoint('/basic', { basic: { username: 'ada', password: 'l0velace!' } }) })).toEqual({ ok: true, output: { user: 'ada' } });
    expect(await call({ method: 'get', endpoint: endpoint('/basic', { basic: { use: 'basicCreds' } }) })).toEqual({ ok: true, output: { user: 'ada' } });
    expect(await call({ method: 'get', endpoint: endpoint('/basic', { basic: { username: 'ada', password: 'wrong' } }) })).toMatchObject({ ok: false, error: { status: 401 } });
  });

  it('bearer, inline and from a secret (string or { token })', async () => {
    // The server echoes the token it received: the output masks it (a credential), the request carried it.
    expect(await call({ method: 'get', endpoint: endpoint('/bearer', { bearer: { token: 'inline-tok' } }) })).toEqual({ ok: true, output: { token: '***' } });
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer inline-tok');
    expect(await call({ method: 'get', endpoint: endpoint('/bearer', { bearer: { use: 'apiToken' } }) })).toEqual({ ok: true, output: { token: '***' } });
    expect(server.requests.at(-1)?.headers.authorization).toBe(`Bearer ${secrets.apiToken}`);
    expect(await call({ method: 'get', endpoint: endpoint('/bearer', { bearer: { use: 'bearerObject' } }) })).toEqual({ ok: true, output: { token: '***' } });
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer obj-token-77aa');
  });

  it('digest with MD5 and SHA-256, answering the challenge once', async () => {
    const before = server.requests.length;
    const md5 = await call({ method: 'post', endpoint: endpoint('/digest-md5?x=1', { digest: { username: 'mufasa', password: 'circle of life' } }), body: { a: 1 } });
    expect(md5).toEqual({ ok: true, output: { digest: 'ok', body: '{"a":1}' } });
    expect(server.requests.length - before).toBe(2);
    expect(await call({ method: 'get', endpoint: endpoint('/digest-sha', { digest: { use: 'digestCreds' } }) })).toEqual({ ok: true, output: { digest: 'ok', body: '' } });
  });

  it('digest with a wrong password fails with the 401 after one retry', async () => {
    const before = server.requests.length;
    const outcome = await call({ method: 'get', endpoint: endpoint('/digest-md5', { digest: { username: 'mufasa', password: 'nope' } }) });
    expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.communication, status: 401 } });
    expect(server.requests.length - before).toBe(2);
  });

  it('refuses unsupported schemes as configuration errors, missing secrets as authorization errors (403)', async () => {
    const oauth = await call({ method: 'get', endpoint: endpoint('/bearer', { oauth2: { authority: 'https://idp', grant: 'client_credentials' } }) });
    expect(oauth).toMatchObject({ ok: false, error: { type: ErrorTypes.configuration, detail: expect.stringContaining('"oauth2" is not supported') } });
    const missing = await call({ method: 'get', endpoint: endpoint('/bearer', { bearer: { use: 'nope' } }) });
    expect(missing).toMatchObject({ ok: false, error: { type: ErrorTypes.authorization, status: 403, detail: expect.stringContaining('secret "nope" does not exist or is not granted') } });
    const unresolved = await call({ method: 'get', endpoint: endpoint('/bearer', { use: 'somePolicy' }) });
    expect(unresolved).toMatchObject({ ok: false, error: { type: ErrorTypes.configuration, detail: expect.stringContaining('"somePolicy" was not resolved') } });
  });
});

describe('Idempotency-Key', () => {
  it('is the attempt id, the same on every execution and on the digest retry', async () => {
    await call({ method: 'post', endpoint: endpoint('/echo') }, 'run-7:e12');
    await call({ method: 'post', endpoint: endpoint('/echo') }, 'run-7:e12');
    const before = server.requests.length;
    await call({ method: 'get', endpoint: endpoint('/digest-sha', { digest: { use: 'digestCreds' } }) }, 'run-7:e13');
    const keys = server.requests.map((request) => request.headers['idempotency-key']);
    expect(keys.slice(-4, -2)).toEqual(['run-7:e12', 'run-7:e12']);
    expect(keys.slice(before)).toEqual(['run-7:e13', 'run-7:e13']);
  });

  it('keeps a key the workflow set itself', async () => {
    await call({ method: 'post', endpoint: endpoint('/echo'), headers: { 'Idempotency-Key': 'mine' } });
    expect(server.requests.at(-1)?.headers['idempotency-key']).toBe('mine');
  });
});

describe('deferred $secrets', () => {
  const deferred = (source: string, input: unknown = {}) => ({ $deferred: source, input, context: {} });

  it('resolves them and keeps them out of the output and of errors', async () => {
    const payload = {
      method: 'get',
      endpoint: endpoint('/echo'),
      headers: { authorization: deferred('"Bearer " + $secrets.apiToken'), 'x-api-key': deferred('$secrets.bearerObject.token') },
      query: { key: deferred('$secrets.apiToken'), user: deferred('.user', { user: 'bob' }) },
      output: 'response',
    };
    const outcome = await call(payload);
    const sent = server.requests.at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${secrets.apiToken}`);
    expect(sent.headers['x-api-key']).toBe('obj-token-77aa');
    expect(new URL(sent.url, 'http://x').searchParams.get('user')).toBe('bob');
    expect(outcome).toMatchObject({ ok: true, output: { request: { headers: { authorization: '***', 'x-api-key': '***' }, uri: `${server.url}/echo?key=***&user=bob` } } });
    const { request } = (outcome as { output: { request: unknown } }).output;
    expect(JSON.stringify(request)).not.toContain(secrets.apiToken);

    const failed = await call({ ...payload, endpoint: endpoint('/fail') });
    expect(failed).toMatchObject({ ok: false, error: { status: 500 } });
    expect(JSON.stringify(failed)).not.toContain(secrets.apiToken);
    expect(JSON.stringify(failed)).toContain('***');
  });

  it('reports a failing secret expression as an expression error without the secret', async () => {
    const outcome = await call({ method: 'get', endpoint: endpoint('/echo'), headers: { x: deferred('$secrets.apiToken | tonumber') } });
    expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.expression, status: 400 } });
    expect(JSON.stringify(outcome)).not.toContain(secrets.apiToken);
  });
});
