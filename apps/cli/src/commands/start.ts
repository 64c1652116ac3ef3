// `baton start` (what `npm start` runs): every service in one process. Without DB_HOST the state
// lives in embedded PostgreSQL (PGlite) under BATON_DATA_DIR (./data); without REDIS_URL the
// queues are in-process. With them set, the same process uses the real servers.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOrchestratorApp, ensureBootstrapKey, orchestratorConfigFromEnv } from '@baton/orchestrator';
import { createHttpWorker, httpWorkerOptionsFromEnv } from '@baton/http-worker';
import { busConfig, createLogger, createMetrics, dataDir, onShutdown, openBus, openServiceContext, openStore, openWorkerContext, storeConfig } from '@baton/runtime';
import { startWorkflowRunner } from '@baton/workflow-runner';

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('usage: baton start\n\nStarts every Baton service in one process (API on :8081). See README.md for the environment variables.\n');
    return 0;
  }
  const env = process.env;
  const logger = createLogger('baton');
  const metrics = createMetrics('baton');
  const storeCfg = storeConfig(env, true);
  const busCfg = busConfig(env, true);
  const store = await openStore(storeCfg, logger);
  await store.migrate();
  const bus = openBus(busCfg);
  const shared = { embedded: true, store, bus, metrics };

  const orchestrator = await openServiceContext('orchestrator', env, shared);
  const config = orchestratorConfigFromEnv(env);
  const app = await createOrchestratorApp({ store, bus, logger: orchestrator.logger, metrics, config });
  const apiKey = await announceApiKey(store, config.apiKey, storeCfg.kind === 'pglite' ? dataDir(env) : undefined);

  const runner = await startWorkflowRunner(await openServiceContext('workflow-runner', env, shared));
  const httpCtx = await openWorkerContext('http-worker', env, shared);
  const httpWorker = createHttpWorker({ bus, logger: httpCtx.logger, metrics, options: httpWorkerOptionsFromEnv(env), secrets: httpCtx.secrets });
  await httpWorker.start();

  await app.listen({ port: config.port, host: config.host });
  logger.info({ store: storeCfg.kind, bus: busCfg.kind, api: `http://localhost:${config.port}` }, 'baton started');
  process.stderr.write(banner(config.port, storeCfg.kind === 'pglite' ? storeCfg.dataDir : undefined, busCfg.kind, apiKey));

  onShutdown(logger, [
    () => store.close(),
    () => bus.close(),
    () => runner.stop(),
    () => httpWorker.stop(),
    () => app.close(),
  ]);
  return new Promise<number>(() => undefined);
}

/**
 * The embedded mode keeps a generated admin key in the data folder (mode 0600) so that the CLI
 * on the same machine finds it; it is printed once, when it is created.
 */
async function announceApiKey(store: Parameters<typeof ensureBootstrapKey>[0], configured: string | undefined, folder: string | undefined): Promise<string | undefined> {
  const file = folder ? join(folder, 'api-key') : undefined;
  const remembered = !configured && file && existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  const result = await ensureBootstrapKey(store, { apiKey: configured ?? remembered });
  if (result.secret && file) {
    mkdirSync(folder!, { recursive: true });
    writeFileSync(file, `${result.secret}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return result.secret;
}

function banner(port: number, pgliteDir: string | undefined, bus: string, newKey: string | undefined): string {
  const lines = [
    '',
    `  Baton is running — API http://localhost:${port}  (OpenAPI: /openapi.json)`,
    `  state: ${pgliteDir ? `embedded PostgreSQL in ${pgliteDir}` : 'PostgreSQL (DB_HOST)'} · queues: ${bus === 'memory' ? 'in-process' : 'Redis (REDIS_URL)'}`,
  ];
  if (newKey) {
    lines.push('', `  Admin API key (shown once${pgliteDir ? '; also saved in the data folder as api-key' : ''}):`, `    ${newKey}`, '', `  export BATON_API_KEY=${newKey}`);
  }
  lines.push('', '  Stop with Ctrl-C.', '');
  return `${lines.join('\n')}\n`;
}
