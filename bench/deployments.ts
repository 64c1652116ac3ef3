// The two ways Baton runs, started for a benchmark as a user runs them:
//   embedded   `baton start` (what `npm start` runs) as a child process: one process, PGlite in a
//              fresh data folder, the in-process bus
//   services   each service its own process (startCluster) on the machine's PostgreSQL and Redis
//              (a throwaway database and key prefix)
// Both hand back the API, the Baton processes (for CPU time and /metrics) and a stop that
// removes what was created.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, createTestRedis, freePort, serviceNodeArgs, startBatonProcess, startCluster, type ServiceName } from '@baton/testkit';
import { readInt } from '../packages/runtime/src/env.ts';

export type Mode = 'embedded' | 'services';

/**
 * The services deployment the peer, runtime, fanout and agents scenarios measure: one
 * orchestrator, one workflow-runner, one http-worker. On the 2-core benchmark machine a second
 * http-worker did not serve more: it made every process's CPU per run dearer (each run's tasks then
 * wake two worker processes instead of one, beside the other processes on the same two cores), so
 * the same workloads ran slower with two (bench/README.md, "One http-worker or two").
 * BENCH_HTTP_WORKERS measures another count (docker-compose's default is 2: HTTP_WORKER_REPLICAS).
 */
export const BENCH_SERVICES = { orchestrator: 1, 'workflow-runner': 1, 'http-worker': readInt(process.env, 'BENCH_HTTP_WORKERS', 1, 1) } as const;

export interface BenchProcess {
  name: string;
  pid: number | undefined;
  metricsUrl: string;
}

export interface Deployment {
  mode: Mode;
  apiUrl: string;
  apiKey: string;
  processes: BenchProcess[];
  /** Baton processes that exited before stop() (a crash): said on stderr at once, with their last output. */
  exits: ProcessExit[];
  stop(): Promise<void>;
}

export interface ProcessExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  lastOutput: string[];
}

/** Records and says (on stderr, at once: the runs it served now time out) a process that ended before its deployment's stop. */
function exitRecorder(exits: ProcessExit[], stopping: () => boolean) {
  return (name: string, code: number | null, signal: NodeJS.Signals | null, output: readonly string[]) => {
    if (stopping()) return;
    const exit = { name, code, signal, lastOutput: output.slice(-30) };
    exits.push(exit);
    process.stderr.write(`[bench] ${name} exited (${code ?? signal}) during the benchmark; its last output:\n${exit.lastOutput.join('\n')}\n`);
  };
}

export async function startDeployment(mode: Mode, services: Partial<Record<ServiceName, number>>): Promise<Deployment> {
  return mode === 'embedded' ? startEmbedded() : startServices(services);
}

async function startEmbedded(): Promise<Deployment> {
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  const apiKey = `bt_bench_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BATON_DATA_DIR: dataDir,
    BATON_API_KEY: apiKey,
    ORCHESTRATOR_PORT: String(port),
    ORCHESTRATOR_HOST: '127.0.0.1',
    FANOUT_PORT: String(await freePort()),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  // PGlite and the in-process bus: nothing may point it at a server.
  for (const name of ['DB_HOST', 'DB_HOST_FILE', 'REDIS_URL', 'REDIS_URL_FILE', 'REDIS_PREFIX']) delete env[name];
  const baton = await startBatonProcess({ env, readyTimeoutMs: 180_000, nodeArgs: serviceNodeArgs('baton') });
  const apiUrl = `http://127.0.0.1:${port}`;
  const exits: ProcessExit[] = [];
  let stopping = false;
  const recordExit = exitRecorder(exits, () => stopping);
  baton.child.once('exit', (code, signal) => recordExit('baton', code, signal, baton.output().split('\n').filter(Boolean)));
  return {
    mode: 'embedded',
    apiUrl,
    apiKey,
    processes: [{ name: 'baton', pid: baton.child.pid, metricsUrl: `${apiUrl}/metrics` }],
    exits,
    async stop() {
      stopping = true;
      try {
        await baton.stop();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

async function startServices(services: Partial<Record<ServiceName, number>>): Promise<Deployment> {
  const db = await createTestDatabase('baton_bench');
  const redis = await createTestRedis();
  try {
    const exits: ProcessExit[] = [];
    let stopping = false;
    const recordExit = exitRecorder(exits, () => stopping);
    const cluster = await startCluster({
      env: { ...db.env, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix },
      services,
      verbose: process.env.BENCH_VERBOSE === '1',
      onExit: (p, code, signal) => recordExit(p.name, code, signal, p.output),
    });
    return {
      mode: 'services',
      apiUrl: cluster.apiUrl,
      apiKey: cluster.apiKey,
      processes: cluster.processes.map((p) => ({ name: p.name, pid: p.child.pid, metricsUrl: `http://127.0.0.1:${p.port}/metrics` })),
      exits,
      async stop() {
        stopping = true;
        try {
          await cluster.stop();
        } finally {
          await redis.cleanup();
          await db.drop();
        }
      },
    };
  } catch (error) {
    await redis.cleanup();
    await db.drop();
    throw error;
  }
}
