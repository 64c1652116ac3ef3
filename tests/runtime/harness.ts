// Starts Baton in one process on either backend pair, for the runtime scenario suite:
//   - embedded: PGlite in memory + the in-process bus
//   - servers:  the machine's PostgreSQL (a throwaway database) + Redis (a throwaway prefix)
// and gives the tests a tiny API client.
import { startEmbedded, type EmbeddedBaton } from '@baton/cli/embedded';
import { createTestDatabase, createTestRedis, startHttpTarget, type HttpTarget } from '@baton/testkit';

export type Backend = 'embedded' | 'servers';

export interface Harness {
  baton: EmbeddedBaton;
  target: HttpTarget;
  api<T = any>(method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: T }>;
  apply(document: object): Promise<void>;
  /** Start a run and wait (server-side) until it finishes. */
  runToEnd<T = any>(name: string, input?: unknown, namespace?: string): Promise<T>;
  events(runId: string): Promise<{ seq: number; type: string; data: any; runid: string }[]>;
  /** Start again on the same database (servers backend only): a restart of every service. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const API_KEY = 'bt_runtime_suite_admin_key';

/** `extraEnv` configures the services (e.g. OPENAI_BASE_URL for the agent-runner). */
export async function startHarness(backend: Backend, extraEnv: Record<string, string> = {}): Promise<Harness> {
  const target = await startHttpTarget();
  const db = backend === 'servers' ? await createTestDatabase() : undefined;
  const redis = backend === 'servers' ? await createTestRedis() : undefined;
  const env = { ORCHESTRATOR_PORT: '0', ORCHESTRATOR_HOST: '127.0.0.1', BATON_API_KEY: API_KEY, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', ...extraEnv };
  const boot = () =>
    startEmbedded({
      env,
      store: db ? { kind: 'postgres', ...pgFromUrl(db.url), poolSize: 10 } : { kind: 'pglite' },
      bus: redis ? { kind: 'redis', url: redis.url, prefix: redis.prefix } : { kind: 'memory' },
    });
  let baton = await boot();
  const api = async <T>(method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const res = await fetch(`${baton.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const harness: Harness = {
    get baton() {
      return baton;
    },
    target,
    api,
    async apply(document) {
      const res = await api('POST', '/api/v1/workflows', document);
      if (res.status !== 201 && res.status !== 200) throw new Error(`apply failed: ${res.status} ${JSON.stringify(res.body)}`);
    },
    async runToEnd(name, input = {}, namespace = 'test') {
      const res = await api('POST', '/api/v1/runs', { namespace, name, input, wait: 'PT20S' });
      if (res.status !== 200) throw new Error(`run did not finish: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as never;
    },
    async events(runId) {
      const res = await api<{ items: any[] }>('GET', `/api/v1/runs/${runId}/events?after=0&limit=1000`);
      return res.body.items;
    },
    async restart() {
      if (!db) throw new Error('restart needs the servers backend');
      await baton.stop();
      baton = await boot();
    },
    async close() {
      await baton.stop();
      await target.close();
      await redis?.cleanup();
      await db?.drop();
    },
  };
  return harness;
}

function pgFromUrl(url: string) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1) };
}

export function doc(name: string, tasks: object[], extra: object = {}): object {
  return { document: { dsl: '1.0.0', namespace: 'test', name, version: '1.0.0' }, do: tasks, ...extra };
}
