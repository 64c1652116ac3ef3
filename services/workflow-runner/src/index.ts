// Wires the engine's runner to a service context.
import { hostname } from 'node:os';
import { BATON_RUNTIME, createWorkflowRunner, defaultRunnerOptions, parseRetention, RetentionConfigError, startRetention, type RunnerOptions, type RunSnapshots, type WorkflowRunner } from '@baton/engine';
import { ConfigError, loadLimits, readEnv, readInt, type ServiceContext, type Env } from '@baton/runtime';

export const RUNTIME = BATON_RUNTIME;

export function runnerOptionsFromEnv(env: Env): RunnerOptions {
  return {
    ...defaultRunnerOptions,
    consumer: `${hostname()}-${process.pid}`,
    batchSize: readInt(env, 'RUNNER_BATCH_SIZE', defaultRunnerOptions.batchSize, 1),
    concurrency: readInt(env, 'RUNNER_CONCURRENCY', defaultRunnerOptions.concurrency, 1),
    visibilityMs: readInt(env, 'RUNNER_VISIBILITY_MS', defaultRunnerOptions.visibilityMs, 1000),
    rememberedRuns: readInt(env, 'RUNNER_REMEMBERED_RUNS', defaultRunnerOptions.rememberedRuns, 0),
  };
}

/** BATON_RETENTION (ISO 8601 duration, default P30D) in ms; undefined when `off`. */
export function retentionFromEnv(env: Env): number | undefined {
  try {
    return parseRetention(readEnv(env, 'BATON_RETENTION'));
  } catch (error) {
    throw error instanceof RetentionConfigError ? new ConfigError(error.message) : error;
  }
}

/**
 * The runner and, unless BATON_RETENTION=off, the retention loop (stopped with it). `snapshots`:
 * where it remembers runs, shared with the API's inline start of the same process (embedded).
 */
export async function startWorkflowRunner(ctx: ServiceContext, snapshots?: RunSnapshots): Promise<WorkflowRunner> {
  const retentionMs = retentionFromEnv(ctx.env);
  const limits = loadLimits(ctx.env);
  const runner = createWorkflowRunner({
    store: ctx.store,
    bus: ctx.bus,
    logger: ctx.logger,
    metrics: ctx.metrics,
    runtime: RUNTIME,
    options: runnerOptionsFromEnv(ctx.env),
    limits: limits.limitsFor,
    valueBytesFloor: limits.valueBytesFloor,
    tracer: ctx.tracer,
    ...(snapshots && { snapshots }),
  });
  await runner.start();
  if (retentionMs === undefined) {
    ctx.logger.info('retention off (BATON_RETENTION=off): runs are kept for ever');
    return runner;
  }
  const stopRetention = startRetention({ store: ctx.store, logger: ctx.logger, metrics: ctx.metrics, retentionMs });
  return {
    ...runner,
    async stop() {
      await stopRetention();
      await runner.stop();
    },
  };
}
