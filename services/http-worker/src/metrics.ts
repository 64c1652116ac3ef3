// Prometheus metrics of the worker, registered on the registry the service exposes.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface HttpWorkerMetrics {
  requests: Counter<'outcome'>;
  duration: Histogram<'outcome'>;
  inFlight: Gauge;
}

/** Outcome label: "completed" or the short name of the error type ("communication", "timeout" …). */
export function outcomeLabel(errorType: string | undefined): string {
  if (errorType === undefined) return 'completed';
  return errorType.slice(errorType.lastIndexOf('/') + 1) || 'error';
}

function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createMetrics(registry: Registry): HttpWorkerMetrics {
  const registers = [registry];
  return {
    requests: reuse(registry, 'http_worker_requests_total', () => new Counter({ name: 'http_worker_requests_total', help: 'HTTP call tasks executed, by outcome', labelNames: ['outcome'] as const, registers })),
    duration: reuse(registry, 'http_worker_request_duration_seconds', () =>
      new Histogram({
        name: 'http_worker_request_duration_seconds',
        help: 'Duration of HTTP call tasks (redirects and digest retry included), by outcome',
        labelNames: ['outcome'] as const,
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
        registers,
      }),
    ),
    inFlight: reuse(registry, 'http_worker_in_flight', () => new Gauge({ name: 'http_worker_in_flight', help: 'HTTP call tasks currently executing', registers })),
  };
}
