// agent-runner as its own process (port 8086: /health, /ready, /metrics). Needs Redis only.
import { exitOnFatalError, onShutdown, openWorkerContext, readInt, startHealthServer } from '@baton/runtime';
import { agentRunnerOptionsFromEnv, createAgentRunner } from './index.ts';

const ctx = await openWorkerContext('agent-runner', process.env, { embedded: false });
const runner = createAgentRunner({ bus: ctx.bus, logger: ctx.logger, metrics: ctx.metrics, options: agentRunnerOptionsFromEnv(process.env) });
await runner.start();
const health = await startHealthServer({ port: readInt(process.env, 'PORT', 8086, 0), ready: ctx.ready, metrics: ctx.metrics });
const stops = [ctx.close, async () => void health.close(), () => runner.stop()];
onShutdown(ctx.logger, stops);
// A bug that escaped every handler stops the process for its supervisor to restart it (@baton/runtime lifecycle.ts).
exitOnFatalError(ctx.logger, stops);
