// Timeouts, the response size limit and the outbound address policy.
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ErrorTypes } from '@baton/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAgent, executeHttpCall, httpWorkerOptions, parseCidrList, type HttpWorkerOptions } from '../src/index.ts';
import { sendJson, startServer, startSilentTcpServer, type TestServer } from './test-server.ts';

const used: HttpWorkerOptions[] = [];
function withOptions(partial: Partial<HttpWorkerOptions>): HttpWorkerOptions {
  const options = httpWorkerOptions({ connectTimeoutMs: 2_000, timeoutMs: 5_000, ...partial });
  used.push(options);
  return options;
}
const call = (payload: unknown, options: HttpWorkerOptions, timeoutMs?: number) =>
  executeHttpCall(payload, { attemptId: 'run-3:e1', secrets: {}, options, ...(timeoutMs ? { timeoutMs } : {}) });

let server: TestServer;
let silent: Awaited<ReturnType<typeof startSilentTcpServer>>;

beforeAll(async () => {
  silent = await startSilentTcpServer();
  server = await startServer(async (request, response) => {
    const url = new URL(request.url, 'http://x');
    if (url.pathname === '/slow') {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      return sendJson(response, 200, { slow: true });
    }
    if (url.pathname === '/big') {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '4096' });
      return void response.end('x'.repeat(4096));
    }
    if (url.pathname === '/big-error') {
      response.writeHead(500, { 'content-type': 'text/plain' });
      return void response.end('e'.repeat(4096));
    }
    if (url.pathname === '/big-chunked') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 8; i++) response.write('y'.repeat(512));
      return void response.end();
    }
    return sendJson(response, 200, { ok: true });
  });
});

afterAll(async () => {
  await Promise.all(used.map((options) => closeAgent(options)));
  await server.close();
  await silent.close();
});

describe('timeouts', () => {
  it('fails with a timeout error when the connection cannot be established in time', async () => {
    // The TCP server accepts but never answers the TLS ClientHello: the connect phase hangs.
    const options = withOptions({ connectTimeoutMs: 300 });
    const outcome = await call({ method: 'get', endpoint: `https://127.0.0.1:${silent.port}/x` }, options);
    expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.timeout, status: 408, detail: expect.stringContaining('could not connect within 300 ms') } });
  });

  it('fails with a communication error when nothing listens', async () => {
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const outcome = await call({ method: 'get', endpoint: `http://127.0.0.1:${port}/` }, withOptions({}));
    expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.communication, status: 503, code: 'ECONNREFUSED' } });
  });

  it('fails with a timeout error when the whole call takes too long', async () => {
    const outcome = await call({ method: 'get', endpoint: `${server.url}/slow` }, withOptions({ timeoutMs: 300 }));
    expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.timeout, status: 408, timeoutMs: 300 } });
  });

  it('lets a smaller task timeout win over the worker timeout', async () => {
    const outcome = await call({ method: 'get', endpoint: `${server.url}/slow` }, withOptions({ timeoutMs: 60_000 }), 250);
    expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.timeout, timeoutMs: 250 } });
  });

  it('reports a cancelled call when the caller aborts', async () => {
    const controller = new AbortController();
    const pending = executeHttpCall({ method: 'get', endpoint: `${server.url}/slow` }, { attemptId: 'a', secrets: {}, options: withOptions({}), signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({ ok: false, error: { status: 499 } });
  });
});

describe('response size limit', () => {
  const options = withOptions({ maxResponseBytes: 1024 });

  it('refuses a body announced bigger than the limit', async () => {
    const outcome = await call({ method: 'get', endpoint: `${server.url}/big` }, options);
    expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.communication, status: 502, title: 'Response too large', maxResponseBytes: 1024 } });
  });

  it('aborts a chunked body as soon as it passes the limit', async () => {
    const outcome = await call({ method: 'get', endpoint: `${server.url}/big-chunked` }, options);
    expect(outcome).toMatchObject({ ok: false, error: { title: 'Response too large', detail: expect.stringContaining('HTTP_WORKER_MAX_RESPONSE_BYTES') } });
    expect(await call({ method: 'get', endpoint: `${server.url}/ok` }, options)).toEqual({ ok: true, output: { ok: true } });
  });

  it('keeps the status of an error response whose body is too large', async () => {
    const outcome = await call({ method: 'get', endpoint: `${server.url}/big-error` }, options);
    expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.communication, status: 500, response: { statusCode: 500, content: null } } });
  });
});

describe('outbound address policy', () => {
  it('refuses the cloud metadata address before connecting', async () => {
    const outcome = await call({ method: 'get', endpoint: 'http://169.254.169.254/latest/meta-data/' }, withOptions({}));
    expect(outcome).toEqual({
      ok: false,
      error: {
        type: ErrorTypes.authorization,
        status: 403,
        title: 'Outbound address refused',
        detail: expect.stringMatching(/169\.254\.169\.254 \(rule 169\.254\.0\.0\/16: link-local/),
        address: '169.254.169.254',
        rule: '169.254.0.0/16',
      },
    });
  });

  it('refuses IPv6 link-local and metadata literals', async () => {
    for (const uri of ['http://[fe80::1]/', 'http://[fd00:ec2::254]/latest', 'http://[::ffff:169.254.169.254]/']) {
      expect(await call({ method: 'get', endpoint: uri }, withOptions({}))).toMatchObject({ ok: false, error: { type: ErrorTypes.authorization, status: 403 } });
    }
  });

  it('checks the addresses a hostname resolves to', async () => {
    const outcome = await call({ method: 'get', endpoint: `http://localhost:${server.port}/ok` }, withOptions({ allowPrivate: false }));
    expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.authorization, detail: expect.stringContaining('localhost resolves to') } });
  });

  it('applies the deny list and the allow list', async () => {
    const deny = withOptions({ denyCidrs: parseCidrList('127.0.0.0/8') });
    expect(await call({ method: 'get', endpoint: `${server.url}/ok` }, deny)).toMatchObject({ ok: false, error: { rule: '127.0.0.0/8', detail: expect.stringContaining('HTTP_WORKER_DENY_CIDRS') } });
    const exception = withOptions({ denyCidrs: parseCidrList('127.0.0.0/8'), allowCidrs: parseCidrList('127.0.0.1/32') });
    expect(await call({ method: 'get', endpoint: `${server.url}/ok` }, exception)).toEqual({ ok: true, output: { ok: true } });
    const privateOff = withOptions({ allowPrivate: false, allowCidrs: parseCidrList('127.0.0.1') });
    expect(await call({ method: 'get', endpoint: `${server.url}/ok` }, privateOff)).toEqual({ ok: true, output: { ok: true } });
  });
});
