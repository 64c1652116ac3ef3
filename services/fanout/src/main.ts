// fanout as its own process: WebSocket and SSE streams of run events on :8085 (FANOUT_PORT or
// PORT), plus /health, /ready and /metrics on the same port.
import { onShutdown, openServiceContext } from '@baton/runtime';
import { fanoutConfigFromEnv, startFanout } from './index.ts';

const config = fanoutConfigFromEnv(process.env);
const ctx = await openServiceContext('fanout', process.env, { embedded: false });
const fanout = await startFanout({ store: ctx.store, bus: ctx.bus, logger: ctx.logger, metrics: ctx.metrics, config, ready: ctx.ready });
onShutdown(ctx.logger, [ctx.close, fanout.stop]);
