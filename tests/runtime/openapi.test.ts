// call: openapi end to end on PostgreSQL + Redis: registered through the REST API, run by the
// runner, the document read and the operation called by the http worker over the Redis bus,
// against a local OpenAPI 3.1 document and API (127.0.0.1 only).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doc, startHarness, type Harness } from './harness.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const TOKEN = 'rooms-token-8c1e7d';
let h: Harness;
let server: Server;
let base: string;
const seen: Seen[] = [];

function roomsDocument(): object {
  return {
    openapi: '3.1.0',
    info: { title: 'Rooms', version: '1.0.0' },
    servers: [{ url: '/api' }],
    components: { schemas: { Reading: { type: 'object', properties: { temperature: { type: 'number' }, humidity: { type: 'number' } } } } },
    paths: {
      '/rooms/{roomId}/readings': {
        post: {
          operationId: 'logreading',
          parameters: [
            { name: 'roomId', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'unit', in: 'query', schema: { type: 'string' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Reading' } } } },
          responses: { 201: { description: 'logged', content: { 'application/json': {} } } },
        },
      },
    },
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(request);
      if (request.url === '/rooms.json') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
        return void res.end(JSON.stringify(roomsDocument()));
      }
      if (request.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ error: 'no token' }));
      }
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ logged: JSON.parse(request.body), url: request.url }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  h = await startHarness('servers', { BATON_SECRET_ROOMS_TOKEN: TOKEN, BATON_SECRET_ROOMS_TOKEN_NAMESPACES: 'test' });
}, 60_000);

afterAll(async () => {
  await h?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

const logReading = (operationId = 'logreading', authenticated = true) => ({
  log: {
    call: 'openapi',
    with: {
      document: { endpoint: `${base}/rooms.json` },
      operationId,
      parameters: { roomId: '${ .room }', unit: 'C', temperature: '${ .t }' },
      ...(authenticated ? { authentication: { use: 'rooms' } } : {}),
    },
  },
});
const withAuth = { use: { secrets: ['ROOMS_TOKEN'], authentications: { rooms: { bearer: { use: 'ROOMS_TOKEN' } } } } };

describe('call: openapi on PostgreSQL + Redis', () => {
  it('reads the document once, calls the operation with its parameters and the secret bearer token, and returns the content', async () => {
    await h.apply(doc('openapi-log', [logReading()], withAuth));
    const first = await h.runToEnd('openapi-log', { room: 'kitchen', t: 21.5 });
    expect(first).toMatchObject({ status: 'completed', output: { logged: { temperature: 21.5 }, url: '/api/rooms/kitchen/readings?unit=C' } });
    const second = await h.runToEnd('openapi-log', { room: 'hall', t: 19 });
    expect(second).toMatchObject({ status: 'completed', output: { url: '/api/rooms/hall/readings?unit=C' } });
    expect(seen.filter((r) => r.url === '/rooms.json')).toHaveLength(1); // max-age=300: cached by the worker
    const calls = seen.filter((r) => r.url.startsWith('/api/rooms/'));
    expect(calls.map((r) => r.method)).toEqual(['POST', 'POST']);
    // The attempt's Idempotency-Key, as for call: http: `${runId}:${effectId}`.
    expect(calls[0]!.headers['idempotency-key']).toMatch(new RegExp(`^${first.id}:e\\d+$`));
    expect(calls[1]!.headers['idempotency-key']).toMatch(new RegExp(`^${second.id}:e\\d+$`));
  });

  it('an unknown operationId faults the run with a configuration error naming the operations there are', async () => {
    await h.apply(doc('openapi-unknown', [logReading('logReadings')], withAuth));
    const run = await h.runToEnd('openapi-unknown', { room: 'kitchen', t: 1 });
    expect(run).toMatchObject({
      status: 'faulted',
      error: { type: 'https://serverlessworkflow.io/spec/1.0.0/errors/configuration', status: 400, instance: '/do/0/log', detail: expect.stringContaining('(it has: logreading)') },
    });
  });

  it('the API\'s refusal is a communication error a catch can match (both spellings of the type)', async () => {
    const noAuth = logReading('logreading', false);
    await h.apply(
      doc('openapi-catch', [
        { guarded: { try: [noAuth], catch: { errors: { with: { type: 'https://serverlessworkflow.io/dsl/errors/types/communication', status: 401 } }, as: 'failure', do: [{ note: { set: { refused: '${ $failure.status }' } } }] } } },
      ]),
    );
    const run = await h.runToEnd('openapi-catch', { room: 'attic', t: 3 });
    expect(run).toMatchObject({ status: 'completed', output: { refused: 401 } });
  });
});
