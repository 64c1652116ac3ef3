// The engine's test bench: a throwaway PostgreSQL database and a Redis prefix of its own (or a
// Redis server of its own, for tests that kill or wipe it), runners started and stopped at will,
// and direct access to applyBatch — a batch applied without its relay is exactly what a runner
// leaves behind when it dies between its commit and the hand-over to the transport.
import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Bus, RunEventRecord, RunRecord, RunnerMessage } from '@baton/core';
import { createBus, type ObservableBus } from '@baton/bus';
import { createStore, type SqlStore } from '@baton/store';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@baton/testkit';
import { applyBatch, type ApplyDeps, type EngineFault } from '../src/apply.ts';
import { DefinitionCache } from '../src/definitions.ts';
import { createWorkflowRunner, defaultRunnerOptions, type RunnerOptions, type WorkflowRunner } from '../src/runner.ts';
import { RunSnapshots } from '../src/snapshots.ts';

export const NAMESPACE = 'engine';
/** Two `call: http` tasks and a `set` (the peer workload's shape), against a port nothing answers on: the tests send the results. */
export const TWO_CALLS: object[] = [
  { first: { call: 'http', with: { method: 'get', endpoint: 'http://127.0.0.1:9/first' } } },
  { second: { call: 'http', with: { method: 'get', endpoint: 'http://127.0.0.1:9/second' } } },
  { done: { set: { second: '${ . }' } } },
];

/**
 * A runner's batches on the runs it remembers (`snapshots`, a new memory by default): its own
 * definition cache, and what the snapshots said of each batch (ApplyDeps.onSnapshotBatch).
 */
export function rememberingDeps(b: Pick<EngineBench, 'store'>, snapshots = new RunSnapshots()): { deps: ApplyDeps; outcomes: string[]; snapshots: RunSnapshots } {
  const outcomes: string[] = [];
  return { deps: { store: b.store, definitions: new DefinitionCache(b.store), runtime: RUNTIME, clock: Date.now, snapshots, onSnapshotBatch: (outcome) => outcomes.push(outcome) }, outcomes, snapshots };
}

/** The id of run `runId`'s attempt of the task whose reference includes `reference`. */
export async function attemptOf(b: Pick<EngineBench, 'store'>, runId: string, reference: string): Promise<string> {
  const found = (await b.store.listAttempts(runId)).find((a) => a.reference.includes(reference));
  if (!found) throw new Error(`no attempt of ${reference} in run ${runId}`);
  return found.id;
}

/** A task's completed result, as an http-worker sends it. */
export const completedResult = (runId: string, attemptId: string, output: unknown): RunnerMessage => ({ type: 'result', runId, attemptId, status: 'completed', output });
export const RUNTIME = { name: 'baton', version: 'test' };
export const silent = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

export interface EngineBench {
  store: SqlStore;
  bus: ObservableBus;
  /** Registers a workflow (namespace `engine`, version 1.0.0) from its `do` list and extras. */
  define(name: string, tasks: object[], extra?: object): Promise<void>;
  /** Creates a pending run; `send` also enqueues its start message (as the API does). */
  create(name: string, input?: unknown, send?: boolean): Promise<string>;
  /** Applies messages (and engine faults) in one transaction and returns — nothing is relayed. */
  commitOnly(messages: RunnerMessage[], faults?: EngineFault[]): Promise<void>;
  /** Starts a runner (several may run at once; `clock`: its own, Date.now by default); stopped by close() if not before. */
  runner(options?: Partial<RunnerOptions>, bus?: Bus, clock?: () => number, metrics?: Registry): Promise<WorkflowRunner>;
  run(id: string): Promise<RunRecord>;
  events(id: string): Promise<RunEventRecord[]>;
  /** Polls until `check` holds (or fails the test with `what` after `timeoutMs`). */
  until(what: string, check: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  /** Waits until the run is in one of `statuses`. */
  status(id: string, ...statuses: string[]): Promise<RunRecord>;
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Stops every runner started so far (each test starts its own: a runner's definition cache is its own). */
  stopRunners(): Promise<void>;
  close(): Promise<void>;
}

export interface BenchOptions {
  /** A Redis of the test's own (e.g. startRedisServer().url) instead of a prefix on the machine's. */
  redisUrl?: string;
}

export async function startBench(options: BenchOptions = {}): Promise<EngineBench> {
  const db: TestDatabase = await createTestDatabase('baton_engine');
  const redis: TestRedis | undefined = options.redisUrl ? undefined : await createTestRedis();
  const url = new URL(db.url);
  const store = await createStore({ kind: 'postgres', host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: db.name, poolSize: 10 });
  await store.migrate();
  const bus = createBus(options.redisUrl ? { kind: 'redis', url: options.redisUrl, prefix: 'baton:' } : { kind: 'redis', url: redis!.url, prefix: redis!.prefix }, () => undefined);
  const runners: WorkflowRunner[] = [];
  const definitions = new DefinitionCache(store);
  const apply: ApplyDeps = { store, definitions, runtime: RUNTIME, clock: Date.now };
  let consumers = 0;

  const bench: EngineBench = {
    store,
    bus,
    async define(name, tasks, extra = {}) {
      const document = { document: { dsl: '1.0.0', namespace: NAMESPACE, name, version: '1.0.0' }, do: tasks, ...extra };
      const source = JSON.stringify(document);
      await store.putDefinition({ namespace: NAMESPACE, name, version: '1.0.0', document, source, contentHash: createHash('sha256').update(source).digest('hex') });
    },
    async create(name, input = {}, send = true) {
      const definition = await store.getDefinition(NAMESPACE, name, '1.0.0');
      if (!definition) throw new Error(`define ${name} first`);
      const { run } = await store.createRun({ id: uuidv7(), definitionId: definition.id, namespace: NAMESPACE, name, version: '1.0.0', input });
      if (send) await bus.enqueue('runner', [{ type: 'start', runId: run.id }]);
      return run.id;
    },
    async commitOnly(messages, faults = []) {
      await applyBatch(apply, messages, faults);
    },
    async runner(overrides = {}, runnerBus = bus, clock = Date.now, metrics = new Registry()) {
      consumers += 1;
      const options: RunnerOptions = { ...defaultRunnerOptions, consumer: `engine-test-${process.pid}-${consumers}`, timerPollMs: 50, sweepIntervalMs: 200, ...overrides };
      const runner = createWorkflowRunner({ store, bus: runnerBus, logger: silent, metrics, runtime: RUNTIME, options, clock });
      await runner.start();
      runners.push(runner);
      return runner;
    },
    async run(id) {
      const run = await store.getRun(id);
      if (!run) throw new Error(`no run ${id}`);
      return run;
    },
    events: (id) => store.listEvents(id, 0, 10_000),
    async until(what, check, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async status(id, ...statuses) {
      let run = await bench.run(id);
      try {
        await bench.until(`run ${id} to be ${statuses.join(' or ')}`, async () => statuses.includes((run = await bench.run(id)).status));
      } catch (error) {
        throw new Error(`${(error as Error).message}; it is ${run.status}`);
      }
      return run;
    },
    sql: (text, params = []) => store.db.query(text, params) as never,
    async stopRunners() {
      await Promise.allSettled(runners.splice(0).map((r) => r.stop()));
    },
    async close() {
      await Promise.allSettled(runners.map((r) => r.stop()));
      await bus.close();
      await store.close();
      await redis?.cleanup();
      await db.drop();
    },
  };
  return bench;
}
