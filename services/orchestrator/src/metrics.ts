// The orchestrator's Prometheus metrics, registered on the registry the launcher passes in.
// Registration is idempotent so several apps (tests, embedded mode) can share one registry.
import { Counter, Histogram, type Registry } from 'prom-client';

export interface OrchestratorMetrics {
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  runsStarted: Counter<'namespace'>;
}

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

export function orchestratorMetrics(registry: Registry): OrchestratorMetrics {
  const httpRequestDuration =
    existing<Histogram<'method' | 'route' | 'status_code'>>(registry, 'http_request_duration_seconds') ??
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests of the orchestrator API by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
  const runsStarted =
    existing<Counter<'namespace'>>(registry, 'runs_started_total') ??
    new Counter({ name: 'runs_started_total', help: 'Runs created through the API, by namespace', labelNames: ['namespace'], registers: [registry] });
  return { httpRequestDuration, runsStarted };
}
