// `baton start` (what `npm start` runs): every service in one process. Without DB_HOST the state
// lives in embedded PostgreSQL (PGlite) under BATON_DATA_DIR (./data); without REDIS_URL the
// queues are in-process. With them set, the same process uses the real servers.
import { createLogger, exitOnFatalError, onShutdown } from '@baton/runtime';
import { startEmbedded } from '../embedded.ts';

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('usage: baton start\n\nStarts every Baton service in one process (API on :8081). See README.md for the environment variables.\n');
    return 0;
  }
  const baton = await startEmbedded({ env: process.env, rememberApiKey: true });
  process.stderr.write(banner(baton));
  const logger = createLogger('baton');
  const stops = [() => baton.stop()];
  onShutdown(logger, stops);
  // A bug that escaped every handler is logged as fatal and stops the process (exit code 70)
  // after a graceful stop, instead of serving on in a state nobody knows (@baton/runtime lifecycle.ts).
  exitOnFatalError(logger, stops);
  return new Promise<number>(() => undefined);
}

function banner(baton: Awaited<ReturnType<typeof startEmbedded>>): string {
  const { storeConfig: store, busConfig: bus } = baton;
  const lines = [
    '',
    `  Baton is running — API http://localhost:${baton.port}  (OpenAPI: /openapi.json)`,
    `  dashboard: http://localhost:${baton.port}/ · live events: ${baton.fanoutUrl.replace('http://127.0.0.1', 'ws://localhost')}/v1/stream`,
    `  state: ${store.kind === 'pglite' ? `embedded PostgreSQL in ${store.dataDir}` : 'PostgreSQL (DB_HOST)'} · queues: ${bus.kind === 'memory' ? 'in-process' : 'Redis (REDIS_URL)'}`,
  ];
  if (baton.generatedKey) {
    lines.push('', `  Admin API key (shown once${store.kind === 'pglite' ? '; kept in the data folder as api-key for the CLI' : ''}):`, `    ${baton.generatedKey}`, '', `  export BATON_API_KEY=${baton.generatedKey}`);
  }
  lines.push('', '  Stop with Ctrl-C.', '');
  return `${lines.join('\n')}\n`;
}
