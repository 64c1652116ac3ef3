// The HTTP edge: system routes, 404/405/413/415, malformed bodies, request logs, metrics, OpenAPI.
import type { FastifyInstance, InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { type Harness, registerWorkflow, uniqueNamespace } from '../harness.ts';

/** Every route of the API as issued; /openapi.json must document each one. */
const ROUTES = [
  ['get', '/health'],
  ['get', '/ready'],
  ['get', '/metrics'],
  ['get', '/openapi.json'],
  ['post', '/api/v1/workflows'],
  ['get', '/api/v1/workflows'],
  ['get', '/api/v1/workflows/{namespace}/{name}'],
  ['get', '/api/v1/workflows/{namespace}/{name}/{version}'],
  ['post', '/api/v1/runs'],
  ['get', '/api/v1/runs'],
  ['get', '/api/v1/runs/{id}'],
  ['post', '/api/v1/runs/{id}/cancel'],
  ['get', '/api/v1/runs/{id}/events'],
  ['post', '/api/v1/events'],
  ['post', '/api/v1/keys'],
  ['get', '/api/v1/keys'],
  ['delete', '/api/v1/keys/{id}'],
  ['post', '/api/v1/stream-tokens'],
] as const;

/** [method, OpenAPI path] of every /api route Fastify serves (from its route tree; HEAD excluded). */
function servedRoutes(app: FastifyInstance): Array<[string, string]> {
  const routes: Array<[string, string]> = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?/.exec(line);
    if (!match) continue;
    stack.length = match[1]!.length / 4;
    stack.push(match[2]!);
    const path = stack.join('').replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    // Pages and static files (dashboard, approval links) are not the JSON API.
    if (!path.startsWith('/api/')) continue;
    for (const method of (match[3] ?? '').split(', ').filter((m) => m !== '' && m !== 'HEAD')) routes.push([method.toLowerCase(), path]);
  }
  return routes;
}

export function edgeSuite(harness: () => Harness): void {
  describe('HTTP edge', () => {
    it('GET /health and /ready', async () => {
      const h = harness();
      const health = await h.request({ method: 'GET', url: '/health', key: null });
      expect(health.json()).toEqual({ status: 'ok' });
      const ready = await h.request({ method: 'GET', url: '/ready', key: null });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready', checks: { store: true, bus: true } });
    });

    it('unknown routes → 404 problem; known path with another method → 405 with Allow', async () => {
      const h = harness();
      const unknown = await h.request({ method: 'GET', url: '/nothing/here?x=1', key: null });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(unknown.json()).toMatchObject({ type: 'https://baton.dev/problems/not-found', title: 'Not Found', status: 404, instance: '/nothing/here' });
      expect((await h.request({ method: 'GET', url: '/api/v2/runs' })).statusCode).toBe(404);
      const wrong = await h.request({ method: 'PUT', url: '/api/v1/runs' });
      expect(wrong.statusCode).toBe(405);
      expect(wrong.headers.allow).toBe('POST, GET, HEAD');
      expect(wrong.json().type).toBe('https://baton.dev/problems/method-not-allowed');
      const deleteRun = await h.request({ method: 'DELETE', url: '/api/v1/runs/abc' });
      expect(deleteRun.statusCode).toBe(405);
      expect(deleteRun.headers.allow).toBe('GET, HEAD');
      expect((await h.request({ method: 'POST', url: '/health', key: null })).statusCode).toBe(405);
    });

    it('413 for a body over the limit, 415 for an unknown content type, 400 for malformed JSON naming the issue', async () => {
      const h = harness();
      const big = JSON.stringify({ namespace: 'a', name: 'b', input: { blob: 'x'.repeat(1024 * 1024 + 10) } });
      const tooLarge = await h.request({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/json' }, payload: big });
      expect(tooLarge.statusCode).toBe(413);
      expect(tooLarge.json()).toMatchObject({ type: 'https://baton.dev/problems/payload-too-large', status: 413 });
      expect(tooLarge.json().detail).toContain('BATON_MAX_BODY_BYTES');
      const bigYaml = await h.request({ method: 'POST', url: '/api/v1/workflows', headers: { 'content-type': 'application/yaml' }, payload: `# ${'y'.repeat(1024 * 1024 + 10)}` });
      expect(bigYaml.statusCode).toBe(413);

      const xml = await h.request({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/xml' }, payload: '<run/>' });
      expect(xml.statusCode).toBe(415);
      const malformed = await h.request({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/json' }, payload: '{"namespace": "a",}' });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json()).toMatchObject({ type: 'https://baton.dev/problems/malformed-body', instance: '/api/v1/runs' });
      expect(malformed.json().detail).toMatch(/^the request body is not valid JSON: .*(position|token|property)/i);
      const poisoned = await h.request({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/json' }, payload: '{"namespace":"a","name":"b","__proto__":{"x":1}}' });
      expect(poisoned.statusCode).toBe(400);
    });

    it('415 problem naming the accepted media types on every route that takes a body; GETs ignore Content-Type', async () => {
      const h = harness();
      const json = ['application/json'];
      const bodyRoutes: Array<[string, string, string[]]> = [
        ['/api/v1/events', '{"specversion":"1.0","id":"e","source":"s","type":"t"}', ['application/cloudevents+json', ...json]],
        ['/api/v1/runs', '{"namespace":"a","name":"b"}', json],
        ['/api/v1/runs/some-run/cancel', '', json],
        ['/api/v1/keys', '{"name":"k","role":"user"}', json],
        ['/api/v1/stream-tokens', '', json],
        ['/api/v1/approvals/some-approval/decision', '{"decision":"approve"}', json],
        ['/api/v1/workflows', 'document: {}', ['application/yaml', 'application/x-yaml', 'text/yaml', ...json]],
      ];
      for (const [url, payload, accepted] of bodyRoutes) {
        for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/xml']) {
          const response = await h.request({ method: 'POST', url, headers: { 'content-type': type }, payload });
          expect(response.statusCode, `POST ${url} as ${type}: ${response.body}`).toBe(415);
          expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(response.json()).toMatchObject({ type: 'https://baton.dev/problems/unsupported-media-type', title: 'Unsupported Media Type', status: 415, instance: url.split('?')[0] });
          for (const media of accepted) expect(response.json().detail).toContain(media);
          expect(response.headers['accept-post']?.toString().split(', ').sort()).toEqual([...accepted].sort());
        }
      }
      // YAML is for workflow documents only; a batch of CloudEvents is not supported.
      for (const [url, type] of [['/api/v1/runs', 'application/yaml'], ['/api/v1/events', 'application/cloudevents-batch+json'], ['/api/v1/events', 'text/yaml'], ['/api/v1/runs', 'application/cloudevents+json']]) {
        expect((await h.request({ method: 'POST', url: url!, headers: { 'content-type': type! }, payload: '[]' })).statusCode, `${url} ${type}`).toBe(415);
      }
      // A key is still checked first.
      expect((await h.request({ method: 'POST', url: '/api/v1/events', key: null, headers: { 'content-type': 'text/plain' }, payload: 'x' })).statusCode).toBe(401);
      const event = '{"specversion":"1.0","id":"e1","source":"s","type":"t"}';
      for (const type of ['application/cloudevents+json', 'application/json', 'Application/CloudEvents+JSON; charset=utf-8']) {
        expect((await h.request({ method: 'POST', url: '/api/v1/events', headers: { 'content-type': type }, payload: event })).statusCode, type).toBe(202);
      }
      expect((await h.request({ method: 'GET', url: '/api/v1/runs', headers: { 'content-type': 'text/plain' } })).statusCode).toBe(200);
    });

    it('never answers 5xx to hostile input: NUL, lone surrogates, odd params', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      const json = { 'content-type': 'application/json' };
      const yaml = { 'content-type': 'application/yaml' };
      const run = (members: string) => `{"namespace":"${ns}","name":"hello",${members}}`;
      const cases: Array<[InjectOptions, number]> = [
        // JSON values are jsonb: NUL and lone surrogates inside run input are kept.
        [{ method: 'POST', url: '/api/v1/runs', headers: json, payload: run('"input":{"s":"a\\u0000b"}') }, 201],
        [{ method: 'POST', url: '/api/v1/runs', headers: json, payload: run('"input":{"s":"\\ud800"}') }, 201],
        // Strings that go to text columns are refused.
        [{ method: 'POST', url: '/api/v1/runs', headers: json, payload: run('"idempotencyKey":"k\\u0000"') }, 400],
        [{ method: 'POST', url: '/api/v1/runs', headers: json, payload: run('"version":"\\udc00"') }, 400],
        [{ method: 'POST', url: '/api/v1/keys', headers: json, payload: '{"name":"\\u0000","role":"user"}' }, 400],
        [{ method: 'POST', url: '/api/v1/workflows', headers: yaml, payload: 'a: 1\u0000' }, 400],
        [{ method: 'GET', url: '/api/v1/runs?name=%00' }, 400],
        [{ method: 'GET', url: '/api/v1/workflows?namespace=a%00b' }, 400],
        [{ method: 'GET', url: '/api/v1/runs?cursor=%00' }, 400],
        [{ method: 'GET', url: '/api/v1/runs?limit=1&limit=2' }, 400],
        [{ method: 'GET', url: `/api/v1/workflows/${ns}/hello%00` }, 400],
        [{ method: 'GET', url: `/api/v1/workflows/${ns}/hello/%ED%A0%80` }, 400],
        [{ method: 'GET', url: `/api/v1/runs/${'x'.repeat(5000)}` }, 414],
        [{ method: 'GET', url: '/api/v1/runs/%E0%A4%A' }, 400],
        [{ method: 'GET', url: '/api/v1/runs/%00' }, 400],
        [{ method: 'DELETE', url: '/api/v1/keys/%00' }, 400],
        [{ method: 'POST', url: '/api/v1/events', headers: json, payload: 'null' }, 400],
      ];
      for (const [options, status] of cases) {
        const response = await h.request(options);
        expect(response.statusCode, `${options.method} ${options.url} ${String(options.payload ?? '')}: ${response.body}`).toBe(status);
        if (status >= 400) expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    });

    it('writes one JSON log line per request with method, route, status, duration — never the key', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      const before = h.logs.length;
      await h.request({ method: 'GET', url: `/api/v1/workflows/${ns}/hello` });
      await h.request({ method: 'GET', url: '/api/v1/runs', key: 'bt_wrong-secret-value-123' });
      const created = await h.request({ method: 'POST', url: '/api/v1/keys', payload: { name: 'logged', role: 'user' } });
      await h.request({ method: 'GET', url: '/api/v1/runs/%E0%A4%A' });
      const lines = h.logs.slice(before).filter((line) => line.msg === 'request');
      expect(lines).toHaveLength(4);
      expect(lines[3]).toMatchObject({ method: 'GET', route: 'unmatched', status: 400 });
      expect(lines[0]).toMatchObject({ method: 'GET', route: '/api/v1/workflows/:namespace/:name', status: 200, reqId: expect.any(String) });
      expect(typeof lines[0]!.durationMs).toBe('number');
      expect(lines[1]).toMatchObject({ route: '/api/v1/runs', status: 401 });
      expect(lines[2]).toMatchObject({ method: 'POST', route: '/api/v1/keys', status: 201 });
      const text = h.logText();
      for (const secret of [h.adminKey, 'bt_wrong-secret-value-123', created.json().secret]) expect(text).not.toContain(secret);
      expect(text.toLowerCase()).not.toContain('authorization');
    });

    it('exposes Prometheus metrics: request histogram by route and status, runs started', async () => {
      const h = harness();
      await h.request({ method: 'GET', url: '/api/v1/runs' });
      const metrics = await h.request({ method: 'GET', url: '/metrics', key: null });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
      expect(metrics.body).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/runs",status_code="200"\} \d+/);
      expect(metrics.body).toContain('# TYPE runs_started_total counter');
    });

    it('GET /openapi.json is an OpenAPI 3.1 document covering every route with resolvable refs', async () => {
      const h = harness();
      const response = await h.request({ method: 'GET', url: '/openapi.json', key: null });
      expect(response.statusCode).toBe(200);
      const doc = JSON.parse(response.body);
      expect(doc.openapi).toBe('3.1.0');
      for (const [method, path] of ROUTES) {
        const operation = doc.paths[path]?.[method];
        expect(operation, `${method} ${path}`).toBeDefined();
        expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
        expect(operation.security).toEqual(path.startsWith('/api/') ? [{ bearerAuth: [] }] : []);
      }
      // Every /api route the server answers (including ones added later) is documented.
      const served = servedRoutes(h.app);
      expect(served.length).toBeGreaterThanOrEqual(ROUTES.filter(([, path]) => path.startsWith('/api/')).length);
      for (const [method, path] of served) expect(doc.paths[path]?.[method], `${method} ${path} is served but not documented`).toBeDefined();
      const refs = [...response.body.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
      for (const ref of refs) expect(doc.components.schemas[ref], ref).toBeDefined();
      expect(doc.components.schemas.Problem.properties.problems).toBeDefined();
      expect(doc.paths['/api/v1/runs'].post.requestBody.content['application/json'].schema.required).toEqual(['namespace', 'name']);
      expect(doc.paths['/api/v1/workflows'].post.requestBody.content['application/yaml']).toBeDefined();
      expect(doc.paths['/api/v1/events'].post.responses['415'].content['application/problem+json']).toBeDefined();
      expect(doc.paths['/api/v1/runs'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['status', 'namespace', 'name', 'scheduleId', 'parentRunId', 'rerunOf', 'resetOf', 'q', 'limit', 'cursor']);
    });
  });
}
