import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { fanoutMetrics } from './metrics.ts';

describe('fanout metrics', () => {
  it('adds the delivery tallies to fanout_deliveries_total at each scrape, once', async () => {
    const registry = new Registry();
    const metrics = fanoutMetrics(registry);
    // Both series are there from the first scrape, at 0.
    expect(await registry.metrics()).toContain('fanout_deliveries_total{source="replay"} 0');
    for (let i = 0; i < 3; i += 1) metrics.liveDeliveries.inc();
    metrics.replayDeliveries.inc();
    const first = await registry.metrics();
    expect(first).toContain('fanout_deliveries_total{source="live"} 3');
    expect(first).toContain('fanout_deliveries_total{source="replay"} 1');
    metrics.liveDeliveries.inc();
    const second = await registry.metrics();
    expect(second).toContain('fanout_deliveries_total{source="live"} 4');
    expect(second).toContain('fanout_deliveries_total{source="replay"} 1');
  });
});
