// Baton as a user runs it — `baton start` as its own process — on either backend, restartable on
// the same data, and what the isolation tests measure against it from outside: the latency of
// GET /health sampled every 100 ms, a steady stream of small runs of another namespace, the
// process's CPU time, and the rows the database holds once the process is stopped.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createTestDatabase, createTestRedis, freePort, startBatonProcess, type BatonProcess, type TestDatabase, type TestRedis } from '@baton/testkit';
import pg from 'pg';

export type Backend = 'embedded' | 'servers';

const ADMIN_KEY = 'bt_isolation_suite_admin_key_01';
const CLK_TCK = 100; // /proc/<pid>/stat counts CPU time in clock ticks of 1/100 s on Linux

export interface ApiAnswer<T = any> {
  status: number;
  body: T;
}

export interface Baton {
  readonly url: string;
  readonly backend: Backend;
  /** Everything the process wrote (stdout and stderr) since its last start. */
  output(): string;
  api<T = any>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>>;
  /** CPU time (user + system, ms) the process has used since it started. */
  cpuMs(): number;
  /** SIGTERM and wait for the exit (code 0 expected); returns how long the stop took. */
  stop(): Promise<number>;
  /** Start again on the same data (PGlite folder, or PostgreSQL database and Redis prefix). */
  start(): Promise<void>;
  /** SQL on the data, for checks. Embedded: only while the process is stopped (PGlite is single-user). */
  sql<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Stop if running, remove the data. */
  dispose(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Node options for the process (e.g. --cpu-prof, which NODE_OPTIONS does not take). */
  nodeArgs?: string[];
}

export async function startBaton(backend: Backend, options: StartOptions = {}): Promise<Baton> {
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-isolation-'));
  let db: TestDatabase | undefined;
  let redis: TestRedis | undefined;
  if (backend === 'servers') [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let process_: BatonProcess | undefined;
  let client: pg.Client | undefined;

  const start = async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BATON_DATA_DIR: dataDir,
      BATON_API_KEY: ADMIN_KEY,
      ORCHESTRATOR_PORT: String(port),
      ORCHESTRATOR_HOST: '127.0.0.1',
      FANOUT_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
      ...(db ? { ...db.env, REDIS_URL: redis!.url, REDIS_PREFIX: redis!.prefix } : {}),
      ...options.env,
    };
    if (!db) for (const name of ['DB_HOST', 'REDIS_URL', 'REDIS_PREFIX']) delete env[name];
    process_ = await startBatonProcess({ env, ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}) });
  };
  const running = () => process_ !== undefined && process_.child.exitCode === null && process_.child.signalCode === null;

  const baton: Baton = {
    url,
    backend,
    output: () => process_?.output() ?? '',
    async api(method, path, body) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? parseMaybe(text) : undefined) as never };
    },
    cpuMs() {
      const pid = process_?.child.pid;
      if (!pid) return 0;
      // Fields 14 and 15 (utime, stime) after the command name, which is in parentheses.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
    },
    async stop() {
      if (!running()) return 0;
      const began = Date.now();
      const code = await process_!.stop(30_000);
      if (code !== 0) throw new Error(`baton exited with ${code} on SIGTERM: ${process_!.output().slice(-2000)}`);
      return Date.now() - began;
    },
    start,
    async sql(text, params = []) {
      if (db) {
        client ??= await connect(db.url);
        return (await client.query(text, params)).rows;
      }
      if (running()) throw new Error('stop the embedded process before reading its PGlite data');
      const pglite = await PGlite.create({ dataDir: join(dataDir, 'pg') });
      try {
        return (await pglite.query(text, params)).rows as never;
      } finally {
        await pglite.close();
      }
    },
    async dispose() {
      if (running()) await process_!.stop(5_000).catch(() => undefined);
      await client?.end();
      await redis?.cleanup();
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await start();
  return baton;
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

function parseMaybe(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function workflow(namespace: string, name: string, tasks: unknown[], extra: object = {}): object {
  return { document: { dsl: '1.0.3', namespace, name, version: '1.0.0' }, do: tasks, ...extra };
}

export async function apply(baton: Baton, document: object): Promise<void> {
  const res = await baton.api('POST', '/api/v1/workflows', document);
  if (res.status !== 201 && res.status !== 200) throw new Error(`apply failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Polls a run until it is terminal (completed, faulted, cancelled). */
export async function waitForEnd(baton: Baton, runId: string, timeoutMs = 60_000): Promise<any> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
    const res = await baton.api('GET', `/api/v1/runs/${runId}`);
    if (res.status === 200 && ['completed', 'faulted', 'cancelled'].includes(res.body.status)) return res.body;
  }
  throw new Error(`run ${runId} did not end within ${timeoutMs} ms`);
}

/** Every run of a namespace (all pages). */
export async function listRuns(baton: Baton, namespace: string): Promise<any[]> {
  const runs: any[] = [];
  let cursor: string | undefined;
  do {
    const res = await baton.api('GET', `/api/v1/runs?namespace=${namespace}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`listing runs: ${res.status} ${JSON.stringify(res.body)}`);
    runs.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return runs;
}

/** Messages waiting or in flight on the runner queue, from the process's own gauge. */
export async function runnerQueueDepth(baton: Baton): Promise<number> {
  const text = await (await fetch(`${baton.url}/metrics`)).text();
  let depth = 0;
  for (const match of text.matchAll(/^baton_queue_depth\{queue="runner",state="(?:waiting|in_flight)"\} (\d+)/gm)) depth += Number(match[1]);
  return depth;
}

export interface Quantiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function quantiles(values: readonly number[]): Quantiles {
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least q of the sample at or below it.
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

export interface HealthSampler {
  /** Stop sampling; wait for the request in flight and return every latency (ms). */
  stop(): Promise<number[]>;
}

/**
 * GET /health every `everyMs`. A request still unanswered at the next tick is not doubled: its
 * latency keeps growing and is what the sample records, so a stall is measured, not skipped.
 */
export function sampleHealth(url: string, everyMs = 100): HealthSampler {
  const latencies: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const began = performance.now();
      try {
        const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(30_000) });
        await res.text();
        latencies.push(res.status === 200 ? performance.now() - began : Infinity);
      } catch {
        latencies.push(Infinity);
      }
      await sleep(Math.max(0, everyMs - (performance.now() - began)));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return latencies;
    },
  };
}

export interface RunStream {
  /** Stop starting runs, wait for those started, and return what each took. */
  stop(): Promise<StreamResult>;
}

export interface StreamResult {
  /** Client side: POST /api/v1/runs (with `wait`) until the answer with the finished run (ms). */
  roundTrips: number[];
  /** Server side: the run's createdAt → endedAt (ms). */
  startToEnd: number[];
  /** Runs that did not complete, with why. */
  failures: string[];
}

/**
 * Starts one run of `namespace/name` every `everyMs` (open loop: a slow run does not slow the
 * stream down) and waits for each with `wait`, the way a client waits for a short run.
 */
export function streamRuns(baton: Baton, namespace: string, name: string, everyMs = 100): RunStream {
  const result: StreamResult = { roundTrips: [], startToEnd: [], failures: [] };
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let n = 0;
  const one = async () => {
    const began = performance.now();
    try {
      const res = await baton.api('POST', '/api/v1/runs', { namespace, name, input: { n: (n += 1) }, wait: 'PT30S' });
      const took = performance.now() - began;
      if (res.status !== 200 || res.body.status !== 'completed') {
        result.failures.push(`${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
        return;
      }
      result.roundTrips.push(took);
      result.startToEnd.push(Date.parse(res.body.endedAt) - Date.parse(res.body.createdAt));
    } catch (error) {
      result.failures.push(String(error));
    }
  };
  const loop = (async () => {
    for (let next = performance.now(); !stopped; next += everyMs) {
      const work = one();
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
      await sleep(Math.max(0, next + everyMs - performance.now()));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await Promise.all([...inFlight]);
      return result;
    },
  };
}
