// Local stand-ins for the internet services the specification's examples call (Swagger's
// petstore and its Swagger 2.0 document, swapi.dev, the fake hospital/chat/race/casino APIs),
// on 127.0.0.1 only. Each request is recorded so tests can check what Baton sent (method, path,
// query, headers, body).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { once } from 'node:events';

export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface FakeApis {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

const PETS: Record<string, object> = {
  '1': { id: 1, name: 'Rex', status: 'available' },
  '42': { id: 42, name: 'Fido', status: 'available' },
  '69': { id: 69, name: 'Nibbles', status: 'pending' },
};

export async function startFakeApis(): Promise<FakeApis> {
  const seen: SeenRequest[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const body = text ? parseJson(text) : null;
      seen.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body });
      const [status, answer, headers] = route(req.method ?? 'GET', url, body, base);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(answer));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${address.port}`;
  return {
    url: base,
    seen,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

type Answer = [number, unknown, Record<string, string>?];

function route(method: string, url: URL, body: unknown, base: string): Answer {
  const path = url.pathname;
  if (path === '/v2/swagger.json') return [200, petstoreDocument(new URL(base).host), { 'cache-control': 'max-age=60' }];
  if (path === '/v2/pet/findByStatus') {
    const wanted = url.searchParams.getAll('status');
    return [200, Object.values(PETS).filter((p) => wanted.includes((p as { status: string }).status))];
  }
  const pet = /^\/v2\/pet\/([^/]+)$/.exec(path);
  if (pet) {
    const found = PETS[pet[1]!];
    if (!found) return [404, { code: 1, type: 'error', message: 'Pet not found' }];
    if (method === 'PUT') return [200, { ...found, ...(body as object) }];
    return [200, found];
  }
  if (path === '/api/people/') {
    const search = url.searchParams.get('search') ?? '';
    const results = search.toLowerCase() === 'luke' ? [{ name: 'Luke Skywalker', homeworld: `${base}/api/planets/1/` }] : [];
    return [200, { count: results.length, results }];
  }
  if (path === '/api/people-moved/') return [301, {}, { location: `${base}/api/people/${url.search}` }];
  const person = /^\/api\/people\/(\d+)$/.exec(path);
  if (person) return person[1] === '1' ? [200, { name: 'Luke Skywalker', homeworld: `${base}/api/planets/1/` }] : [404, { detail: 'Not found' }];
  if (path === '/api/planets/1/') return [200, { name: 'Tatooine', climate: 'arid' }];
  if (path === '/api/v3/alert/nurses' || path === '/api/v3/alert/doctor') return [200, { alerted: path.split('/').pop(), request: body }];
  return [200, { ok: true, method, path, body }];
}

/** The petstore's Swagger 2.0 document, in its shape (host + basePath + schemes), trimmed to what the examples call. */
function petstoreDocument(host: string): object {
  const pet = { $ref: '#/definitions/Pet' };
  return {
    swagger: '2.0',
    info: { title: 'Swagger Petstore', version: '1.0.7' },
    host,
    basePath: '/v2',
    schemes: ['https', 'http'],
    paths: {
      '/pet/findByStatus': {
        get: {
          operationId: 'findPetsByStatus',
          produces: ['application/json', 'application/xml'],
          parameters: [{ name: 'status', in: 'query', required: true, type: 'array', items: { type: 'string', enum: ['available', 'pending', 'sold'] }, collectionFormat: 'multi' }],
          responses: { 200: { description: 'successful operation', schema: { type: 'array', items: pet } } },
        },
      },
      '/pet/{petId}': {
        get: {
          operationId: 'getPetById',
          produces: ['application/json', 'application/xml'],
          parameters: [{ name: 'petId', in: 'path', required: true, type: 'integer', format: 'int64' }],
          responses: { 200: { description: 'successful operation', schema: pet } },
        },
      },
    },
    definitions: { Pet: { type: 'object', required: ['name'], properties: { id: { type: 'integer' }, name: { type: 'string' }, status: { type: 'string' } } } },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
