// The service wiring of retention: BATON_RETENTION is read (and refused when invalid) before
// anything starts, the loop runs beside the runner and stops with it, and `off` starts none.
import { createBus } from '@baton/bus';
import { ConfigError, createMetrics, openServiceContext } from '@baton/runtime';
import { createStore } from '@baton/store';
import type { Store } from '@baton/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retentionFromEnv, startWorkflowRunner } from './index.ts';

describe('BATON_RETENTION', () => {
  it('defaults to 30 days, reads a duration, and turns off', () => {
    expect(retentionFromEnv({})).toBe(30 * 86_400_000);
    expect(retentionFromEnv({ BATON_RETENTION: 'P7D' })).toBe(7 * 86_400_000);
    expect(retentionFromEnv({ BATON_RETENTION: 'off' })).toBeUndefined();
    expect(() => retentionFromEnv({ BATON_RETENTION: '7 days' })).toThrow(ConfigError);
  });
});

describe('startWorkflowRunner', () => {
  let store: Store;
  beforeAll(async () => {
    store = await createStore({ kind: 'pglite' });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
  });

  async function sweepsAfterStart(env: Record<string, string>): Promise<unknown> {
    const metrics = createMetrics('workflow-runner');
    const bus = createBus({ kind: 'memory' });
    const ctx = await openServiceContext('workflow-runner', { LOG_LEVEL: 'silent', ...env }, { embedded: true, store, bus, metrics });
    const runner = await startWorkflowRunner(ctx);
    try {
      // The first sweep runs at start; wait for it to be counted (or give up when there is no loop).
      const deadline = Date.now() + 10_000;
      for (;;) {
        const sweeps = (await metrics.getMetricsAsJSON()).find((m) => m.name === 'baton_retention_sweeps_total');
        if (sweeps === undefined || sweeps.values.length > 0 || Date.now() > deadline) return sweeps?.values;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await runner.stop();
      await bus.close();
    }
  }

  it('runs the retention loop beside the runner, and none with BATON_RETENTION=off', async () => {
    expect(await sweepsAfterStart({})).toEqual([expect.objectContaining({ labels: expect.objectContaining({ outcome: 'ok' }), value: expect.any(Number) })]);
    expect(await sweepsAfterStart({ BATON_RETENTION: 'off' })).toBeUndefined();
  });

  it('refuses an invalid BATON_RETENTION before starting anything', async () => {
    const bus = createBus({ kind: 'memory' });
    const ctx = await openServiceContext('workflow-runner', { LOG_LEVEL: 'silent', BATON_RETENTION: 'P1M' }, { embedded: true, store, bus, metrics: createMetrics('workflow-runner') });
    await expect(startWorkflowRunner(ctx)).rejects.toThrow(/BATON_RETENTION/);
    await bus.close();
  });
});
