// The distributed deployment on one machine: each service its own Node process, started exactly
// as its image would (its main module, configuration only through environment variables), on
// the machine's PostgreSQL and Redis. Used by the chaos tests and the benchmarks.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sourcesAsked } from '@baton/cli/cache';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type ServiceName = 'orchestrator' | 'workflow-runner' | 'http-worker' | 'hitl-worker' | 'fanout' | 'agent-runner';

const MAINS: Record<ServiceName, string> = {
  orchestrator: 'services/orchestrator/src/main.ts',
  'workflow-runner': 'services/workflow-runner/src/main.ts',
  'http-worker': 'services/http-worker/src/main.ts',
  'hitl-worker': 'services/hitl-worker/src/main.ts',
  fanout: 'services/fanout/src/main.ts',
  'agent-runner': 'services/agent-runner/src/main.ts',
};

export interface ServiceProcess {
  name: string;
  service: ServiceName;
  port: number;
  child: ChildProcess;
  /** Last lines of output, for failure messages. */
  output: string[];
}

export interface ClusterOptions {
  /** DB_* and REDIS_URL / REDIS_PREFIX etc. */
  env: Record<string, string>;
  services: Partial<Record<ServiceName, number>>;
  apiKey?: string;
  /** Print service output to this process's stderr. */
  verbose?: boolean;
  /**
   * Run the services from bundles built by buildServiceBundles (what the images run) instead of
   * their TypeScript sources through tsx: a process is ready in a quarter of the time, which
   * matters when services are killed and restarted every second or two, and in a test suite that
   * starts dozens of clusters. Default: BATON_SERVICE_BUNDLES (the test suite's global setup
   * builds them once per `vitest run`), else the sources.
   */
  bundles?: string;
  /** Called with every complete line a process writes (stdout and stderr). */
  onLine?: (p: ServiceProcess, line: string) => void;
  /** Called whenever a process exits, killed or not (a chaos harness tells crashes from its kills). */
  onExit?: (p: ServiceProcess, code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface Cluster {
  apiUrl: string;
  apiKey: string;
  processes: ServiceProcess[];
  /** Send a signal (default SIGKILL) to a process and wait for it to exit. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Start a stopped process again with the same port and environment. */
  restart(name: string): Promise<void>;
  /** True while the process is alive (started and not exited). */
  running(name: string): boolean;
  stop(): Promise<void>;
}

/**
 * A port free to listen on, below the kernel's range of local ports for outgoing connections
 * (ip_local_port_range): a service killed and started again on its port (the chaos tests) cannot
 * find it taken meanwhile by some connection's ephemeral port — a hitl-worker restarted 18 times
 * on EADDRINUSE in a CI run when the kernel had handed its port (listen(0): from that range) to
 * an outgoing connection. The kernel's own choice when that range leaves no room below it.
 */
export async function freePort(): Promise<number> {
  const first = 10_000;
  const last = ephemeralPortsStart() - 1;
  for (let tries = 0; last - first > 1_000 && tries < 50; tries += 1) {
    const port = first + Math.floor(Math.random() * (last - first + 1));
    if (await listenable(port)) return port;
  }
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The first port of the kernel's range for outgoing connections (Linux's default when unknown). */
function ephemeralPortsStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start > 0 ? start : 32_768;
  } catch {
    return 32_768;
  }
}

/** Whether a server can listen on `port` on every address (as the services do), released before it returns. */
async function listenable(port: number): Promise<boolean> {
  const server = createServer();
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => resolve(true));
  });
  if (listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  return listening;
}

export interface ServiceBundles {
  dir: string;
  remove(): void;
}

/**
 * `npm run build` of the current sources into a fresh directory under the repository's tmp/
 * (inside the repository, so that the bundles find their run-time dependencies in node_modules).
 */
export async function buildServiceBundles(): Promise<ServiceBundles> {
  const parent = join(ROOT, 'tmp');
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, 'bundles-'));
  await promisify(execFile)(process.execPath, ['scripts/build.mjs', '--outdir', dir, '--no-sourcemap'], { cwd: ROOT });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Builds the `baton` command's build cache (scripts/cli-cache.mjs) into `dir`, by default the checkout's own. */
export async function buildCliCache(dir?: string): Promise<void> {
  await promisify(execFile)(process.execPath, ['scripts/cli-cache.mjs', ...(dir === undefined ? [] : ['--outdir', dir])], { cwd: ROOT });
}

/**
 * Builds the checkout's `baton` cache again from the sources as they are, so that every `baton` a
 * test or benchmark starts runs them — unless BATON_CLI_SOURCES=1 has it run the sources through
 * tsx. True when the `baton` processes run the cache.
 */
export async function refreshCliCache(): Promise<boolean> {
  if (sourcesAsked()) return false;
  await buildCliCache();
  return true;
}

/**
 * The node flags a benchmark asks for a service process (`service`: its name, or `baton` for the
 * embedded process): BATON_SERVICE_NODE_ARGS for every one (experiments; NODE_OPTIONS refuses
 * some, e.g. V8's GC flags), and a V8 CPU profile into BATON_PROFILE_DIR when BATON_PROFILE names it.
 */
export function serviceNodeArgs(service: string): string[] {
  const flags = (process.env.BATON_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  if ((process.env.BATON_PROFILE ?? '').split(',').includes(service)) flags.push('--cpu-prof', `--cpu-prof-dir=${process.env.BATON_PROFILE_DIR ?? 'tmp/profiles'}`);
  return flags;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const apiKey = options.apiKey ?? `bt_test_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const processes: ServiceProcess[] = [];
  const order: ServiceName[] = ['orchestrator', 'workflow-runner', 'http-worker', 'hitl-worker', 'fanout', 'agent-runner'];
  for (const service of order) {
    for (let i = 0; i < (options.services[service] ?? 0); i += 1) {
      const port = await freePort();
      processes.push({ name: `${service}-${i}`, service, port, child: undefined as unknown as ChildProcess, output: [] });
    }
  }
  const envFor = (p: ServiceProcess): NodeJS.ProcessEnv => ({
    ...process.env,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ...options.env,
    BATON_API_KEY: apiKey,
    PORT: String(p.port),
    ORCHESTRATOR_PORT: String(p.port),
    ORCHESTRATOR_HOST: '127.0.0.1',
  });
  const bundles = options.bundles ?? (process.env.BATON_SERVICE_BUNDLES || undefined);
  const launch = async (p: ServiceProcess) => {
    const main = bundles ? [join(bundles, p.service, 'main.mjs')] : ['--import', 'tsx', MAINS[p.service]];
    p.child = spawn(process.execPath, [...serviceNodeArgs(p.service), ...main], { cwd: ROOT, env: envFor(p), stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      if (options.verbose) process.stderr.write(`[${p.name}] ${text}`);
      p.output.push(...text.split('\n').filter(Boolean));
      if (p.output.length > 200) p.output.splice(0, p.output.length - 200);
    };
    p.child.stdout?.on('data', keep);
    p.child.stderr?.on('data', keep);
    if (options.onLine) {
      const onLine = options.onLine;
      for (const stream of [p.child.stdout, p.child.stderr]) {
        let partial = '';
        stream?.on('data', (chunk: Buffer) => {
          const lines = (partial + chunk.toString()).split('\n');
          partial = lines.pop()!;
          for (const line of lines) if (line) onLine(p, line);
        });
      }
    }
    p.child.once('exit', (code, signal) => options.onExit?.(p, code, signal));
    await waitReady(p);
  };
  // The orchestrator owns migrations: it must be ready before the others start (together).
  try {
    for (const p of processes) if (p.service === 'orchestrator') await launch(p);
    const launched = await Promise.allSettled(processes.filter((p) => p.service !== 'orchestrator').map(launch));
    const failed = launched.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (error) {
    // Nothing is left running behind a cluster that did not start.
    for (const p of processes) if (alive(p)) p.child.kill('SIGKILL');
    throw error;
  }
  const orchestrator = processes.find((p) => p.service === 'orchestrator');
  const byName = (name: string) => {
    const p = processes.find((x) => x.name === name);
    if (!p) throw new Error(`no process ${name}`);
    return p;
  };
  return {
    apiUrl: orchestrator ? `http://127.0.0.1:${orchestrator.port}` : '',
    apiKey,
    processes,
    async kill(name, signal = 'SIGKILL') {
      const p = byName(name);
      if (p.child.exitCode !== null || p.child.signalCode !== null) return;
      const exited = once(p.child, 'exit');
      p.child.kill(signal);
      await exited;
    },
    async restart(name) {
      const p = byName(name);
      if (alive(p)) throw new Error(`${name} is still running`);
      await launch(p);
    },
    running: (name) => alive(byName(name)),
    async stop() {
      await Promise.all(
        [...processes].reverse().map(async (p) => {
          if (!p.child || p.child.exitCode !== null || p.child.signalCode !== null) return;
          const exited = once(p.child, 'exit');
          p.child.kill('SIGTERM');
          const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}

function alive(p: ServiceProcess): boolean {
  return p.child !== undefined && p.child.exitCode === null && p.child.signalCode === null;
}

async function waitReady(p: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(p)) throw new Error(`${p.name} exited with ${p.child.exitCode ?? p.child.signalCode}:\n${p.output.slice(-30).join('\n')}`);
    try {
      const res = await fetch(`http://127.0.0.1:${p.port}/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${p.name} was not ready within ${timeoutMs} ms:\n${p.output.slice(-30).join('\n')}`);
}
