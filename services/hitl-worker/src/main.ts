// hitl-worker as its own process (port 8084: /health, /ready, /metrics). Needs Redis only.
import { exitOnFatalError, busConfig, onShutdown, openWorkerContext, readInt, startHealthServer } from '@baton/runtime';
import { createDeadlineSchedule, createHitlWorker, hitlWorkerOptionsFromEnv } from './index.ts';

const ctx = await openWorkerContext('hitl-worker', process.env, { embedded: false });
const options = hitlWorkerOptionsFromEnv(process.env);
if (!options.secret) ctx.logger.warn('BATON_APPROVAL_SECRET is not set: notifications carry no approval links (decisions through the API only)');
const deadlines = createDeadlineSchedule(busConfig(process.env, false));
const worker = createHitlWorker({ bus: ctx.bus, deadlines, logger: ctx.logger, metrics: ctx.metrics, options, secrets: ctx.secrets });
await worker.start();
const ready = async () => (await ctx.ready()) && (await deadlines.ping());
const health = await startHealthServer({ port: readInt(process.env, 'PORT', 8084, 0), ready, metrics: ctx.metrics });
const stops = [ctx.close, async () => void health.close(), () => deadlines.close(), () => worker.stop()];
onShutdown(ctx.logger, stops);
// A bug that escaped every handler stops the process for its supervisor to restart it (@baton/runtime lifecycle.ts).
exitOnFatalError(ctx.logger, stops);
