// Prometheus metrics of the agent-runner, registered on the registry the service exposes.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface AgentRunnerMetrics {
  turns: Counter<'outcome'>;
  tokens: Counter<'kind'>;
  costUsd: Counter;
  retries: Counter<'reason'>;
  duration: Histogram<'outcome'>;
  firstToken: Histogram;
  inFlight: Gauge;
}

function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createMetrics(registry: Registry): AgentRunnerMetrics {
  const registers = [registry];
  const seconds = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
  return {
    turns: reuse(registry, 'agent_runner_turns_total', () => new Counter({ name: 'agent_runner_turns_total', help: 'Model turns executed, by outcome (completed or the error type)', labelNames: ['outcome'] as const, registers })),
    tokens: reuse(registry, 'agent_runner_tokens_total', () => new Counter({ name: 'agent_runner_tokens_total', help: 'Tokens used, by kind (prompt, completion)', labelNames: ['kind'] as const, registers })),
    costUsd: reuse(registry, 'agent_runner_cost_usd_total', () => new Counter({ name: 'agent_runner_cost_usd_total', help: 'Cost of the model turns from the price table, USD', registers })),
    retries: reuse(registry, 'agent_runner_retries_total', () => new Counter({ name: 'agent_runner_retries_total', help: 'Provider requests retried, by reason (HTTP status, timeout, connection)', labelNames: ['reason'] as const, registers })),
    duration: reuse(registry, 'agent_runner_turn_duration_seconds', () => new Histogram({ name: 'agent_runner_turn_duration_seconds', help: 'Duration of a model turn, retries included', labelNames: ['outcome'] as const, buckets: seconds, registers })),
    firstToken: reuse(registry, 'agent_runner_first_token_seconds', () => new Histogram({ name: 'agent_runner_first_token_seconds', help: 'Time to the first streamed token of a turn', buckets: seconds, registers })),
    inFlight: reuse(registry, 'agent_runner_in_flight', () => new Gauge({ name: 'agent_runner_in_flight', help: 'Model turns executing now', registers })),
  };
}
