import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createMetrics, EVENT_LOOP_SAMPLE_MS } from './metrics.ts';

async function gauge(registry: ReturnType<typeof createMetrics>, name: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  if (!metric) throw new Error(`no metric ${name}`);
  return Number(metric.values[0]?.value);
}

describe('createMetrics', () => {
  it("labels the service's metrics and keeps Node's defaults, the event-loop delay among them", async () => {
    const registry = createMetrics('test-service');
    const text = await registry.metrics();
    expect(text).toMatch(/^process_cpu_seconds_total\{service="test-service"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_max_seconds\{service="test-service"\} /m);
  });

  it('samples the event-loop delay coarsely, and still catches a stall of a few sampling periods', async () => {
    expect(EVENT_LOOP_SAMPLE_MS).toBeGreaterThanOrEqual(50); // a finer timer wakes every idle service that often
    const registry = createMetrics('stall');
    await delay(EVENT_LOOP_SAMPLE_MS * 2);
    const stallMs = EVENT_LOOP_SAMPLE_MS * 3;
    const end = Date.now() + stallMs;
    while (Date.now() < end) {
      // the event loop is held here
    }
    await delay(EVENT_LOOP_SAMPLE_MS * 2);
    // The timer due during the stall fires late by at least the stall less one period.
    expect(await gauge(registry, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual((stallMs - EVENT_LOOP_SAMPLE_MS) / 1000);
  });
});
