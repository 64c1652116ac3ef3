// Baton in one process (orchestrator, runner, fanout) on either backend pair, with fanout
// settings small enough for tests (buffer limit, keep-alive):
//   - embedded: PGlite in memory + the in-process bus
//   - servers:  the machine's PostgreSQL (a throwaway database) + Redis (a throwaway prefix)
import { startEmbedded, type EmbeddedBaton } from '@baton/cli/embedded';
import { createTestDatabase, createTestRedis } from '@baton/testkit';

export type Backend = 'embedded' | 'servers';

export const ADMIN_KEY = 'bt_fanout_suite_admin_key';

export interface FanoutHarness {
  baton: EmbeddedBaton;
  api<T = any>(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: T }>;
  apply(document: object): Promise<void>;
  /** Starts a run without waiting; returns its id. */
  start(name: string, input?: unknown, namespace?: string): Promise<string>;
  /** Polls until the run waits (at its listen). */
  waiting(runId: string): Promise<void>;
  /** Waits (server-side) for the run to finish. */
  finish(runId: string, name: string, namespace?: string): Promise<any>;
  /** The run's whole log through the REST API. */
  events(runId: string): Promise<{ seq: number; type: string; id: string }[]>;
  createKey(name: string, namespace?: string, role?: 'admin' | 'user'): Promise<{ id: string; secret: string }>;
  close(): Promise<void>;
}

export async function startFanoutHarness(backend: Backend, env: Record<string, string> = {}): Promise<FanoutHarness> {
  const db = backend === 'servers' ? await createTestDatabase() : undefined;
  const redis = backend === 'servers' ? await createTestRedis() : undefined;
  const baton = await startEmbedded({
    env: { ORCHESTRATOR_PORT: '0', ORCHESTRATOR_HOST: '127.0.0.1', BATON_API_KEY: ADMIN_KEY, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', ...env },
    store: db ? { kind: 'postgres', ...pgFromUrl(db.url), poolSize: 10 } : { kind: 'pglite' },
    bus: redis ? { kind: 'redis', url: redis.url, prefix: redis.prefix } : { kind: 'memory' },
  });
  const api = async <T>(method: string, path: string, body?: unknown, key = ADMIN_KEY) => {
    const res = await fetch(`${baton.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    baton,
    api,
    async apply(document) {
      const res = await api('POST', '/api/v1/workflows', document);
      if (res.status !== 201 && res.status !== 200) throw new Error(`apply failed: ${res.status} ${JSON.stringify(res.body)}`);
    },
    async start(name, input = {}, namespace = 'fan') {
      const res = await api<{ id: string }>('POST', '/api/v1/runs', { namespace, name, input });
      if (res.status !== 201) throw new Error(`start failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id;
    },
    async waiting(runId) {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const res = await api<{ status: string }>('GET', `/api/v1/runs/${runId}`);
        if (res.body.status === 'waiting') return;
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      throw new Error(`run ${runId} did not reach waiting in 15 s`);
    },
    async finish(runId) {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const res = await api<{ status: string }>('GET', `/api/v1/runs/${runId}`);
        if (['completed', 'faulted', 'cancelled'].includes(res.body.status)) return res.body;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`run ${runId} did not finish in 30 s`);
    },
    async events(runId) {
      const items: { seq: number; type: string; id: string }[] = [];
      for (let after = 0; ; ) {
        const res = await api<{ items: { seq: number; type: string; id: string }[]; nextAfter: number }>('GET', `/api/v1/runs/${runId}/events?after=${after}&limit=1000`);
        items.push(...res.body.items);
        if (res.body.items.length === 0) return items;
        after = res.body.nextAfter;
      }
    },
    async createKey(name, namespace, role = 'user') {
      const res = await api<{ id: string; secret: string }>('POST', '/api/v1/keys', { name, role, ...(namespace && { namespace }) });
      if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async close() {
      await baton.stop();
      await redis?.cleanup();
      await db?.drop();
    },
  };
}

function pgFromUrl(url: string) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1) };
}

/** Workflows of the fanout scenarios (namespace `fan` unless given). */
export const workflows = {
  /** n iterations of a short timer: a run that produces events over ~n × ms. */
  ticker: (namespace = 'fan') => ({
    document: { dsl: '1.0.0', namespace, name: 'ticker', version: '1.0.0' },
    do: [{ loop: { for: { each: 'i', in: '${ [range(0; .n)] }' }, do: [{ tick: { wait: { milliseconds: 5 } } }] } }],
  }),
  /** Stops at a listen until a CloudEvent of `type` is posted: a run the test advances. */
  gated: (name: string, type: string, namespace = 'fan') => ({
    document: { dsl: '1.0.0', namespace, name, version: '1.0.0' },
    do: [
      { before: { set: { phase: 'before' } } },
      { hold: { listen: { to: { one: { with: { type, source: 'https://tests.example/' } } } } } },
      { after: { set: { phase: 'after' } } },
    ],
  }),
  /** n iterations each producing an event of about `kb` kilobytes (slow-consumer tests). */
  bulky: (kb: number, namespace = 'fan') => ({
    document: { dsl: '1.0.0', namespace, name: 'bulky', version: '1.0.0' },
    do: [
      {
        loop: {
          for: { each: 'i', in: '${ [range(0; .n)] }' },
          do: [{ pause: { wait: { milliseconds: 5 } } }, { blob: { set: { blob: `\${ [range(0; ${Math.round(kb * 170)})] | tostring }` } } }],
        },
      },
    ],
  }),
};
