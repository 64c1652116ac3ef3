// Prometheus metrics: one registry per service, with Node's default process metrics.
import { collectDefaultMetrics, Registry } from 'prom-client';

/** How often the event-loop delay is sampled (nodejs_eventloop_lag_* metrics). */
export const EVENT_LOOP_SAMPLE_MS = 100;

export function createMetrics(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // The event-loop delay histogram samples on a timer: prom-client's default, every 10 ms, woke
  // every idle service 100 times a second (on a 2-vCPU VM, 10 % of a core for an idle deployment,
  // bench/README). Every 100 ms still catches any stall of 100 ms or more.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  return registry;
}
