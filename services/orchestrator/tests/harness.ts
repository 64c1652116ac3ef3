// The orchestrator app on a real store and bus, driven with fastify.inject. Two backends:
// embedded (PGlite in memory + in-process bus) and distributed (a fresh Postgres database
// baton_t_<random> + Redis with a unique key prefix). Unreachable services fail the tests.
import { Writable } from 'node:stream';
import type { Bus, RunEventRecord, RunRecord, RunStatus, Store } from '@baton/core';
import { createBus } from '@baton/bus';
import { send } from '@baton/engine';
import { createStore } from '@baton/store';
import { createTestDatabase, createTestRedis } from '@baton/testkit';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import { BATON_RUNTIME, createRunStarter } from '@baton/engine';
import { createOrchestratorApp, defaultOrchestratorConfig, ensureBootstrapKey, type OrchestratorConfig } from '../src/index.ts';

export type BackendKind = 'embedded' | 'distributed';

/** The stream-token signing secret the harness's app is configured with. */
export const STREAM_TOKEN_SECRET = 'test-stream-token-secret-0123456789abcdef';

export interface Harness {
  app: FastifyInstance;
  store: Store;
  bus: Bus;
  registry: Registry;
  /** Secret of an unrestricted admin key. */
  adminKey: string;
  /** Every log line the app wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Raw log text (to assert secrets never appear). */
  logText: () => string;
  request(options: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

interface Backend {
  store: Store;
  bus: Bus;
  dispose(): Promise<void>;
}

async function openBackend(kind: BackendKind): Promise<Backend> {
  if (kind === 'embedded') {
    const store = await createStore({ kind: 'pglite' });
    const bus = createBus({ kind: 'memory' });
    return { store, bus, dispose: async () => void (await Promise.all([store.close(), bus.close()])) };
  }
  const db = await createTestDatabase();
  const redis = await createTestRedis();
  const store = await createStore({ kind: 'postgres', connectionString: db.url, poolSize: 8 });
  const bus = createBus({ kind: 'redis', url: redis.url, prefix: redis.prefix });
  return {
    store,
    bus,
    async dispose() {
      await bus.close();
      await store.close();
      await Promise.all([db.drop(), redis.cleanup()]);
    },
  };
}

export async function openHarness(kind: BackendKind, overrides: Partial<OrchestratorConfig> = {}, options: { starter?: boolean } = {}): Promise<Harness> {
  const backend = await openBackend(kind);
  await backend.store.migrate();
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      callback();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const registry = new Registry();
  const config = defaultOrchestratorConfig({ authCacheMs: 200, streamTokens: { current: STREAM_TOKEN_SECRET }, ...overrides });
  // With `starter`, as deployed: runs created through the API start in the transaction that
  // creates them. Without it, the suites drive a run's start by hand (the runner's part).
  const starter = options.starter ? createRunStarter({ store: backend.store, bus: backend.bus, logger, metrics: registry, runtime: BATON_RUNTIME }) : undefined;
  // It starts runs once it recorded the transport epoch (a few milliseconds).
  for (const deadline = Date.now() + 10_000; starter && !starter.ready(); ) {
    if (Date.now() > deadline) throw new Error('the run starter did not record the transport epoch in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const app = await createOrchestratorApp({ store: backend.store, bus: backend.bus, logger, metrics: registry, config, ...(starter && { starter }) });
  const { secret } = await ensureBootstrapKey(backend.store, {});
  if (!secret) throw new Error('a fresh store must get a generated bootstrap key');
  return {
    app,
    store: backend.store,
    bus: backend.bus,
    registry,
    adminKey: secret,
    get logs() {
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    logText: () => lines.join('\n'),
    request({ key, ...options }) {
      const headers = { ...(options.headers ?? {}) } as Record<string, string>;
      if (key !== null) headers.authorization = `Bearer ${key ?? secret}`;
      return app.inject({ ...options, headers });
    },
    async close() {
      await app.close();
      await backend.dispose();
    },
  };
}

let counter = 0;
/** A namespace no other test uses (DSL names: lowercase, digits, single dashes). */
export function uniqueNamespace(prefix = 'ns'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Math.floor(Math.random() * 1e6)}`;
}

export function workflowYaml(namespace: string, name = 'hello', version = '1.0.0', message = 'hi'): string {
  return ['document:', "  dsl: '1.0.0'", `  namespace: ${namespace}`, `  name: ${name}`, `  version: '${version}'`, 'do:', '  - greet:', '      set:', `        message: ${message}`, ''].join('\n');
}

export function workflowJson(namespace: string, name = 'hello', version = '1.0.0', message = 'hi'): string {
  return JSON.stringify({ do: [{ greet: { set: { message } } }], document: { version, name, namespace, dsl: '1.0.0' } });
}

export async function registerWorkflow(h: Harness, namespace: string, name = 'hello', version = '1.0.0'): Promise<void> {
  const response = await h.request({ method: 'POST', url: '/api/v1/workflows', headers: { 'content-type': 'application/yaml' }, payload: workflowYaml(namespace, name, version) });
  if (response.statusCode !== 201 && response.statusCode !== 200) throw new Error(`register failed: ${response.statusCode} ${response.body}`);
}

export async function startRun(h: Harness, namespace: string, name = 'hello', extra: Record<string, unknown> = {}): Promise<RunRecord> {
  const response = await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace, name, ...extra } });
  if (response.statusCode !== 201) throw new Error(`start failed: ${response.statusCode} ${response.body}`);
  return response.json<RunRecord>();
}

/**
 * Move a run to `status` as the workflow-runner would: one transaction saving the run and
 * appending its events, then the events published on the `events` topic.
 */
export async function advanceRun(
  h: Harness,
  runId: string,
  status: RunStatus,
  options: { output?: unknown; publish?: boolean; eventTypes?: string[] } = {},
): Promise<RunEventRecord[]> {
  const terminal = status === 'completed' || status === 'faulted' || status === 'cancelled';
  const types = options.eventTypes ?? [`io.serverlessworkflow.workflow.${status === 'running' ? 'started' : status}.v1`];
  const now = new Date().toISOString();
  const { events, run } = await h.store.transaction(async (tx) => {
    const [locked] = await tx.lockRuns([runId]);
    if (!locked) throw new Error(`no run ${runId}`);
    const records: RunEventRecord[] = types.map((type, i) => ({ runId, seq: locked.eventSeq + i + 1, id: `${runId}.${locked.eventSeq + i + 1}`, type, time: now, data: { status } }));
    const error = status === 'faulted' ? { type: 'https://serverlessworkflow.io/spec/1.0.0/errors/runtime', status: 500, detail: 'boom' } : undefined;
    await tx.saveRuns([
      {
        id: runId,
        status,
        state: { status, ...(options.output !== undefined && { output: options.output }) },
        eventSeq: locked.eventSeq + records.length,
        startedAt: now,
        ...(terminal && { endedAt: now }),
        ...(options.output !== undefined && { output: options.output }),
        ...(error && { error }),
      },
    ]);
    await tx.appendEvents(records);
    return { events: records, run: locked };
  });
  // Published as the runner's relay does (send): the events, and the end of the run if it ended.
  if (options.publish !== false) await send(h.bus, { tasks: [], runner: [], events: events.map((event) => ({ ...event, namespace: run.namespace, name: run.name, version: run.version })) });
  return events;
}

export async function createKey(h: Harness, body: { name: string; role: 'admin' | 'user'; namespace?: string }): Promise<{ id: string; secret: string }> {
  const response = await h.request({ method: 'POST', url: '/api/v1/keys', payload: body });
  if (response.statusCode !== 201) throw new Error(`key creation failed: ${response.statusCode} ${response.body}`);
  return response.json<{ id: string; secret: string }>();
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `predicate` holds, checking after each macrotask; for test orchestration only. */
export async function eventually(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(5);
  }
}
