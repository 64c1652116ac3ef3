// Authentication, authorization and /api/v1/keys.
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createOrchestratorApp, defaultOrchestratorConfig, ensureBootstrapKey } from '../../src/index.ts';
import { createKey, type Harness, sleep, registerWorkflow, startRun, uniqueNamespace, workflowYaml } from '../harness.ts';

export function authSuite(harness: () => Harness): void {
  describe('authentication', () => {
    it('401 without a key, with a malformed header, with an unknown key — on every /api route, known or not', async () => {
      const h = harness();
      const routes = [
        ['GET', '/api/v1/workflows'],
        ['POST', '/api/v1/workflows'],
        ['GET', '/api/v1/runs'],
        ['POST', '/api/v1/runs'],
        ['GET', '/api/v1/runs/x/events'],
        ['POST', '/api/v1/events'],
        ['GET', '/api/v1/keys'],
        ['DELETE', '/api/v1/keys/x'],
        ['GET', '/api/v1/nothing-here'],
      ] as const;
      for (const [method, url] of routes) {
        const none = await h.request({ method, url, key: null });
        expect(none.statusCode, `${method} ${url}`).toBe(401);
        expect(none.headers['www-authenticate']).toBe('Bearer realm="baton"');
        expect(none.json()).toMatchObject({ type: 'https://baton.dev/problems/unauthorized', status: 401, instance: url });
        expect((await h.request({ method, url, key: 'bt_this-key-does-not-exist' })).statusCode).toBe(401);
      }
      // A percent-encoded path routes to the same handler and is authenticated the same way.
      const encoded = await h.request({ method: 'GET', url: '/%61pi/v1/runs', key: null });
      expect(encoded.statusCode).toBe(401);
      expect(encoded.json().detail).toMatch(/missing Authorization header/);
      expect((await h.request({ method: 'GET', url: '/%61pi/v1/runs' })).statusCode).toBe(200);
      const basic = await h.request({ method: 'GET', url: '/api/v1/runs', key: null, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
      expect(basic.statusCode).toBe(401);
      expect(basic.json().detail).toContain('Bearer');
      // Public routes need no key.
      for (const url of ['/health', '/ready', '/metrics', '/openapi.json']) expect((await h.request({ method: 'GET', url, key: null })).statusCode).toBe(200);
    });

    it('403 when a user key calls admin routes', async () => {
      const h = harness();
      const user = await createKey(h, { name: 'user', role: 'user' });
      expect((await h.request({ method: 'GET', url: '/api/v1/keys', key: user.secret })).statusCode).toBe(403);
      const create = await h.request({ method: 'POST', url: '/api/v1/keys', key: user.secret, payload: { name: 'x', role: 'admin' } });
      expect(create.statusCode).toBe(403);
      expect(create.json().type).toBe('https://baton.dev/problems/forbidden');
      expect((await h.request({ method: 'DELETE', url: `/api/v1/keys/${user.id}`, key: user.secret })).statusCode).toBe(403);
      expect((await h.request({ method: 'GET', url: '/api/v1/runs', key: user.secret })).statusCode).toBe(200);
    });

    it('a namespace-restricted key works in its namespace and gets 403 elsewhere', async () => {
      const h = harness();
      const mine = uniqueNamespace('mine');
      const theirs = uniqueNamespace('theirs');
      await registerWorkflow(h, mine);
      await registerWorkflow(h, theirs);
      const key = (await createKey(h, { name: 'scoped', role: 'user', namespace: mine })).secret;
      const ownRun = await startRun(h, mine);
      const otherRun = await startRun(h, theirs);
      const as = (method: 'GET' | 'POST', url: string, extra: Record<string, unknown> = {}) => h.request({ method, url, key, ...extra });

      expect((await as('POST', '/api/v1/runs', { payload: { namespace: mine, name: 'hello' } })).statusCode).toBe(201);
      expect((await as('GET', `/api/v1/runs/${ownRun.id}`)).statusCode).toBe(200);
      const forbidden = [
        await as('POST', '/api/v1/runs', { payload: { namespace: theirs, name: 'hello' } }),
        await as('GET', `/api/v1/runs/${otherRun.id}`),
        await as('GET', `/api/v1/runs/${otherRun.id}/events`),
        await as('POST', `/api/v1/runs/${otherRun.id}/cancel`),
        await as('GET', `/api/v1/workflows/${theirs}/hello`),
        await as('GET', `/api/v1/workflows/${theirs}/hello/1.0.0`),
        await as('GET', '/api/v1/runs', { query: { namespace: theirs } }),
        await as('GET', '/api/v1/workflows', { query: { namespace: theirs } }),
        await as('POST', '/api/v1/workflows', { headers: { 'content-type': 'application/yaml' }, payload: workflowYaml(theirs, 'sneaky') }),
      ];
      for (const response of forbidden) {
        expect(response.statusCode, response.body).toBe(403);
        expect(response.json().detail).toContain(mine);
      }
      const listed = await as('GET', '/api/v1/runs');
      expect(listed.json().items.length).toBeGreaterThan(0);
      expect(listed.json().items.every((run: { namespace: string }) => run.namespace === mine)).toBe(true);
      const definitions = await as('GET', '/api/v1/workflows');
      expect(definitions.json().items.every((d: { namespace: string }) => d.namespace === mine)).toBe(true);
    });

    it('a namespace-restricted key delivers posted events only to runs of its namespace', async () => {
      const h = harness();
      const mine = uniqueNamespace('mine');
      const theirs = uniqueNamespace('theirs');
      await registerWorkflow(h, mine);
      await registerWorkflow(h, theirs);
      const ownRun = await startRun(h, mine);
      const otherRun = await startRun(h, theirs);
      const type = `com.example.${mine}.scoped`;
      await h.store.transaction((tx) =>
        tx.insertListens([ownRun, otherRun].map((run) => ({ id: `${run.id}:l1`, runId: run.id, listenId: 'l1', filters: [{ with: { type } }] }))),
      );
      const key = (await createKey(h, { name: 'scoped-events', role: 'user', namespace: mine })).secret;
      const event = { specversion: '1.0', id: 'e1', source: 'test', type };
      const scoped = await h.request({ method: 'POST', url: '/api/v1/events', key, payload: event });
      expect(scoped.json()).toEqual({ matched: 1, runs: [] });
      const unrestricted = await h.request({ method: 'POST', url: '/api/v1/events', payload: { ...event, id: 'e2' } });
      expect(unrestricted.json()).toEqual({ matched: 2, runs: [] });
    });

    it('a revoked key is refused at once here and, after the cache window, by another process', async () => {
      const h = harness();
      const other = await createOrchestratorApp({ store: h.store, bus: h.bus, logger: pino({ level: 'silent' }), metrics: new Registry(), config: defaultOrchestratorConfig({ authCacheMs: 300 }) });
      try {
        const key = await createKey(h, { name: 'temp', role: 'user' });
        const onOther = () => other.inject({ method: 'GET', url: '/api/v1/runs', headers: { authorization: `Bearer ${key.secret}` } });
        expect((await h.request({ method: 'GET', url: '/api/v1/runs', key: key.secret })).statusCode).toBe(200);
        expect((await onOther()).statusCode).toBe(200);
        expect((await h.request({ method: 'DELETE', url: `/api/v1/keys/${key.id}` })).statusCode).toBe(204);
        expect((await h.request({ method: 'GET', url: '/api/v1/runs', key: key.secret })).statusCode).toBe(401);
        await sleep(350);
        expect((await onOther()).statusCode).toBe(401);
      } finally {
        await other.close();
      }
    });
  });

  describe('API keys', () => {
    it('creates (secret once), lists (never secrets), revokes (204, then 404)', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      const created = await h.request({ method: 'POST', url: '/api/v1/keys', payload: { name: 'ci', role: 'user', namespace: ns } });
      expect(created.statusCode).toBe(201);
      const key = created.json();
      expect(key).toMatchObject({ name: 'ci', role: 'user', namespace: ns, prefix: key.secret.slice(0, key.prefix.length) });
      expect(key.secret.length).toBeGreaterThanOrEqual(16);
      const listed = await h.request({ method: 'GET', url: '/api/v1/keys' });
      expect(listed.statusCode).toBe(200);
      const entry = listed.json().items.find((k: { id: string }) => k.id === key.id);
      expect(entry).toEqual({ id: key.id, name: 'ci', prefix: key.prefix, role: 'user', namespace: ns, createdAt: key.createdAt });
      expect(listed.body).not.toContain(key.secret);

      expect((await h.request({ method: 'DELETE', url: `/api/v1/keys/${key.id}` })).statusCode).toBe(204);
      const revoked = (await h.request({ method: 'GET', url: '/api/v1/keys' })).json().items.find((k: { id: string }) => k.id === key.id);
      expect(revoked.revokedAt).toBeDefined();
      expect((await h.request({ method: 'DELETE', url: `/api/v1/keys/${key.id}` })).statusCode).toBe(404);
      expect((await h.request({ method: 'DELETE', url: '/api/v1/keys/no-such-key' })).statusCode).toBe(404);
      for (const payload of [{ name: 'x' }, { name: 'x', role: 'root' }, { name: '', role: 'user' }, { name: 'x', role: 'user', namespace: 'Bad NS' }]) {
        expect((await h.request({ method: 'POST', url: '/api/v1/keys', payload })).statusCode, JSON.stringify(payload)).toBe(400);
      }
    });

    it('a namespace-restricted admin manages only keys of its namespace', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      const admin = (await createKey(h, { name: 'ns-admin', role: 'admin', namespace: ns })).secret;
      const outside = await createKey(h, { name: 'outside', role: 'user' });
      const own = await h.request({ method: 'POST', url: '/api/v1/keys', key: admin, payload: { name: 'own', role: 'user' } });
      expect(own.statusCode).toBe(201);
      expect(own.json().namespace).toBe(ns);
      expect((await h.request({ method: 'POST', url: '/api/v1/keys', key: admin, payload: { name: 'x', role: 'user', namespace: uniqueNamespace() } })).statusCode).toBe(403);
      expect((await h.request({ method: 'DELETE', url: `/api/v1/keys/${outside.id}`, key: admin })).statusCode).toBe(403);
      const listed = (await h.request({ method: 'GET', url: '/api/v1/keys', key: admin })).json().items;
      expect(listed.every((k: { namespace?: string }) => k.namespace === ns)).toBe(true);
    });

    it('ensureBootstrapKey: BATON_API_KEY makes sure that key exists; without it nothing is created once an admin exists', async () => {
      const h = harness();
      const secret = `bt_configured_${uniqueNamespace()}`;
      expect(await ensureBootstrapKey(h.store, { apiKey: secret })).toEqual({ created: true });
      expect(await ensureBootstrapKey(h.store, { apiKey: secret })).toEqual({ created: false });
      expect((await h.store.verifyApiKey(secret))?.role).toBe('admin');
      expect((await h.request({ method: 'GET', url: '/api/v1/keys', key: secret })).statusCode).toBe(200);
      expect(await ensureBootstrapKey(h.store, {})).toEqual({ created: false });
    });

    it('ensureBootstrapKey refuses a short secret, a user key and the secret of a revoked key, saying why', async () => {
      const h = harness();
      await expect(ensureBootstrapKey(h.store, { apiKey: 'short' })).rejects.toThrow(/BATON_API_KEY must have at least 16 characters/);
      const user = await createKey(h, { name: 'plain-user', role: 'user' });
      await expect(ensureBootstrapKey(h.store, { apiKey: user.secret })).rejects.toThrow(/"plain-user", a user key/);
      expect((await h.request({ method: 'DELETE', url: `/api/v1/keys/${user.id}` })).statusCode).toBe(204);
      await expect(ensureBootstrapKey(h.store, { apiKey: user.secret })).rejects.toThrow(/revoked, choose a new one/);
    });
  });
}
