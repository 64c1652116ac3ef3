// http-worker as its own process (port 8083: /health, /ready, /metrics). Needs Redis only.
import { exitOnFatalError, onShutdown, openWorkerContext, readInt, startHealthServer } from '@baton/runtime';
import { createHttpWorker, httpWorkerOptionsFromEnv } from './index.ts';

const ctx = await openWorkerContext('http-worker', process.env, { embedded: false });
const worker = createHttpWorker({ bus: ctx.bus, logger: ctx.logger, metrics: ctx.metrics, options: httpWorkerOptionsFromEnv(process.env), secrets: ctx.secrets });
await worker.start();
const health = await startHealthServer({ port: readInt(process.env, 'PORT', 8083, 0), ready: ctx.ready, metrics: ctx.metrics });
const stops = [ctx.close, async () => void health.close(), () => worker.stop()];
onShutdown(ctx.logger, stops);
// A bug that escaped every handler stops the process for its supervisor to restart it (@baton/runtime lifecycle.ts).
exitOnFatalError(ctx.logger, stops);
