// POST/GET /api/v1/workflows…
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../src/index.ts';
import { type Harness, uniqueNamespace, workflowJson, workflowYaml } from '../harness.ts';

const post = (h: Harness, payload: string, contentType = 'application/yaml') =>
  h.request({ method: 'POST', url: '/api/v1/workflows', headers: { 'content-type': contentType }, payload });

export function workflowSuite(harness: () => Harness): void {
  describe('workflow definitions', () => {
    it('registers YAML (201), the same content again (200), in JSON with other key order (200), other content (409)', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      const created = await post(h, workflowYaml(ns));
      expect(created.statusCode).toBe(201);
      const summary = created.json();
      expect(summary).toMatchObject({ namespace: ns, name: 'hello', version: '1.0.0' });
      expect(summary.contentHash).toMatch(/^[0-9a-f]{64}$/);
      expect(summary).not.toHaveProperty('document');
      expect(created.headers.location).toBe(`/api/v1/workflows/${ns}/hello/1.0.0`);

      const again = await post(h, workflowYaml(ns));
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(summary);

      const asJson = await post(h, workflowJson(ns), 'application/json');
      expect(asJson.statusCode).toBe(200);
      expect(asJson.json().contentHash).toBe(summary.contentHash);

      const changed = await post(h, workflowYaml(ns, 'hello', '1.0.0', 'bye'));
      expect(changed.statusCode).toBe(409);
      expect(changed.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(changed.json()).toMatchObject({ status: 409, type: 'https://baton.dev/problems/conflict', existingContentHash: summary.contentHash, instance: '/api/v1/workflows' });
      expect(changed.json().detail).toContain('new version');
    });

    it('accepts application/x-yaml, text/yaml and JSON; the hash is sha256 of the canonical document', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      expect((await post(h, workflowYaml(ns, 'a'), 'application/x-yaml')).statusCode).toBe(201);
      expect((await post(h, workflowYaml(ns, 'b'), 'text/yaml; charset=utf-8')).statusCode).toBe(201);
      const json = await post(h, workflowJson(ns, 'c'), 'application/json');
      expect(json.statusCode).toBe(201);
      expect(json.json().contentHash).toBe(contentHash(JSON.parse(workflowJson(ns, 'c'))));
    });

    it('422 with the problem list for an invalid document', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      const invalid = ['document:', "  dsl: '1.0.0'", `  namespace: ${ns}`, '  name: broken', "  version: '1.0.0'", 'do:', '  - step:', '      nosuchtask: {}', ''].join('\n');
      const response = await post(h, invalid);
      expect(response.statusCode).toBe(422);
      const problem = response.json();
      expect(problem).toMatchObject({ type: 'https://baton.dev/problems/invalid-workflow', status: 422, title: 'Unprocessable Content' });
      expect(problem.problems.length).toBeGreaterThan(0);
      expect(problem.problems[0]).toEqual(expect.objectContaining({ path: expect.any(String), message: expect.any(String) }));
      const noDo = await post(h, JSON.stringify({ document: { dsl: '1.0.0', namespace: ns, name: 'x', version: '1.0.0' } }), 'application/json');
      expect(noDo.statusCode).toBe(422);
      const scalar = await post(h, 'just a string');
      expect(scalar.statusCode).toBe(422);
    });

    it('400 for malformed YAML or JSON and an empty body; 415 for other content types', async () => {
      const h = harness();
      const yaml = await post(h, 'document:\n  name: [unclosed\n');
      expect(yaml.statusCode).toBe(400);
      expect(yaml.json()).toMatchObject({ type: 'https://baton.dev/problems/malformed-body' });
      expect(yaml.json().detail).toMatch(/not valid YAML/);
      const json = await post(h, '{"document": ', 'application/json');
      expect(json.statusCode).toBe(400);
      expect(json.json().detail).toMatch(/not valid JSON: .+/);
      expect((await post(h, '   ')).statusCode).toBe(400);
      const noBody = await h.request({ method: 'POST', url: '/api/v1/workflows' });
      expect(noBody.statusCode).toBe(400);
      const text = await post(h, workflowYaml(uniqueNamespace()), 'text/plain');
      expect(text.statusCode).toBe(415);
      expect(text.json().type).toBe('https://baton.dev/problems/unsupported-media-type');
    });

    it('reads the latest version, one version with its document, and the YAML source', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      for (const version of ['1.2.0', '1.10.0', '1.9.3']) expect((await post(h, workflowYaml(ns, 'flow', version))).statusCode).toBe(201);
      const latest = await h.request({ method: 'GET', url: `/api/v1/workflows/${ns}/flow` });
      expect(latest.statusCode).toBe(200);
      expect(latest.json()).toMatchObject({ version: '1.10.0', document: { document: { name: 'flow', version: '1.10.0' } } });

      const one = await h.request({ method: 'GET', url: `/api/v1/workflows/${ns}/flow/1.2.0` });
      expect(one.json()).toMatchObject({ version: '1.2.0', namespace: ns, document: { do: [{ greet: { set: { message: 'hi' } } }] } });
      expect(one.json()).not.toHaveProperty('source');

      const source = await h.request({ method: 'GET', url: `/api/v1/workflows/${ns}/flow/1.2.0`, headers: { accept: 'application/yaml' } });
      expect(source.statusCode).toBe(200);
      expect(source.headers['content-type']).toMatch(/^application\/yaml/);
      expect(source.body).toBe(workflowYaml(ns, 'flow', '1.2.0'));
      const jsonPreferred = await h.request({ method: 'GET', url: `/api/v1/workflows/${ns}/flow/1.2.0`, headers: { accept: 'application/json, application/yaml;q=0.5' } });
      expect(jsonPreferred.headers['content-type']).toMatch(/^application\/json/);

      expect((await h.request({ method: 'GET', url: `/api/v1/workflows/${ns}/flow/9.9.9` })).statusCode).toBe(404);
      const missing = await h.request({ method: 'GET', url: `/api/v1/workflows/${ns}/nothing` });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ type: 'https://baton.dev/problems/not-found', instance: `/api/v1/workflows/${ns}/nothing` });
    });

    it('lists with filters and keyset pages; bad cursor and limit bounds are 400', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      for (const name of ['a', 'b', 'c']) expect((await post(h, workflowYaml(ns, name))).statusCode).toBe(201);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await h.request({ method: 'GET', url: '/api/v1/workflows', query: { namespace: ns, limit: '2', ...(cursor && { cursor }) } });
        expect(page.statusCode).toBe(200);
        const body = page.json();
        expect(body.items.length).toBeLessThanOrEqual(2);
        seen.push(...body.items.map((item: { name: string }) => item.name));
        cursor = body.nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual(['a', 'b', 'c']);
      const byName = await h.request({ method: 'GET', url: '/api/v1/workflows', query: { namespace: ns, name: 'b' } });
      expect(byName.json().items.map((i: { name: string }) => i.name)).toEqual(['b']);

      const badCursor = await h.request({ method: 'GET', url: '/api/v1/workflows', query: { cursor: 'not-a-cursor' } });
      expect(badCursor.statusCode).toBe(400);
      expect(badCursor.json().detail).toMatch(/cursor/);
      for (const limit of ['0', '501', 'abc', '1.5']) {
        const response = await h.request({ method: 'GET', url: '/api/v1/workflows', query: { limit } });
        expect(response.statusCode, `limit=${limit}`).toBe(400);
        expect(response.json().problems[0].path).toBe('/query/limit');
      }
    });
  });
}
