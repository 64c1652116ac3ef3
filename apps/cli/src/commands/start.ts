// `baton start` (what `npm start` runs): every service in one process. Without DB_HOST the state
// lives in embedded PostgreSQL (PGlite) under BATON_DATA_DIR (./data); without REDIS_URL the
// queues are in-process. With them set, the same process uses the real servers.
//
// Until the banner, stderr says what the start is doing (loading, creating the database, …): a
// first start takes a while. What refuses the start (a data folder in use, a port taken, an
// invalid variable) is one line on stderr and exit code 1.
import type { EmbeddedBaton } from '../embedded.ts';

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('usage: baton start\n\nStarts every Baton service in one process (API on :8081). See README.md for the environment variables.\n');
    return 0;
  }
  const say = (step: string) => process.stderr.write(`baton: ${step}…\n`);
  // The services' modules are loaded only now, after the first line: on a fresh clone, compiling
  // them takes seconds.
  say('loading the modules');
  // Before the services' modules: V8's tier-up budget for the functions they bring (v8-tuning.ts).
  await import('@baton/runtime/v8-tuning');
  const [{ startEmbedded }, { createLogger, exitOnFatalError, onShutdown }] = await Promise.all([import('../embedded.ts'), import('@baton/runtime')]);
  let baton: EmbeddedBaton;
  try {
    baton = await startEmbedded({ env: process.env, rememberApiKey: true, onProgress: say });
  } catch (error) {
    process.stderr.write(`baton: cannot start: ${(error as Error).message ?? String(error)}\n`);
    if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    // Whatever the failed start opened has been stopped; nothing else is worth waiting for.
    process.exit(1);
  }
  process.stderr.write(banner(baton));
  const logger = createLogger('baton');
  const stops = [() => baton.stop()];
  onShutdown(logger, stops);
  // A bug that escaped every handler is logged as fatal and stops the process (exit code 70)
  // after a graceful stop, instead of serving on in a state nobody knows (@baton/runtime lifecycle.ts).
  exitOnFatalError(logger, stops);
  return new Promise<number>(() => undefined);
}

function banner(baton: EmbeddedBaton): string {
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
