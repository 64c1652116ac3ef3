// The API's inline start (@baton/engine inline-start.ts), wired to a service context: the same
// runtime descriptor, limits (BATON_LIMITS) and tracer a workflow-runner of this deployment has.
import { BATON_RUNTIME, createRunStarter, type RunSnapshots, type RunStarter } from '@baton/engine';
import { loadLimits, type ServiceContext } from '@baton/runtime';

/** `snapshots`: the workflow-runner's of the same process (embedded), which remembers the runs started here. */
export function runStarterFor(ctx: Pick<ServiceContext, 'store' | 'bus' | 'logger' | 'metrics' | 'env' | 'tracer'>, snapshots?: RunSnapshots): RunStarter {
  const limits = loadLimits(ctx.env);
  return createRunStarter({
    store: ctx.store,
    bus: ctx.bus,
    logger: ctx.logger,
    metrics: ctx.metrics,
    runtime: BATON_RUNTIME,
    limits: limits.limitsFor,
    valueBytesFloor: limits.valueBytesFloor,
    tracer: ctx.tracer,
    ...(snapshots && { snapshots }),
  });
}
