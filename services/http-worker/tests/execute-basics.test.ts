// executeHttpCall against local servers: methods, query, headers, bodies, output modes, errors, redirects.
import { ErrorTypes } from '@baton/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAgent, executeHttpCall, httpWorkerOptions } from '../src/index.ts';
import { sendJson, startServer, type TestServer } from './test-server.ts';

const options = httpWorkerOptions({ connectTimeoutMs: 2_000, timeoutMs: 5_000 });
const call = (payload: unknown, attemptId = 'run-1:e1') => executeHttpCall(payload, { attemptId, secrets: {}, options });

let server: TestServer;
let other: TestServer;

beforeAll(async () => {
  other = await startServer((request, response) => sendJson(response, 200, { at: 'other', authorization: request.headers.authorization ?? null }));
  server = await startServer((request, response) => {
    const url = new URL(request.url, 'http://x');
    switch (url.pathname) {
      case '/echo':
        return sendJson(response, 200, { method: request.method, url: request.url, headers: request.headers, body: request.body });
      case '/text':
        response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        return void response.end('hello, world');
      case '/binary':
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        return void response.end(Buffer.from([0, 1, 2, 250]));
      case '/empty':
        response.writeHead(204);
        return void response.end();
      case '/missing':
        return sendJson(response, 404, { message: 'no pet with id 7' });
      case '/broken':
        response.writeHead(503, { 'content-type': 'text/plain' });
        return void response.end('backend down');
      case '/redirect':
        response.writeHead(302, { location: '/echo?redirected=1' });
        return void response.end();
      case '/see-other':
        response.writeHead(303, { location: '/echo' });
        return void response.end();
      case '/temporary':
        response.writeHead(307, { location: '/echo' });
        return void response.end();
      case '/elsewhere':
        response.writeHead(302, { location: `${other.url}/landing` });
        return void response.end();
      case '/loop':
        response.writeHead(302, { location: '/loop' });
        return void response.end();
      case '/not-modified':
        response.writeHead(304);
        return void response.end();
      default:
        return sendJson(response, 500, { unexpected: url.pathname });
    }
  });
});

afterAll(async () => {
  await closeAgent(options);
  await server.close();
  await other.close();
});

describe('requests', () => {
  it.each(['get', 'post', 'put', 'patch', 'delete', 'options'])('sends %s', async (method) => {
    const outcome = await call({ method, endpoint: `${server.url}/echo` });
    expect(outcome).toMatchObject({ ok: true, output: { method: method.toUpperCase() } });
  });

  it('sends head and yields no content', async () => {
    const outcome = await call({ method: 'head', endpoint: `${server.url}/echo` });
    expect(outcome).toEqual({ ok: true, output: null });
    expect(server.requests.at(-1)?.method).toBe('HEAD');
  });

  it('appends query parameters and sends headers', async () => {
    const outcome = await call({
      method: 'get',
      endpoint: { uri: `${server.url}/echo?a=1` },
      query: { b: 'x y&z', list: [1, 2], obj: { k: true }, skipped: null },
      headers: { 'X-Custom': 'yes', 'X-Count': 5 },
    });
    expect(outcome.ok).toBe(true);
    const echoed = (outcome as { output: { url: string; headers: Record<string, string> } }).output;
    const query = new URL(echoed.url, 'http://x').searchParams;
    expect(query.get('a')).toBe('1');
    expect(query.get('b')).toBe('x y&z');
    expect(query.getAll('list')).toEqual(['1', '2']);
    expect(query.get('obj')).toBe('{"k":true}');
    expect(query.has('skipped')).toBe(false);
    expect(echoed.headers['x-custom']).toBe('yes');
    expect(echoed.headers['x-count']).toBe('5');
  });

  it('JSON-encodes object bodies', async () => {
    const outcome = await call({ method: 'post', endpoint: `${server.url}/echo`, body: { name: 'milou', tags: ['dog'] } });
    expect(outcome).toMatchObject({ ok: true, output: { headers: { 'content-type': 'application/json' }, body: '{"name":"milou","tags":["dog"]}' } });
  });

  it('sends strings as they are and keeps the workflow content-type', async () => {
    const text = await call({ method: 'post', endpoint: `${server.url}/echo`, headers: { 'Content-Type': 'text/plain' }, body: 'just text' });
    expect(text).toMatchObject({ ok: true, output: { headers: { 'content-type': 'text/plain' }, body: 'just text' } });
    const form = await call({ method: 'post', endpoint: `${server.url}/echo`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: { a: 'b c', n: 1 } });
    expect(form).toMatchObject({ ok: true, output: { body: 'a=b+c&n=1' } });
  });
});

describe('output modes', () => {
  it('content: JSON parsed, text as a string, binary as base64, empty as null', async () => {
    expect(await call({ method: 'get', endpoint: `${server.url}/echo` })).toMatchObject({ ok: true, output: { method: 'GET' } });
    expect(await call({ method: 'get', endpoint: `${server.url}/text` })).toEqual({ ok: true, output: 'hello, world' });
    expect(await call({ method: 'get', endpoint: `${server.url}/binary` })).toEqual({ ok: true, output: Buffer.from([0, 1, 2, 250]).toString('base64') });
    expect(await call({ method: 'get', endpoint: `${server.url}/empty` })).toEqual({ ok: true, output: null });
  });

  it('response: request, status, headers and content', async () => {
    const outcome = await call({ method: 'post', endpoint: `${server.url}/text`, output: 'response', headers: { 'x-trace': 't1' }, body: { a: 1 } });
    expect(outcome).toEqual({
      ok: true,
      output: {
        request: { method: 'post', uri: `${server.url}/text`, headers: { 'x-trace': 't1', 'content-type': 'application/json', 'idempotency-key': 'run-1:e1' } },
        statusCode: 200,
        headers: expect.objectContaining({ 'content-type': 'text/plain; charset=utf-8' }),
        content: 'hello, world',
      },
    });
  });

  it('raw: the body base64-encoded', async () => {
    expect(await call({ method: 'get', endpoint: `${server.url}/text`, output: 'raw' })).toEqual({ ok: true, output: Buffer.from('hello, world').toString('base64') });
  });
});

describe('error responses', () => {
  it('maps a 4xx to a communication error carrying the response', async () => {
    const outcome = await call({ method: 'get', endpoint: `${server.url}/missing` });
    expect(outcome).toEqual({
      ok: false,
      error: {
        type: ErrorTypes.communication,
        status: 404,
        title: 'HTTP 404 Not Found',
        detail: `GET ${server.url}/missing answered 404 Not Found: {"message":"no pet with id 7"}`,
        response: { statusCode: 404, headers: expect.objectContaining({ 'content-type': 'application/json' }), content: { message: 'no pet with id 7' } },
      },
    });
  });

  it('maps a 5xx the same way', async () => {
    const outcome = await call({ method: 'get', endpoint: `${server.url}/broken` });
    expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.communication, status: 503, title: 'HTTP 503 Service Unavailable', response: { statusCode: 503, content: 'backend down' } } });
  });

  it('rejects invalid arguments as configuration errors', async () => {
    expect(await call({ endpoint: `${server.url}/echo` })).toMatchObject({ ok: false, error: { type: ErrorTypes.configuration, status: 400, detail: expect.stringContaining('method') } });
    expect(await call({ method: 'get', endpoint: 'ftp://example.com/x' })).toMatchObject({ ok: false, error: { type: ErrorTypes.configuration, detail: expect.stringContaining('ftp:') } });
    expect(await call({ method: 'get', endpoint: '/relative' })).toMatchObject({ ok: false, error: { type: ErrorTypes.configuration } });
    expect(await call({ method: 'get', endpoint: `${server.url}/echo`, output: 'xml' })).toMatchObject({ ok: false, error: { type: ErrorTypes.configuration } });
  });
});

describe('redirects', () => {
  it('treats 3xx as errors by default (redirect: false)', async () => {
    const outcome = await call({ method: 'get', endpoint: `${server.url}/redirect` });
    expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.communication, status: 302, response: { statusCode: 302, headers: { location: '/echo?redirected=1' } } } });
    expect(server.requests.at(-1)?.url).toBe('/redirect');
  });

  it('follows redirects when redirect is true', async () => {
    expect(await call({ method: 'get', endpoint: `${server.url}/redirect`, redirect: true })).toMatchObject({ ok: true, output: { method: 'GET', url: '/echo?redirected=1' } });
  });

  it('turns POST into GET on 303 and keeps it on 307', async () => {
    expect(await call({ method: 'post', endpoint: `${server.url}/see-other`, body: { a: 1 }, redirect: true })).toMatchObject({ ok: true, output: { method: 'GET', body: '' } });
    expect(await call({ method: 'post', endpoint: `${server.url}/temporary`, body: { a: 1 }, redirect: true })).toMatchObject({ ok: true, output: { method: 'POST', body: '{"a":1}' } });
  });

  it('does not carry credentials to another origin', async () => {
    const outcome = await call({ method: 'get', endpoint: { uri: `${server.url}/elsewhere`, authentication: { bearer: { token: 'tkn-123' } } }, redirect: true });
    expect(outcome).toEqual({ ok: true, output: { at: 'other', authorization: null } });
  });

  it('accepts a final 3xx when redirect is true and bounds the number of hops', async () => {
    expect(await call({ method: 'get', endpoint: `${server.url}/not-modified`, redirect: true })).toEqual({ ok: true, output: null });
    const before = server.requests.length;
    const outcome = await call({ method: 'get', endpoint: `${server.url}/loop`, redirect: true });
    expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.communication, status: 508, title: 'Too many redirects' } });
    expect(server.requests.length - before).toBe(options.maxRedirects + 1);
  });
});

describe('requests undici cannot send', () => {
  it('reports them as configuration errors', async () => {
    const outcome = await call({ method: 'get', endpoint: `${server.url}/echo`, headers: { 'x-bad': 'line\r\nbreak' } });
    expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.configuration, status: 400 } });
  });
});
