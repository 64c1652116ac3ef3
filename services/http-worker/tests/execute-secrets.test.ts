// Secrets in the http-worker (issue #12, row 8): a namespace reads only secrets granted to it
// (403 authorization otherwise, before anything is sent), and a secret a called server echoes
// back is masked in the output and in `error.response`.
import { ErrorTypes, SECRET_MASK, withGrants } from '@baton/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAgent, executeHttpCall, httpWorkerOptions } from '../src/index.ts';
import { sendJson, startServer, type TestServer } from './test-server.ts';

const DEMO = 'demo-secret-b7f2c9';
const B_ONLY = 'team-b-secret-41d0';
const LOGIN = { username: 'svc-user', password: 'p4ss/word+é' };
const secrets = withGrants({ DEMO, B_ONLY, LOGIN }, { DEMO: ['team-a'], B_ONLY: ['team-b'], LOGIN: ['team-a'] });
const options = httpWorkerOptions({ connectTimeoutMs: 2_000, timeoutMs: 5_000 });
const call = (payload: unknown) => executeHttpCall(payload, { attemptId: 'run-s:e1', secrets, options });
const deferred = (source: string, namespace = 'team-a') => ({ $deferred: source, input: {}, context: {}, namespace });

let server: TestServer;

beforeAll(async () => {
  // Echoes what it received, with the status the path asks for: a server that reflects secrets.
  server = await startServer((request, response) => {
    const status = Number(new URL(request.url, 'http://x').searchParams.get('status') ?? 200);
    sendJson(response, status, { url: request.url, authorization: request.headers.authorization ?? null, token: request.headers['x-token'] ?? null, body: request.body });
  });
});

afterAll(async () => {
  await closeAgent(options);
  await server.close();
});

describe('secrets scoped per namespace', () => {
  it("a task of namespace team-a cannot read team-b's secret: 403 authorization, nothing sent", async () => {
    const before = server.requests.length;
    const outcome = await call({ method: 'get', endpoint: `${server.url}/x`, headers: { 'x-token': deferred('$secrets.B_ONLY') } });
    expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.authorization, status: 403, detail: expect.stringContaining('secret "B_ONLY" does not exist or is not granted to namespace "team-a"') } });
    expect(server.requests.length).toBe(before);
    expect(JSON.stringify(outcome)).not.toContain(B_ONLY);
  });

  it('a secret that does not exist is the same 403; team-b reads its own secret', async () => {
    expect(await call({ method: 'get', endpoint: `${server.url}/x`, headers: { 'x-token': deferred('$secrets.NOPE') } })).toMatchObject({ ok: false, error: { type: ErrorTypes.authorization, status: 403 } });
    const own = await call({ method: 'get', endpoint: `${server.url}/x`, headers: { 'x-token': deferred('$secrets.B_ONLY', 'team-b') } });
    expect(own.ok).toBe(true);
    expect(server.requests.at(-1)?.headers['x-token']).toBe(B_ONLY);
  });

  it('a task without a namespace (queued by an older version) reads only secrets granted to *', async () => {
    const outcome = await call({ method: 'get', endpoint: `${server.url}/x`, headers: { 'x-token': { $deferred: '$secrets.DEMO', input: {}, context: {} } } });
    expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.authorization, status: 403 } });
    const legacyUse = await call({ method: 'get', endpoint: { uri: `${server.url}/x`, authentication: { bearer: { use: 'DEMO' } } } });
    expect(legacyUse).toMatchObject({ ok: false, error: { type: ErrorTypes.authorization, status: 403 } });
  });

  it('reads a secret-based policy deferred by the runner ({ bearer: $secrets["NAME"] })', async () => {
    const outcome = await call({ method: 'get', endpoint: { uri: `${server.url}/x`, authentication: { bearer: deferred('$secrets["DEMO"]') } } });
    expect(outcome.ok).toBe(true);
    expect(server.requests.at(-1)?.headers.authorization).toBe(`Bearer ${DEMO}`);
  });
});

describe('masking what a called server echoes', () => {
  it('row 8: a secret echoed in an error response is masked in error.response and error.detail', async () => {
    const outcome = await call({ method: 'post', endpoint: `${server.url}/x?status=400`, headers: { 'x-token': deferred('$secrets.DEMO') }, body: { note: deferred('"key=" + $secrets.DEMO') } });
    expect(server.requests.at(-1)?.headers['x-token']).toBe(DEMO);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toMatchObject({ type: ErrorTypes.communication, status: 400 });
    expect((outcome.error.response as { content: Record<string, unknown> }).content).toMatchObject({ token: SECRET_MASK, body: `{"note":"key=${SECRET_MASK}"}` });
    expect(outcome.error.detail).toContain(SECRET_MASK);
    expect(JSON.stringify(outcome)).not.toContain(DEMO);
  });

  it('masks a successful echo too, and the basic-auth header (base64 of user:password) and URL-encoded secrets', async () => {
    const outcome = await call({
      method: 'get',
      endpoint: { uri: `${server.url}/x`, authentication: { basic: deferred('$secrets.LOGIN') } },
      query: { p: deferred('$secrets.LOGIN.password') },
      output: 'response',
    });
    expect(server.requests.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from(`${LOGIN.username}:${LOGIN.password}`).toString('base64')}`);
    expect(outcome).toMatchObject({ ok: true, output: { statusCode: 200, content: { authorization: `Basic ${SECRET_MASK}` } } });
    const text = JSON.stringify(outcome);
    expect(text).not.toContain(LOGIN.password);
    expect(text).not.toContain(encodeURIComponent(LOGIN.password));
    expect(text).not.toContain(Buffer.from(`${LOGIN.username}:${LOGIN.password}`).toString('base64'));
  });

  it('masks literal credentials of the workflow (not secrets) in what the server echoes', async () => {
    const outcome = await call({ method: 'get', endpoint: { uri: `${server.url}/x`, authentication: { bearer: { token: 'literal-token-5566' } } } });
    expect(outcome).toMatchObject({ ok: true, output: { authorization: `Bearer ${SECRET_MASK}` } });
  });
});
