// POST /api/v1/stream-tokens when no secret is configured (a distributed orchestrator without
// BATON_STREAM_TOKEN_SECRET): tokens are disabled with a 503 that says what to set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBus } from '@baton/bus';
import { createOrchestratorApp, defaultOrchestratorConfig, ensureBootstrapKey } from '@baton/orchestrator';
import { createLogger, createMetrics } from '@baton/runtime';
import { createStore } from '@baton/store';
import type { FastifyInstance } from 'fastify';

const KEY = 'bt_stream_token_route_test_key';

describe('POST /api/v1/stream-tokens without a secret', () => {
  let app: FastifyInstance;
  let close: () => Promise<void>;

  beforeAll(async () => {
    expect(process.env.BATON_STREAM_TOKEN_SECRET ?? '').toBe('');
    const store = await createStore({ kind: 'pglite' });
    await store.migrate();
    await ensureBootstrapKey(store, { apiKey: KEY });
    const bus = createBus({ kind: 'memory' });
    app = await createOrchestratorApp({ store, bus, logger: createLogger('test', 'silent'), metrics: createMetrics('test'), config: defaultOrchestratorConfig() });
    close = async () => {
      await app.close();
      await bus.close();
      await store.close();
    };
  });
  afterAll(async () => {
    await close?.();
  });

  it('answers 503 naming the variable to set, after authenticating the key', async () => {
    const refused = await app.inject({ method: 'POST', url: '/api/v1/stream-tokens', headers: { authorization: `Bearer ${KEY}` } });
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ status: 503, type: 'https://baton.dev/problems/not-ready' });
    expect(refused.json().detail).toMatch(/BATON_STREAM_TOKEN_SECRET/);
    const anonymous = await app.inject({ method: 'POST', url: '/api/v1/stream-tokens' });
    expect(anonymous.statusCode).toBe(401);
  });
});
