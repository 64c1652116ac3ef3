// The distributed deployment, end to end, as the images run it: a fresh `npm run build`, each
// service on the filesystem of its image target, with its image's ENV and CMD, the environment
// docker-compose.yml gives it after `cp .env.docker .env` (values pointed at this machine: PostgreSQL
// 127.0.0.1:5432 on a throwaway database, Redis 127.0.0.1:6379 under a throwaway prefix, the fake
// OpenAI server), its secrets as *_FILE, as a non-root user. Processes: the machine's PostgreSQL and Redis, then what
// docker-compose.yml starts by default — orchestrator, workflow-runner, HTTP_WORKER_REPLICAS (2)
// http-workers, hitl-worker, fanout, AGENT_WORKER_REPLICAS (2) agent-runners: 8 Node processes.
// The first replica of each service listens on the guide's port (the image's ENV); further
// replicas share this host's network, so they get another port through PORT.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createTestRedis, freePort, startFakeOpenAI, startHttpTarget, type FakeOpenAI, type HttpTarget, type TestDatabase, type TestRedis } from '@baton/testkit';
import { assertPortFree, buildBundles, healthcheckUrl, imageFilesystem, processUid, serviceUser, startContainer, stopContainer, waitHealthy, type Container } from './containers.ts';
import { GUIDE_PORTS, NODE_SERVICES, guideConfig, imageSettings, k8sSecretsOf, type NodeService } from './support.ts';

const API = `http://127.0.0.1:${GUIDE_PORTS.orchestrator}`;
const STREAM = `ws://127.0.0.1:${GUIDE_PORTS.fanout}/v1/stream`;
const API_KEY = `bt_deploy_${randomBytes(12).toString('hex')}`;
const OPENAI_KEY = `sk-deploy-${randomBytes(8).toString('hex')}`;

let root: string;
let db: TestDatabase;
let redis: TestRedis;
let target: HttpTarget;
let openai: FakeOpenAI;
let hooks: { server: Server; url: string; received: { path: string; body: any }[] };
const containers: Container[] = [];

/**
 * The environment docker-compose.yml gives `service` (.env, copied from .env.docker, and the
 * service's own `environment`, as `docker-compose config` resolves them), pointed at this machine; the secrets
 * the service uses are given as files (*_FILE), the way docker-compose.prod.yml and Kubernetes do.
 */
function containerEnvironment(service: NodeService, compose: Record<string, any>, secrets: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { ...compose[service].environment };
  Object.assign(env, db.env, { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, LOG_LEVEL: 'info', OPENAI_BASE_URL: openai.url, BATON_PUBLIC_URL: API });
  for (const name of k8sSecretsOf(service)) {
    if (secrets[name] === undefined) throw new Error(`no test value for the secret ${name}`);
    env[name] = '';
    env[`${name}_FILE`] = join(root, 'secrets', name);
  }
  return env;
}

function writeSecrets(values: Record<string, string>): void {
  mkdirSync(join(root, 'secrets'), { mode: 0o755 });
  for (const [name, value] of Object.entries(values)) writeFileSync(join(root, 'secrets', name), `${value}\n`, { mode: 0o444 });
}

async function startService(service: NodeService, env: Record<string, string>, dist: string, replicas = 1): Promise<Container[]> {
  const started: Container[] = [];
  for (let i = 0; i < replicas; i += 1) {
    const image = imageFilesystem(service, dist, join(root, `${service}-${i}`, 'app'));
    const port = i === 0 ? GUIDE_PORTS[service] : await freePort();
    const portEnv: Record<string, string> = i === 0 ? {} : { PORT: String(port) };
    const container = startContainer({ name: `${service}-${i}`, service, workdir: image.workdir, cmd: image.cmd, env: { ...image.env, ...env, ...portEnv }, port });
    containers.push(container);
    started.push(container);
  }
  await Promise.all(started.map((c) => waitHealthy(c)));
  return started;
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${API}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${containers.map((c) => `[${c.name}] ${c.output.slice(-5).join('\n')}`).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function startHooks(): Promise<typeof hooks> {
  const received: { path: string; body: any }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', body: text ? JSON.parse(text) : null });
      res.writeHead(204).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${port}`, received };
}

beforeAll(async () => {
  for (const port of Object.values(GUIDE_PORTS).filter((p) => p >= 8081)) await assertPortFree(port);
  root = mkdtempSync('/tmp/baton-deploy-');
  const dist = join(root, 'build', 'dist');
  buildBundles(dist);
  db = await createTestDatabase();
  redis = await createTestRedis();
  target = await startHttpTarget();
  openai = await startFakeOpenAI({ apiKey: OPENAI_KEY, reply: (request) => ({ content: `Summary: ${JSON.stringify(request.body.messages.at(-1).content)} looks fine.` }) });
  hooks = await startHooks();
  const secrets = {
    DB_PASSWORD: db.env.DB_PASSWORD ?? '',
    BATON_API_KEY: API_KEY,
    OPENAI_API_KEY: OPENAI_KEY,
    BATON_APPROVAL_SECRET: randomBytes(24).toString('hex'),
    BATON_STREAM_TOKEN_SECRET: randomBytes(32).toString('hex'),
  };
  writeSecrets(secrets);
  const compose = guideConfig().services;
  const env = (service: NodeService) => containerEnvironment(service, compose, secrets);
  const replicas = (service: 'http-worker' | 'agent-runner') => compose[service].deploy.replicas as number;
  // docker-compose.yml's order: the orchestrator (migrations) first; the runner and the fanout
  // after it is healthy; the workers need only Redis.
  await startService('orchestrator', env('orchestrator'), dist);
  await Promise.all([
    startService('workflow-runner', env('workflow-runner'), dist),
    startService('fanout', env('fanout'), dist),
    startService('http-worker', env('http-worker'), dist, replicas('http-worker')),
    startService('hitl-worker', env('hitl-worker'), dist),
    startService('agent-runner', env('agent-runner'), dist, replicas('agent-runner')),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all(containers.map((c) => stopContainer(c, 'SIGKILL', 0)));
  await Promise.all([target?.close(), openai?.close(), new Promise((resolve) => hooks?.server.close(resolve))]);
  await redis?.cleanup();
  await db?.drop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the services as their images run them', () => {
  it('runs the 8 Node processes of the default deployment, non-root, healthy on the guide\'s ports', async () => {
    expect(containers.map((c) => c.name).sort()).toEqual([
      'agent-runner-0', 'agent-runner-1', 'fanout-0', 'hitl-worker-0', 'http-worker-0', 'http-worker-1', 'orchestrator-0', 'workflow-runner-0',
    ]);
    const user = serviceUser();
    for (const c of containers) {
      const uid = processUid(c.child.pid!);
      expect(uid, c.name).not.toBe(0);
      if (user) expect(uid, c.name).toBe(user.uid);
    }
    for (const c of containers) {
      // Each image's HEALTHCHECK, expanded in the container's environment, reaches its /health.
      const url = healthcheckUrl(imageSettings(c.service).healthcheck!, c.env);
      expect(url, c.name).toBe(`http://127.0.0.1:${c.port}/health`);
      expect((await fetch(url)).status, c.name).toBe(200);
    }
    for (const service of NODE_SERVICES) {
      const health = await fetch(`http://127.0.0.1:${GUIDE_PORTS[service]}/health`);
      expect(health.status, service).toBe(200);
      const metrics = await fetch(`http://127.0.0.1:${GUIDE_PORTS[service]}/metrics`);
      expect(metrics.status, service).toBe(200);
    }
    // The dashboard ships inside the orchestrator's image.
    const dashboard = await fetch(`${API}/`);
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get('content-type')).toMatch(/text\/html/);
    // The orchestrator applied the migrations: the guide's check works.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query('SELECT COUNT(*)::int AS n FROM runs');
    await client.end();
    expect(rows[0].n).toBe(0);
  }, 90_000);

  it('runs a workflow with an HTTP step, an agent step and an approval, through the API (8081) and the stream (8085)', async () => {
    const document = {
      document: { dsl: '1.0.0', namespace: 'deploy', name: 'check', version: '1.0.0' },
      do: [
        { fetch: { call: 'http', with: { method: 'get', endpoint: `${target.url}/inventory?item=widgets` } } },
        { summarize: { call: 'agent:1.0.0@default', with: { model: 'fake-model', prompt: '${ "Check the stock of " + .query.item }' } } },
        { review: { call: 'approval:1.0.0@default', with: { title: 'Ship the widgets?', approvers: ['ops'], notify: [`${hooks.url}/approvals`] } } },
        { finish: { set: { decision: '${ .decision }', by: '${ .by }' } } },
      ],
    };
    expect((await api('POST', '/api/v1/workflows', document)).status).toBe(201);
    const started = await api('POST', '/api/v1/runs', { namespace: 'deploy', name: 'check', input: {} });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const runId: string = started.body.id;

    const socket = new WebSocket(STREAM, { headers: { authorization: `Bearer ${API_KEY}` } });
    const messages: any[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ subscribe: { run: runId, after: 0 } }));

    // The hitl-worker notifies the approvers' webhook with signed links; the decision goes through the API.
    const approval = await until('the pending approval', async () => (await api('GET', '/api/v1/approvals?status=pending')).body.items.find((a: any) => a.runId === runId));
    const notice = await until('the approval notification', () => hooks.received.find((r) => r.body?.runId === runId));
    expect(notice.body.links.map((l: any) => l.approver)).toEqual(['ops']);
    const decided = await api('POST', `/api/v1/approvals/${approval.id}/decision`, { decision: 'approve', approver: 'ops', comment: 'go' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);

    const events = await until('the completed event on the stream', () => (messages.some((m) => m.type === 'io.serverlessworkflow.workflow.completed.v1') ? messages.filter((m) => m.specversion) : undefined));
    socket.close();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const completedTasks = events.filter((e) => e.type === 'io.serverlessworkflow.task.completed.v1').map((e) => e.data.task);
    expect(completedTasks).toEqual(['/do/0/fetch', '/do/1/summarize', '/do/2/review', '/do/3/finish']);
    // The agent-runner streamed the model's tokens, the runner opened the approval, all live on 8085.
    expect(events.filter((e) => e.type === 'dev.baton.agent.token.v1').map((e) => e.data.task)).toContain('/do/1/summarize');
    expect(events.find((e) => e.type === 'dev.baton.approval.requested.v1')?.data).toMatchObject({ approvalId: approval.id, approvers: ['ops'] });
    expect(events.find((e) => e.type === 'io.serverlessworkflow.task.completed.v1' && e.data.task === '/do/1/summarize')?.data.output.content).toMatch(/^Summary: .*widgets/);

    const run = (await api('GET', `/api/v1/runs/${runId}`)).body;
    expect(run).toMatchObject({ status: 'completed', output: { decision: 'approved', by: ['ops'] } });
    // The HTTP step reached the target once (with its attempt's Idempotency-Key); the agent step
    // reached the model with the key read from OPENAI_API_KEY_FILE and the HTTP step's result.
    expect(target.requests.size).toBe(1);
    expect(openai.requests).toHaveLength(1);
    expect(JSON.stringify(openai.requests[0]!.body.messages)).toContain('Check the stock of widgets');
  }, 90_000);

  it('docker stop of the http-workers while a call is in flight: the call finishes, the workers exit 0, the run completes', async () => {
    const document = {
      document: { dsl: '1.0.0', namespace: 'deploy', name: 'slow', version: '1.0.0' },
      do: [{ slow: { call: 'http', with: { method: 'get', endpoint: `${target.url}/slow?delay=2000` } } }],
    };
    expect((await api('POST', '/api/v1/workflows', document)).status).toBe(201);
    const before = target.total();
    const runId = (await api('POST', '/api/v1/runs', { namespace: 'deploy', name: 'slow', input: {} })).body.id as string;
    await until('the call in flight', () => (target.total() > before ? true : undefined));
    const workers = containers.filter((c) => c.service === 'http-worker');
    const stopped = await Promise.all(workers.map((c) => stopContainer(c, 'SIGTERM')));
    expect(stopped).toEqual(workers.map(() => ({ code: 0, signal: null, killed: false })));
    const run = await until('the run to finish', async () => {
      const body = (await api('GET', `/api/v1/runs/${runId}`)).body;
      return ['completed', 'faulted', 'cancelled'].includes(body.status) ? body : undefined;
    });
    expect(run).toMatchObject({ status: 'completed', output: { path: '/slow' } });
  }, 90_000);

  it('docker stop of every service: SIGTERM, and each exits 0 within the grace period', async () => {
    const running = containers.filter((c) => c.child.exitCode === null && c.child.signalCode === null);
    expect(running.length).toBe(6);
    const results = await Promise.all(running.map(async (c) => ({ name: c.name, ...(await stopContainer(c, 'SIGTERM')) })));
    expect(results).toEqual(running.map((c) => ({ name: c.name, code: 0, signal: null, killed: false })));
  }, 90_000);
});
