// Baton in one process on the machine's PostgreSQL (a throwaway database) and Redis (a throwaway
// prefix), with a known approval-link secret, and a webhook receiver that records notifications
// (the first `failFirst` posts of each path answer 503, to exercise retries).
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { startEmbedded, type EmbeddedBaton } from '@baton/cli/embedded';
import { createTestDatabase, createTestRedis } from '@baton/testkit';
import type { Api } from './helpers.ts';

export const APPROVAL_SECRET = 'approval-test-secret-0123456789';
const API_KEY = 'bt_approvals_suite_admin_key';

export interface Webhooks {
  url: string;
  received: { path: string; body: any }[];
  failFirst: Map<string, number>;
  close(): Promise<void>;
}

export async function startWebhooks(): Promise<Webhooks> {
  const received: { path: string; body: any }[] = [];
  const failFirst = new Map<string, number>();
  const attempts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const n = (attempts.get(path) ?? 0) + 1;
      attempts.set(path, n);
      if (n <= (failFirst.get(path) ?? 0)) {
        res.writeHead(503).end();
        return;
      }
      received.push({ path, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, received, failFirst, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface ApprovalHarness {
  baton: EmbeddedBaton;
  api: Api;
  webhooks: Webhooks;
  apply(document: object): Promise<void>;
  /** A request to the page (no API key). */
  page(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

/** `extraEnv`: more variables for the process, which may name the webhook receiver's URL. */
export async function startApprovalHarness(extraEnv: (webhooks: Webhooks) => Record<string, string> = () => ({})): Promise<ApprovalHarness> {
  const db = await createTestDatabase();
  const redis = await createTestRedis();
  const webhooks = await startWebhooks();
  const env = { ORCHESTRATOR_PORT: '0', ORCHESTRATOR_HOST: '127.0.0.1', BATON_API_KEY: API_KEY, BATON_APPROVAL_SECRET: APPROVAL_SECRET, HITL_NOTIFY_BACKOFF_MS: '20', HITL_POLL_MS: '50', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', ...extraEnv(webhooks) };
  const u = new URL(db.url);
  const baton = await startEmbedded({
    env,
    store: { kind: 'postgres', host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1), poolSize: 10 },
    bus: { kind: 'redis', url: redis.url, prefix: redis.prefix },
  });
  const api: Api = async (method, path, body, contentType = 'application/json') => {
    const res = await fetch(`${baton.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    baton,
    api,
    webhooks,
    async apply(document) {
      const res = await api('POST', '/api/v1/workflows', document);
      if (res.status !== 201 && res.status !== 200) throw new Error(`apply failed: ${res.status} ${JSON.stringify(res.body)}`);
    },
    async page(method, path, form) {
      const res = await fetch(`${baton.url}${path}`, {
        method,
        ...(form ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() } : {}),
      });
      return { status: res.status, text: await res.text() };
    },
    async close() {
      await baton.stop();
      await webhooks.close();
      await redis.cleanup();
      await db.drop();
    },
  };
}
