// The OpenAPI document cache through executeHttpCall: Cache-Control max-age (less Age) spares the
// read, ETag / Last-Modified revalidation gets a 304 and keeps the parsed document, a changed
// document is used at once, no-store is read every time, other credentials are another entry.
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { closeAgent, executeHttpCall, httpWorkerOptions, type HttpWorkerOptions } from '../src/index.ts';
import { petstore } from './openapi-documents.ts';
import { sendJson, startServer, type TestServer } from './test-server.ts';

interface Served {
  basePath: string;
  headers: Record<string, string>;
}

let docs: TestServer;
let api: TestServer;
let served: Served;
let options: HttpWorkerOptions;

beforeAll(async () => {
  api = await startServer((request, response) => sendJson(response, 200, { url: request.url }));
  docs = await startServer((request, response) => {
    const { etag, 'last-modified': lastModified } = served.headers;
    const notModified = (etag !== undefined && request.headers['if-none-match'] === etag) || (lastModified !== undefined && request.headers['if-modified-since'] === lastModified);
    if (notModified) {
      response.writeHead(304, served.headers);
      return void response.end();
    }
    if (request.url.startsWith('/private') && request.headers.authorization === undefined) return sendJson(response, 401, { error: 'credentials needed' });
    return sendJson(response, 200, { ...petstore(`127.0.0.1:${api.port}`), basePath: served.basePath }, served.headers);
  });
});

afterEach(async () => {
  await closeAgent(options);
});

afterAll(async () => {
  await Promise.all([docs?.close(), api?.close()]);
});

/** A fresh worker (its own cache) serving `headers` with the document. */
function worker(headers: Record<string, string>): void {
  options = httpWorkerOptions({ connectTimeoutMs: 2_000, timeoutMs: 5_000 });
  served = { basePath: '/v2', headers };
}

async function getPet(path = '/petstore.json', document: Record<string, unknown> = {}): Promise<string> {
  const outcome = await executeHttpCall({ call: 'openapi', document: { endpoint: { uri: `${docs.url}${path}`, ...document } }, operationId: 'getPetById', parameters: { petId: 1 } }, { attemptId: 'r:e1', secrets: {}, options });
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.error));
  return (outcome.output as { url: string }).url;
}

/** The document requests since `from`: whether each was conditional, and what it was answered. */
function reads(from: number): Array<{ conditional: boolean }> {
  return docs.requests.slice(from).map((r) => ({ conditional: r.headers['if-none-match'] !== undefined || r.headers['if-modified-since'] !== undefined }));
}

describe('the OpenAPI document cache', () => {
  it('Cache-Control max-age: the document is read once while fresh', async () => {
    worker({ 'cache-control': 'max-age=60' });
    const before = docs.requests.length;
    for (let i = 0; i < 3; i++) expect(await getPet()).toBe('/v2/pet/1');
    expect(reads(before)).toEqual([{ conditional: false }]);
  });

  it('max-age already used up by Age: revalidated on the next call (ETag → 304)', async () => {
    worker({ 'cache-control': 'max-age=60', age: '60', etag: '"v1"' });
    const before = docs.requests.length;
    await getPet();
    await getPet();
    expect(reads(before)).toEqual([{ conditional: false }, { conditional: true }]);
    expect(docs.requests.at(-1)?.headers['if-none-match']).toBe('"v1"');
  });

  it('ETag with no-cache: every call revalidates, a 304 keeps the document, a new ETag brings the new one', async () => {
    worker({ 'cache-control': 'no-cache', etag: '"v1"' });
    const before = docs.requests.length;
    expect(await getPet()).toBe('/v2/pet/1');
    expect(await getPet()).toBe('/v2/pet/1');
    expect(reads(before)).toEqual([{ conditional: false }, { conditional: true }]);
    served = { basePath: '/v3', headers: { 'cache-control': 'no-cache', etag: '"v2"' } };
    expect(await getPet()).toBe('/v3/pet/1');
    expect(await getPet()).toBe('/v3/pet/1');
    expect(docs.requests.at(-1)?.headers['if-none-match']).toBe('"v2"');
  });

  it('Last-Modified alone: revalidated with If-Modified-Since', async () => {
    const lastModified = 'Tue, 01 Dec 2026 09:00:00 GMT';
    worker({ 'last-modified': lastModified });
    const before = docs.requests.length;
    await getPet();
    await getPet();
    expect(reads(before)).toEqual([{ conditional: false }, { conditional: true }]);
    expect(docs.requests.at(-1)?.headers['if-modified-since']).toBe(lastModified);
  });

  it('no-store (or neither freshness nor a validator): read in full every time', async () => {
    worker({ 'cache-control': 'no-store', etag: '"v1"' });
    const before = docs.requests.length;
    await getPet();
    await getPet();
    served.headers = {};
    await getPet();
    await getPet();
    expect(reads(before)).toEqual([{ conditional: false }, { conditional: false }, { conditional: false }, { conditional: false }]);
  });

  it('a document read with credentials is not served to a call without them', async () => {
    worker({ 'cache-control': 'max-age=60' });
    const basic = { authentication: { basic: { username: 'u', password: 'p-4471' } } };
    expect(await getPet('/private/petstore.json', basic)).toBe('/v2/pet/1');
    expect(await getPet('/private/petstore.json', basic)).toBe('/v2/pet/1');
    await expect(getPet('/private/petstore.json')).rejects.toThrow(/"status":401/);
  });
});
