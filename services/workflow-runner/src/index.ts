// Wires the engine's runner to a service context.
import { hostname } from 'node:os';
import { createWorkflowRunner, defaultRunnerOptions, type RunnerOptions, type WorkflowRunner } from '@baton/engine';
import { readInt, type ServiceContext, type Env } from '@baton/runtime';

export const RUNTIME = { name: 'baton', version: '0.1.0' } as const;

export function runnerOptionsFromEnv(env: Env): RunnerOptions {
  return {
    ...defaultRunnerOptions,
    consumer: `${hostname()}-${process.pid}`,
    batchSize: readInt(env, 'RUNNER_BATCH_SIZE', defaultRunnerOptions.batchSize, 1),
    concurrency: readInt(env, 'RUNNER_CONCURRENCY', defaultRunnerOptions.concurrency, 1),
    visibilityMs: readInt(env, 'RUNNER_VISIBILITY_MS', defaultRunnerOptions.visibilityMs, 1000),
  };
}

export async function startWorkflowRunner(ctx: ServiceContext): Promise<WorkflowRunner> {
  const runner = createWorkflowRunner({
    store: ctx.store,
    bus: ctx.bus,
    logger: ctx.logger,
    metrics: ctx.metrics,
    secrets: ctx.secrets,
    runtime: RUNTIME,
    options: runnerOptionsFromEnv(ctx.env),
  });
  await runner.start();
  return runner;
}
