// Issue 12's hostile inputs for the API, each answered with a 4xx problem naming what is wrong:
// forged cursors, integers beyond the store's range, deep JSON, numbers JSON cannot hold (rows
// 10 and 11), a document that expands past its limits (row 6), a reused idempotency key (row 12).
import type { InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { type Harness, registerWorkflow, startRun, uniqueNamespace, workflowYaml } from '../harness.ts';

const json = { 'content-type': 'application/json' };
const forged = (...key: unknown[]) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

async function expectProblem(h: Harness, options: InjectOptions, status: number, detail?: RegExp): Promise<Record<string, any>> {
  const response = await h.request(options);
  const what = `${options.method} ${options.url} ${String(options.payload ?? '').slice(0, 80)}: ${response.body.slice(0, 300)}`;
  expect(response.statusCode, what).toBe(status);
  expect(response.headers['content-type'], what).toMatch(/^application\/problem\+json/);
  const problem = response.json<Record<string, any>>();
  if (detail) expect(problem.detail, what).toMatch(detail);
  return problem;
}

export function hostileSuite(harness: () => Harness): void {
  describe('hostile input (issue 12)', () => {
    it('refuses forged list cursors with 400, whichever listing', async () => {
      const h = harness();
      const stamp = '2026-01-01T00:00:00.000Z';
      for (const url of [
        `/api/v1/runs?cursor=${forged('runs', '1', 'x')}`,
        `/api/v1/runs?cursor=${forged('runs', stamp, 'a\u0000b')}`,
        `/api/v1/runs?cursor=${forged('runs', stamp, '\uD800')}`,
        `/api/v1/workflows?cursor=${forged('definitions', 'ns\u0000', 'name', 'id')}`,
        `/api/v1/approvals?cursor=${forged('approvals', '1', 'x')}`,
        `/api/v1/approvals?cursor=${forged('approvals', stamp, 'a\u0000b')}`,
      ]) {
        await expectProblem(h, { method: 'GET', url }, 400, /cursor/);
      }
    });

    it('refuses integers beyond what the store holds: events?after=2147483648, limits', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      const run = await startRun(h, ns);
      const beyond = await expectProblem(h, { method: 'GET', url: `/api/v1/runs/${run.id}/events?after=2147483648` }, 400);
      expect(beyond.problems[0]).toMatchObject({ path: '/query/after' });
      for (const query of ['after=-1', 'after=1e300', 'after=1.5', 'limit=0', 'limit=4294967296', 'limit=99999999999999999999']) {
        await expectProblem(h, { method: 'GET', url: `/api/v1/runs/${run.id}/events?${query}` }, 400);
      }
      await expectProblem(h, { method: 'GET', url: '/api/v1/approvals?limit=2147483648' }, 400);
      const last = await h.request({ method: 'GET', url: `/api/v1/runs/${run.id}/events?after=2147483647` });
      expect(last.json()).toEqual({ items: [], nextAfter: 2147483647 });
    });

    it('refuses JSON nested 10,000 deep in any body at parse time, naming where', async () => {
      const h = harness();
      const extension = await expectProblem(
        h,
        { method: 'POST', url: '/api/v1/events', headers: json, payload: `{"specversion":"1.0","id":"e","source":"s","type":"t","ext":${deepArray(10_000)}}` },
        400,
        /more than 512 levels deep/,
      );
      expect(extension.problems[0].path).toMatch(/^\/body\/ext\/0\/0\//);
      const decision = await expectProblem(h, { method: 'POST', url: '/api/v1/approvals/a1/decision', headers: json, payload: `{"decision":"approve","data":{"x":${deepArray(10_000)}}}` }, 400);
      expect(decision.problems[0].path).toMatch(/^\/body\/data\/x\/0\//);
      await expectProblem(h, { method: 'POST', url: '/api/v1/runs', headers: json, payload: `{"namespace":"a","name":"b","input":${deepArray(100_000)}}` }, 400);
    });

    it('keeps JSON nested 500 deep end to end (store and bus serialise it)', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      const created = await h.request({ method: 'POST', url: '/api/v1/runs', headers: json, payload: `{"namespace":"${ns}","name":"hello","input":{"a":${deepArray(500)}}}` });
      expect(created.statusCode).toBe(201);
      const read = await h.request({ method: 'GET', url: `/api/v1/runs/${created.json().id}` });
      expect(JSON.stringify(read.json().input)).toBe(`{"a":${deepArray(500)}}`);
      const event = await h.request({ method: 'POST', url: '/api/v1/events', headers: json, payload: `{"specversion":"1.0","id":"e","source":"s","type":"t","data":${deepArray(500)}}` });
      expect(event.statusCode).toBe(202);
    });

    it('refuses numbers JSON cannot hold (1e400 parses to Infinity) anywhere in a body, naming the path', async () => {
      const h = harness();
      const cases: Array<[string, string, string]> = [
        ['/api/v1/runs', '{"namespace":"a","name":"b","input":{"amount":1e400}}', '/body/input/amount'],
        ['/api/v1/events', '{"specversion":"1.0","id":"e","source":"s","type":"t","data":[-1e400]}', '/body/data/0'],
        ['/api/v1/approvals/a1/decision', '{"decision":"approve","data":{"amount":1e400}}', '/body/data/amount'],
        ['/api/v1/stream-tokens', '{"ttlSeconds":1e400}', '/body/ttlSeconds'],
        ['/api/v1/workflows', '{"document":{"dsl":"1.0.0","namespace":"a","name":"b","version":"1"},"do":[{"s":{"set":{"n":1e999}}}]}', '/body/do/0/s/set/n'],
      ];
      for (const [url, payload, path] of cases) {
        const problem = await expectProblem(h, { method: 'POST', url, headers: json, payload }, 400, /cannot hold/);
        expect(problem.problems).toEqual([{ path, message: expect.stringContaining('cannot hold') }]);
      }
    });

    it('refuses the 300 KB string aliased 999 times (row 6) with 422 naming the limit, in bounded time', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      const bomb = `${workflowYaml(ns, 'bomb')}  - copy:\n      set:\n        a: &big "${'x'.repeat(300_000)}"\n        copies: [${Array(999).fill('*big').join(', ')}]\n`;
      const started = Date.now();
      const problem = await expectProblem(h, { method: 'POST', url: '/api/v1/workflows', headers: { 'content-type': 'application/yaml' }, payload: bomb }, 422, /expands to more than 4194304 bytes/);
      expect(problem.type).toBe('https://baton.dev/problems/invalid-workflow');
      expect(problem.problems[0]).toMatchObject({ path: '', line: expect.any(Number) });
      expect(Date.now() - started).toBeLessThan(30_000); // did not hang (79 s before)
      expect((await h.request({ method: 'GET', url: `/api/v1/workflows/${ns}/bomb` })).statusCode).toBe(404);
    });

    it('refuses documents nested 10,000 deep (YAML flow, JSON) with a problem, not a stack overflow', async () => {
      const h = harness();
      const yaml = await expectProblem(h, { method: 'POST', url: '/api/v1/workflows', headers: { 'content-type': 'application/yaml' }, payload: `a: ${deepArray(10_000)}\n` }, 422, /more than 300 levels deep/);
      expect(yaml.detail).not.toMatch(/call stack/);
      await expectProblem(h, { method: 'POST', url: '/api/v1/workflows', headers: json, payload: `{"document":{},"do":${deepArray(10_000)}}` }, 400, /512 levels/);
      await expectProblem(h, { method: 'POST', url: '/api/v1/workflows', headers: json, payload: `{"document":{},"do":${deepArray(400)}}` }, 422, /300 levels/);
    });

    it('answers a repeated idempotency key: same request → the first run (200), another → 409 saying what differs', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns, 'hello', '1.0.0');
      await registerWorkflow(h, ns, 'other', '1.0.0');
      const start = (body: Record<string, unknown>) => h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, idempotencyKey: 'order-7', ...body } });
      const first = await start({ name: 'hello', input: { a: 1, b: [1, 2] } });
      expect(first.statusCode).toBe(201);
      const runId = first.json().id;
      // The same request, its members in another order and its version now explicit.
      const same = await h.request({ method: 'POST', url: '/api/v1/runs', headers: json, payload: `{"input":{"b":[1,2.0],"a":1},"idempotencyKey":"order-7","version":"1.0.0","name":"hello","namespace":"${ns}"}` });
      expect(same.statusCode).toBe(200);
      expect(same.json().id).toBe(runId);
      const input = await expectProblem(h, { method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'hello', idempotencyKey: 'order-7', input: { a: 2, b: [1, 2] } } }, 409, /idempotency key "order-7" already started run/);
      expect(input).toMatchObject({ type: 'https://baton.dev/problems/conflict', runId, differs: ['input'] });
      expect((await start({ name: 'other', input: { a: 1, b: [1, 2] } })).statusCode).toBe(409);
      expect((await start({ name: 'other' })).json().differs).toEqual(['name', 'input']);
      await registerWorkflow(h, ns, 'hello', '2.0.0');
      expect((await start({ name: 'hello', version: '2.0.0', input: { a: 1, b: [1, 2] } })).json().differs).toEqual(['version']);
      // Without a version the request asks for whichever is the latest: the first run answers it.
      expect((await start({ name: 'hello', input: { a: 1, b: [1, 2] } })).statusCode).toBe(200);
      const runs = await h.store.listRuns({ namespace: ns, limit: 10 });
      expect(runs.items).toHaveLength(1);
    });
  });
}
