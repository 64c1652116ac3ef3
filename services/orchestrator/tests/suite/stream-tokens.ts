// POST /api/v1/stream-tokens (tokens for the fanout's WebSocket/SSE streams).
import { verifyStreamToken } from '@baton/fanout/tokens';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createOrchestratorApp, defaultOrchestratorConfig } from '../../src/index.ts';
import { createKey, type Harness, STREAM_TOKEN_SECRET, uniqueNamespace } from '../harness.ts';

export function streamTokenSuite(harness: () => Harness): void {
  describe('stream tokens', () => {
    it('mints a token the fanout verifies, carrying the key and a namespace no wider than the key', async () => {
      const h = harness();
      const response = await h.request({ method: 'POST', url: '/api/v1/stream-tokens', payload: { ttlSeconds: 120 } });
      expect(response.statusCode).toBe(201);
      expect(response.headers['cache-control']).toBe('no-store');
      const { token, expiresAt } = response.json();
      const claims = verifyStreamToken({ current: STREAM_TOKEN_SECRET }, token);
      expect(claims.knm).toBe('bootstrap-admin');
      expect(claims.ns).toBeUndefined();
      expect(claims.exp - claims.iat).toBe(120);
      expect(Date.parse(expiresAt)).toBe(claims.exp * 1000);

      const ns = uniqueNamespace();
      const scoped = (await createKey(h, { name: 'streamer', role: 'user', namespace: ns })).secret;
      const own = await h.request({ method: 'POST', url: '/api/v1/stream-tokens', key: scoped });
      expect(own.statusCode).toBe(201);
      expect(own.json().namespace).toBe(ns);
      expect(verifyStreamToken({ current: STREAM_TOKEN_SECRET }, own.json().token).ns).toBe(ns);
      expect((await h.request({ method: 'POST', url: '/api/v1/stream-tokens', key: scoped, payload: { namespace: uniqueNamespace() } })).statusCode).toBe(403);
      for (const payload of [{ ttlSeconds: 0 }, { ttlSeconds: 3601 }, { ttl: 5 }]) {
        expect((await h.request({ method: 'POST', url: '/api/v1/stream-tokens', payload })).statusCode, JSON.stringify(payload)).toBe(400);
      }
      expect((await h.request({ method: 'POST', url: '/api/v1/stream-tokens', key: null })).statusCode).toBe(401);
    });

    it('503 when no signing secret is configured', async () => {
      const h = harness();
      const app = await createOrchestratorApp({ store: h.store, bus: h.bus, logger: pino({ level: 'silent' }), metrics: new Registry(), config: defaultOrchestratorConfig() });
      try {
        const response = await app.inject({ method: 'POST', url: '/api/v1/stream-tokens', headers: { authorization: `Bearer ${h.adminKey}` } });
        expect(response.statusCode).toBe(503);
        expect(response.json().detail).toContain('BATON_STREAM_TOKEN_SECRET');
      } finally {
        await app.close();
      }
    });
  });
}
