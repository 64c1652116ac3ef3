// orchestrator as its own process: REST API on :8081 (ORCHESTRATOR_PORT), owns migrations.
import { exitOnFatalError, onShutdown, openServiceContext } from '@baton/runtime';
import { createOrchestratorApp, ensureBootstrapKey, orchestratorConfigFromEnv, runStarterFor } from './index.ts';

const config = orchestratorConfigFromEnv(process.env);
const ctx = await openServiceContext('orchestrator', process.env, { embedded: false });
await ctx.store.migrate();
const bootstrap = await ensureBootstrapKey(ctx.store, { apiKey: config.apiKey });
if (bootstrap.secret) {
  // Printed once, to stderr only (not in the JSON log stream): the operator sets BATON_API_KEY next time.
  process.stderr.write(`\nGenerated admin API key (shown once): ${bootstrap.secret}\n\n`);
}
const app = await createOrchestratorApp({ store: ctx.store, bus: ctx.bus, logger: ctx.logger, metrics: ctx.metrics, config, starter: runStarterFor(ctx) });
await app.listen({ port: config.port, host: config.host });
const stops = [ctx.close, () => app.close()];
onShutdown(ctx.logger, stops);
// A bug that escaped every handler stops the process (README, "When a request fails").
exitOnFatalError(ctx.logger, stops);
