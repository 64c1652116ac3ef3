// fanout as its own process: WebSocket and SSE streams of run events on :8085 (FANOUT_PORT or
// PORT), plus /health, /ready and /metrics on the same port.
import { exitOnFatalError, onShutdown, openServiceContext } from '@baton/runtime';
import { fanoutConfigFromEnv, startFanout } from './index.ts';

const config = fanoutConfigFromEnv(process.env);
const ctx = await openServiceContext('fanout', process.env, { embedded: false });
const fanout = await startFanout({ store: ctx.store, bus: ctx.bus, logger: ctx.logger, metrics: ctx.metrics, config, ready: ctx.ready });
const stops = [ctx.close, fanout.stop];
onShutdown(ctx.logger, stops);
// A bug that escaped every handler stops the process (README, "When a request fails").
exitOnFatalError(ctx.logger, stops);
