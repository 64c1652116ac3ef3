// workflow-runner as its own process (port 8082: /health, /ready, /metrics).
import { exitOnFatalError, openServiceContext, readInt, startHealthServer, onShutdown } from '@baton/runtime';
import { startWorkflowRunner } from './index.ts';

const ctx = await openServiceContext('workflow-runner', process.env, { embedded: false });
const runner = await startWorkflowRunner(ctx);
const health = await startHealthServer({ port: readInt(process.env, 'PORT', 8082, 1), ready: ctx.ready, metrics: ctx.metrics });
const stops = [ctx.close, async () => void health.close(), runner.stop];
onShutdown(ctx.logger, stops);
// A bug that escaped every handler stops the process for its supervisor to restart it (@baton/runtime lifecycle.ts).
exitOnFatalError(ctx.logger, stops);
