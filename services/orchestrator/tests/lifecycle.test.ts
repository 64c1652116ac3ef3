// App lifecycle: readiness when a dependency is gone, the wait cap, close releasing held waits.
import { describe, expect, it } from 'vitest';
import { openHarness, registerWorkflow, sleep, uniqueNamespace } from './harness.ts';

describe('orchestrator lifecycle (embedded)', () => {
  it('/ready answers 503 naming the unreachable dependency', async () => {
    const h = await openHarness('embedded');
    try {
      await h.bus.close();
      const response = await h.request({ method: 'GET', url: '/ready', key: null });
      expect(response.statusCode).toBe(503);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ type: 'https://baton.dev/problems/not-ready', status: 503, checks: { store: true, bus: false } });
      expect(response.json().detail).toContain('bus');
    } finally {
      await h.app.close();
      await h.store.close();
    }
  });

  it('caps wait at BATON_MAX_WAIT', async () => {
    const h = await openHarness('embedded', { maxWaitMs: 200 });
    try {
      const ns = uniqueNamespace();
      await registerWorkflow(h, ns);
      const response = await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'hello', wait: 'PT1H' } });
      expect(response.statusCode).toBe(202);
      expect(response.json().status).toBe('pending');
    } finally {
      await h.close();
    }
  });

  it('closing the app answers held waits with 202 instead of holding shutdown', async () => {
    const h = await openHarness('embedded');
    const ns = uniqueNamespace();
    await registerWorkflow(h, ns);
    const pending = h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'hello', wait: 'PT60S' } });
    // The waiter is registered before the run is created: once the run exists, it waits.
    for (let i = 0; (await h.store.listRuns({ namespace: ns, limit: 1 })).items.length === 0; i += 1) {
      if (i > 1000) throw new Error('the run was not created');
      await sleep(5);
    }
    await h.close().catch(() => undefined);
    const response = await pending;
    expect(response.statusCode).toBe(202);
  });
});
