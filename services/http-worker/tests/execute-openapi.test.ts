// call: openapi through executeHttpCall, against local servers: a Swagger 2.0 Petstore and an
// OpenAPI 3.1 document — parameters in every location, output modes, authentication of the
// document and of the call, redirects, the address policy, errors.
import { ErrorTypes } from '@baton/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAgent, executeHttpCall, httpWorkerOptions, parseCidr } from '../src/index.ts';
import { petstore, rooms } from './openapi-documents.ts';
import { digestVerifier, sendJson, startServer, type RecordedRequest, type TestServer } from './test-server.ts';

const options = httpWorkerOptions({ connectTimeoutMs: 2_000, timeoutMs: 5_000 });
const call = (payload: Record<string, unknown>, attemptId = 'run-7:e3') => executeHttpCall({ call: 'openapi', ...payload }, { attemptId, secrets: {}, options });

const BASIC = `Basic ${Buffer.from('docs:reader-pass').toString('base64')}`;
const digest = digestVerifier({ realm: 'api@test', username: 'mufasa', password: 'circle of life', algorithm: 'SHA-256' });
let docs: TestServer;
let api: TestServer;

const echo = (request: RecordedRequest) => ({ method: request.method, url: request.url, headers: request.headers, body: request.body });

beforeAll(async () => {
  api = await startServer((request, response) => {
    const url = new URL(request.url, 'http://x');
    if (url.pathname === '/v2/pet/404') return sendJson(response, 404, { message: 'Pet not found' });
    if (url.pathname === '/v2/pet/302') {
      response.writeHead(302, { location: '/v2/pet/1' });
      return void response.end();
    }
    if (url.pathname.startsWith('/secure/')) {
      if (request.headers.authorization === 'Bearer call-token-5150') return sendJson(response, 200, echo(request));
      if (digest.verify(request.method, request.headers.authorization)) return sendJson(response, 200, { digest: 'ok' });
      return sendJson(response, 401, { error: 'credentials needed' }, { 'www-authenticate': digest.challenge() });
    }
    if (url.pathname === '/api/v3/reports.pdf') {
      response.writeHead(200, { 'content-type': 'application/pdf' });
      return void response.end(Buffer.from('%PDF-1.7'));
    }
    return sendJson(response, 200, echo(request));
  });
  const apiHost = `127.0.0.1:${api.port}`;
  docs = await startServer((request, response) => {
    const url = new URL(request.url, 'http://x');
    if (url.pathname.startsWith('/api/v3/')) return sendJson(response, 200, echo(request)); // a relative server
    switch (url.pathname) {
      case '/petstore.json':
        return sendJson(response, 200, petstore(apiHost));
      case '/rooms.yaml':
        response.writeHead(200, { 'content-type': 'application/yaml' });
        return void response.end(toYaml(rooms(`${api.url}/api/v3`)));
      case '/relative/rooms.json':
        return sendJson(response, 200, rooms('/api/v3'));
      case '/variables/rooms.json':
        return sendJson(response, 200, rooms('http://{host}/{base}', { host: { default: apiHost }, base: { default: 'api/v3' } }));
      case '/secure/petstore.json':
        if (request.headers.authorization !== BASIC) return sendJson(response, 401, { error: 'who are you?' });
        return sendJson(response, 200, { ...petstore(apiHost), basePath: '/secure' });
      case '/moved/petstore.json':
        response.writeHead(301, { location: '/petstore.json' });
        return void response.end();
      case '/no-host/petstore.json': {
        const { host: _none, ...document } = petstore(apiHost);
        return sendJson(response, 200, { ...document, basePath: '/api/v3' });
      }
      case '/other-host/petstore.json':
        return sendJson(response, 200, petstore(`127.0.0.2:${api.port}`));
      case '/metadata/petstore.json':
        return sendJson(response, 200, petstore('169.254.169.254'));
      case '/not-openapi.json':
        return sendJson(response, 200, { hello: 'world' });
      case '/deep.json':
        response.writeHead(200, { 'content-type': 'application/json' });
        return void response.end(`{"swagger": "2.0", "paths": {}, "x": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
      case '/deep.yaml':
        response.writeHead(200, { 'content-type': 'application/yaml' });
        return void response.end(`swagger: "2.0"\npaths: {}\nx:\n${Array.from({ length: 2_000 }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')}1\n`);
      case '/broken.json':
        response.writeHead(200, { 'content-type': 'application/json' });
        return void response.end('{"swagger": "2.0", ');
      default:
        return sendJson(response, 404, { message: `no document at ${url.pathname}` });
    }
  });
});

afterAll(async () => {
  await closeAgent(options);
  await Promise.all([docs?.close(), api?.close()]);
});

/** YAML without a library: JSON is YAML (1.2). */
function toYaml(value: unknown): string {
  return `# rooms\n${JSON.stringify(value, null, 2)}\n`;
}

const PETSTORE = () => ({ endpoint: `${docs.url}/petstore.json` });
const ROOMS = () => ({ endpoint: `${docs.url}/rooms.yaml` });
type Echo = { method: string; url: string; headers: Record<string, string>; body: string };
const output = (outcome: Awaited<ReturnType<typeof call>>) => {
  if (!outcome.ok) throw new Error(`call failed: ${JSON.stringify(outcome.error)}`);
  return outcome.output as Echo;
};

describe('Swagger 2.0 Petstore (host + basePath + schemes)', () => {
  it('findPetsByStatus: a GET on host + basePath over the document\'s own scheme, the array query repeated (collectionFormat multi)', async () => {
    const one = output(await call({ document: PETSTORE(), operationId: 'findPetsByStatus', parameters: { status: 'available' } }));
    expect(one).toMatchObject({ method: 'GET', url: '/v2/pet/findByStatus?status=available' });
    expect(one.headers.accept).toBe('application/json');
    expect(one.headers['idempotency-key']).toBe('run-7:e3');
    const many = output(await call({ document: PETSTORE(), operationId: 'findPetsByStatus', parameters: { status: ['available', 'sold'] } }));
    expect(many.url).toBe('/v2/pet/findByStatus?status=available&status=sold');
    const csv = output(await call({ document: PETSTORE(), operationId: 'findPetsByTags', parameters: { tags: ['a', 'b'] } }));
    expect(new URL(csv.url, 'http://x').searchParams.get('tags')).toBe('a,b');
  });

  it('getPetById: the path parameter from a $ref of the path item, the apiKey of its security scheme as a header', async () => {
    const pet = output(await call({ document: PETSTORE(), operationId: 'getPetById', parameters: { petId: 42, api_key: 'k-123', unknown: 'ignored' } }));
    expect(pet).toMatchObject({ method: 'GET', url: '/v2/pet/42' });
    expect(pet.headers.api_key).toBe('k-123');
  });

  it('deletePet: a header parameter', async () => {
    const deleted = output(await call({ document: PETSTORE(), operationId: 'deletePet', parameters: { petId: 7, api_key: 'special' } }));
    expect(deleted).toMatchObject({ method: 'DELETE', url: '/v2/pet/7', headers: { api_key: 'special' } });
  });

  it('addPet: the body parameter as a whole (parameters.body), or built from the properties of its schema', async () => {
    const pet = { id: 9, name: 'Milou', photoUrls: [], status: 'available' };
    const whole = output(await call({ document: PETSTORE(), operationId: 'addPet', parameters: { body: pet } }));
    expect(whole).toMatchObject({ method: 'POST', url: '/v2/pet', headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(whole.body)).toEqual(pet);
    const built = output(await call({ document: PETSTORE(), operationId: 'addPet', parameters: { name: 'Idefix', photoUrls: ['x'], color: 'white' } }));
    expect(JSON.parse(built.body)).toEqual({ name: 'Idefix', photoUrls: ['x'] });
  });

  it('updatePetWithForm: formData parameters as an urlencoded form', async () => {
    const form = output(await call({ document: PETSTORE(), operationId: 'updatePetWithForm', parameters: { petId: 3, name: 'Rex Jr', status: 'sold' } }));
    expect(form).toMatchObject({ method: 'POST', url: '/v2/pet/3', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=Rex+Jr&status=sold' });
  });

  it('a document that moved (301) is followed', async () => {
    expect(output(await call({ document: { endpoint: `${docs.url}/moved/petstore.json` }, operationId: 'getPetById', parameters: { petId: 1 } })).url).toBe('/v2/pet/1');
  });

  it('without `host` the API is on the document\'s host', async () => {
    const outcome = await call({ document: { endpoint: `${docs.url}/no-host/petstore.json` }, operationId: 'getPetById', parameters: { petId: 8 } });
    expect(output(outcome).url).toBe('/api/v3/pet/8');
    expect(docs.requests.at(-1)?.url).toBe('/api/v3/pet/8');
  });
});

describe('OpenAPI 3.1', () => {
  it('parameters in path, query (form, deepObject, pipeDelimited), header and cookie; the requestBody from a $ref schema', async () => {
    const logged = output(
      await call({
        document: ROOMS(),
        operationId: 'logreading',
        parameters: { roomId: 'living room', unit: 'C', sensors: ['t1', 't2'], filter: { since: '2026-01-01', kind: 'temp' }, ids: [1, 2], 'X-Trace': 'tr-9', session: 's 1', temperature: 21.5, humidity: 40 },
      }),
    );
    expect(logged.method).toBe('POST');
    const url = new URL(logged.url, 'http://x');
    expect(url.pathname).toBe('/api/v3/rooms/living%20room/readings');
    expect(url.searchParams.get('unit')).toBe('C');
    expect(url.searchParams.getAll('sensors')).toEqual(['t1', 't2']);
    expect(url.searchParams.get('filter[since]')).toBe('2026-01-01');
    expect(url.searchParams.get('filter[kind]')).toBe('temp');
    expect(url.searchParams.get('ids')).toBe('1|2');
    expect(logged.headers['x-trace']).toBe('tr-9');
    expect(logged.headers.cookie).toBe('session=s%201');
    expect(logged.headers['content-type']).toBe('application/json');
    expect(JSON.parse(logged.body)).toEqual({ temperature: 21.5, humidity: 40 });
  });

  it('path styles label and matrix', async () => {
    expect(output(await call({ document: ROOMS(), operationId: 'locate', parameters: { point: { x: 1, y: 2 } } })).url).toBe('/api/v3/coordinates/;x=1;y=2');
    const report = await call({ document: ROOMS(), operationId: 'produceReport', parameters: { format: 'pdf' }, output: 'raw' });
    expect(report).toEqual({ ok: true, output: Buffer.from('%PDF-1.7').toString('base64') });
  });

  it('servers: absolute, relative to the document, and with variables at their defaults', async () => {
    for (const path of ['/rooms.yaml', '/relative/rooms.json', '/variables/rooms.json']) {
      const host = path.startsWith('/relative') ? docs : api;
      const outcome = await call({ document: { endpoint: `${docs.url}${path}` }, operationId: 'produceReport', parameters: { format: 'json' } });
      expect(output(outcome).url).toBe('/api/v3/reports.json');
      expect(host.requests.at(-1)?.url).toBe('/api/v3/reports.json');
    }
  });

  it('a text body goes as it is', async () => {
    const put = output(await call({ document: ROOMS(), operationId: 'replaceNotes', parameters: { body: 'remember the milk' } }));
    expect(put).toMatchObject({ method: 'PUT', body: 'remember the milk', headers: { 'content-type': 'text/plain' } });
  });
});

describe('output modes', () => {
  it('content (parsed JSON), response (request echo, status, headers, content) and raw (base64)', async () => {
    const args = { document: PETSTORE(), operationId: 'getPetById', parameters: { petId: 5 } };
    expect(output(await call(args)).url).toBe('/v2/pet/5');
    const response = await call({ ...args, output: 'response' });
    expect(response).toMatchObject({
      ok: true,
      output: {
        request: { method: 'get', uri: `${api.url}/v2/pet/5`, headers: { accept: 'application/json', 'idempotency-key': 'run-7:e3' } },
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        content: { url: '/v2/pet/5' },
      },
    });
    const raw = await call({ ...args, output: 'raw' });
    expect(JSON.parse(Buffer.from((raw as { output: string }).output, 'base64').toString())).toMatchObject({ url: '/v2/pet/5' });
  });
});

describe('authentication', () => {
  it('the document endpoint\'s policy reads the document; with.authentication goes to the call only', async () => {
    const document = { endpoint: { uri: `${docs.url}/secure/petstore.json`, authentication: { basic: { username: 'docs', password: 'reader-pass' } } } };
    const outcome = await call({ document, operationId: 'getPetById', parameters: { petId: 1 }, authentication: { bearer: { token: 'call-token-5150' } } });
    // The output echoes the token: masked, as every credential of the call is.
    expect(output(outcome)).toMatchObject({ url: '/secure/pet/1', headers: { authorization: 'Bearer ***' } });
    expect(api.requests.at(-1)?.headers.authorization).toBe('Bearer call-token-5150');
    expect(docs.requests.at(-1)?.headers.authorization).toBe(BASIC);
    const refused = await call({ document: { endpoint: `${docs.url}/secure/petstore.json` }, operationId: 'getPetById', parameters: { petId: 1 } });
    expect(refused).toMatchObject({ ok: false, error: { type: ErrorTypes.communication, status: 401, title: 'OpenAPI document: HTTP 401 Unauthorized' } });
  });

  it('digest answers the API\'s challenge; the call without credentials is a 401 communication error', async () => {
    const document = { endpoint: { uri: `${docs.url}/secure/petstore.json`, authentication: { basic: { username: 'docs', password: 'reader-pass' } } } };
    const ok = await call({ document, operationId: 'getPetById', parameters: { petId: 2 }, authentication: { digest: { username: 'mufasa', password: 'circle of life' } } });
    expect(ok).toEqual({ ok: true, output: { digest: 'ok' } });
    const denied = await call({ document, operationId: 'getPetById', parameters: { petId: 2 } });
    expect(denied).toMatchObject({ ok: false, error: { type: ErrorTypes.communication, status: 401 } });
  });
});

describe('redirect', () => {
  it('false: a 3xx of the operation is a communication error; true: it is followed', async () => {
    const args = { document: PETSTORE(), operationId: 'getPetById', parameters: { petId: 302 } };
    expect(await call(args)).toMatchObject({ ok: false, error: { type: ErrorTypes.communication, status: 302 } });
    expect(output(await call({ ...args, redirect: true })).url).toBe('/v2/pet/1');
  });
});

describe('errors', () => {
  it('an unknown operationId names the operations the document has', async () => {
    const outcome = await call({ document: PETSTORE(), operationId: 'adoptPet' });
    expect(outcome).toEqual({
      ok: false,
      error: {
        type: ErrorTypes.configuration,
        status: 400,
        title: 'Invalid OpenAPI call',
        detail: `operationId "adoptPet" is not in the OpenAPI document ${docs.url}/petstore.json (it has: addPet, deletePet, findPetsByStatus, findPetsByTags, getPetById, updatePetWithForm, uploadFile)`,
        operationId: 'adoptPet',
      },
    });
  });

  it('a missing required parameter or body is a validation error, and nothing is sent', async () => {
    const before = api.requests.length;
    expect(await call({ document: PETSTORE(), operationId: 'getPetById' })).toMatchObject({ ok: false, error: { type: ErrorTypes.validation, status: 400, detail: 'operation getPetById needs the path parameter "petId" (give it in parameters)' } });
    expect(await call({ document: PETSTORE(), operationId: 'findPetsByStatus', parameters: {} })).toMatchObject({ ok: false, error: { type: ErrorTypes.validation, detail: expect.stringContaining('query parameter "status"') } });
    expect(await call({ document: ROOMS(), operationId: 'logreading', parameters: { roomId: 'r1' } })).toMatchObject({
      ok: false,
      error: { type: ErrorTypes.validation, detail: 'operation logreading needs a request body: give it as parameters.body, or its properties (temperature, humidity, parent) as parameters' },
    });
    expect(api.requests.length).toBe(before);
  });

  it('a multipart upload is refused by name', async () => {
    expect(await call({ document: PETSTORE(), operationId: 'uploadFile', parameters: { petId: 1, file: 'x' } })).toMatchObject({ ok: false, error: { type: ErrorTypes.configuration, detail: expect.stringContaining('file upload parameter "file"') } });
  });

  it('the API\'s error status is a communication error with the response, as for call: http', async () => {
    const outcome = await call({ document: PETSTORE(), operationId: 'getPetById', parameters: { petId: 404 } });
    expect(outcome).toEqual({
      ok: false,
      error: {
        type: ErrorTypes.communication,
        status: 404,
        title: 'HTTP 404 Not Found',
        detail: `GET ${api.url}/v2/pet/404 answered 404 Not Found: {"message":"Pet not found"}`,
        response: { statusCode: 404, headers: expect.objectContaining({ 'content-type': 'application/json' }), content: { message: 'Pet not found' } },
      },
    });
  });

  it('documents that are missing, not OpenAPI, or not parseable', async () => {
    expect(await call({ document: { endpoint: `${docs.url}/gone.json` }, operationId: 'x' })).toMatchObject({ ok: false, error: { type: ErrorTypes.communication, status: 404, detail: expect.stringMatching(/^reading the OpenAPI document: GET .*gone\.json answered 404/) } });
    expect(await call({ document: { endpoint: `${docs.url}/not-openapi.json` }, operationId: 'x' })).toMatchObject({
      ok: false,
      error: { type: ErrorTypes.configuration, title: 'Invalid OpenAPI document', detail: expect.stringContaining('not Swagger 2.0 or OpenAPI 3.0/3.1') },
    });
    expect(await call({ document: { endpoint: `${docs.url}/broken.json` }, operationId: 'x' })).toMatchObject({ ok: false, error: { type: ErrorTypes.configuration, detail: expect.stringContaining('not valid JSON') } });
    // Nesting that would make the parsers recurse is refused before parsing.
    expect(await call({ document: { endpoint: `${docs.url}/deep.json` }, operationId: 'x' })).toMatchObject({ ok: false, error: { type: ErrorTypes.configuration, detail: expect.stringContaining('nests deeper than 200 levels') } });
    expect(await call({ document: { endpoint: `${docs.url}/deep.yaml` }, operationId: 'x' })).toMatchObject({ ok: false, error: { type: ErrorTypes.configuration, detail: expect.stringContaining('indented deeper than 1000 columns') } });
  });

  it('invalid arguments are a configuration error', async () => {
    expect(await call({ document: { endpoint: 'file:///etc/passwd' }, operationId: 'x' })).toMatchObject({ ok: false, error: { type: ErrorTypes.configuration, detail: expect.stringContaining('scheme "file:"') } });
    expect(await call({ document: PETSTORE() })).toMatchObject({ ok: false, error: { type: ErrorTypes.configuration, detail: expect.stringContaining('operationId') } });
  });
});

describe('outbound address policy', () => {
  it('a document outside the policy is refused as a call: http is (403 authorization, nothing sent)', async () => {
    const strict = httpWorkerOptions({ connectTimeoutMs: 2_000, timeoutMs: 5_000, allowPrivate: false });
    try {
      const before = docs.requests.length;
      const outcome = await executeHttpCall({ call: 'openapi', document: PETSTORE(), operationId: 'getPetById', parameters: { petId: 1 } }, { attemptId: 'a:1', secrets: {}, options: strict });
      expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.authorization, status: 403, title: 'Outbound address refused', address: '127.0.0.1', detail: expect.stringContaining(`GET ${docs.url}/petstore.json`) } });
      expect(docs.requests.length).toBe(before);
    } finally {
      await closeAgent(strict);
    }
  });

  it('a target outside the policy is refused, whatever the document says (cloud metadata; a private range)', async () => {
    const metadata = await call({ document: { endpoint: `${docs.url}/metadata/petstore.json` }, operationId: 'getPetById', parameters: { petId: 1 } });
    expect(metadata).toMatchObject({ ok: false, error: { type: ErrorTypes.authorization, status: 403, address: '169.254.169.254', detail: expect.stringContaining('GET http://169.254.169.254/v2/pet/1') } });
    // Only the documents' address is allowed: the document is read, its API host (127.0.0.2) is not dialled.
    const onlyDocs = httpWorkerOptions({ connectTimeoutMs: 2_000, timeoutMs: 5_000, allowPrivate: false, allowCidrs: [parseCidr('127.0.0.1/32')] });
    try {
      const outcome = await executeHttpCall({ call: 'openapi', document: { endpoint: `${docs.url}/other-host/petstore.json` }, operationId: 'getPetById', parameters: { petId: 1 } }, { attemptId: 'a:2', secrets: {}, options: onlyDocs });
      expect(outcome).toMatchObject({ ok: false, error: { type: ErrorTypes.authorization, status: 403, address: '127.0.0.2', rule: '127.0.0.0/8' } });
    } finally {
      await closeAgent(onlyDocs);
    }
  });
});
