// The runner's Prometheus metrics.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { Queues, type Bus, type TaskKind } from '@baton/core';

export interface EngineMetrics {
  runsStarted: Counter<'namespace'>;
  runsFinished: Counter<'namespace' | 'status'>;
  transitions: Counter;
  batchSeconds: Histogram;
  reclaimed: Counter<'queue'>;
  snapshotBatches: Counter<'outcome'>;
  startHints: Counter<'outcome'>;
  /** Task messages a repair sent again from PostgreSQL, or found still held by the transport (epoch repairs only). */
  resent: Counter<'reason' | 'kind' | 'outcome'>;
}

const TASK_KINDS: TaskKind[] = ['http', 'agent', 'approval'];

/** One set per registry: a process that runs the runner and the API's inline starts (`npm start`) counts in the same metrics. */
const created = new WeakMap<Registry, EngineMetrics>();

export function createEngineMetrics(registry: Registry, bus: Bus): EngineMetrics {
  const known = created.get(registry);
  if (known) return known;
  const metrics = registerEngineMetrics(registry, bus);
  created.set(registry, metrics);
  return metrics;
}

function registerEngineMetrics(registry: Registry, bus: Bus): EngineMetrics {
  const queues = [Queues.runner, ...TASK_KINDS.map(Queues.tasks)];
  new Gauge({
    name: 'baton_queue_depth',
    help: 'Messages waiting or in flight per queue',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const queue of queues) {
        const depth = await bus.depth(queue).catch(() => undefined);
        if (!depth) continue;
        this.set({ queue, state: 'waiting' }, depth.waiting);
        this.set({ queue, state: 'in_flight' }, depth.inFlight);
      }
    },
  });
  return {
    runsStarted: new Counter({ name: 'baton_runs_started_total', help: 'Runs that left pending', labelNames: ['namespace'], registers: [registry] }),
    runsFinished: new Counter({ name: 'baton_runs_finished_total', help: 'Runs that reached a terminal status', labelNames: ['namespace', 'status'], registers: [registry] }),
    transitions: new Counter({ name: 'baton_runner_transitions_total', help: 'Interpreter decisions applied', registers: [registry] }),
    batchSeconds: new Histogram({ name: 'baton_runner_batch_seconds', help: 'Time to apply and commit one batch', buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    reclaimed: new Counter({ name: 'baton_messages_reclaimed_total', help: 'Messages redelivered after a consumer lost its lease', labelNames: ['queue'], registers: [registry] }),
    snapshotBatches: new Counter({
      name: 'baton_runner_snapshot_batches_total',
      help: 'Batches decided on runs as the runner last left them: committed, or changed meanwhile (applied again on a read)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    startHints: new Counter({
      name: 'baton_runner_start_hints_total',
      help: "Hints of runs the API started elsewhere: kept, known already (what the runner's own batch left is newer), or malformed (dropped)",
      labelNames: ['outcome'],
      registers: [registry],
    }),
    resent: new Counter({
      name: 'baton_runner_resent_tasks_total',
      help: 'Task messages in flight that a repair sent again from PostgreSQL (outcome="sent": a worker may repeat the call) or left alone because the transport still held them (outcome="held"); reason: a new transport epoch, or an attempt dispatched longer ago than its stale window',
      labelNames: ['reason', 'kind', 'outcome'],
      registers: [registry],
    }),
  };
}
