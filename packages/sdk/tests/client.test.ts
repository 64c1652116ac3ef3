// BatonClient against the real orchestrator (PGlite + in-process bus), without a runner so that
// runs stay where the API put them. Runs that advance are in lifecycle.test.ts.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatonApiError, BatonClient, BatonConnectionError, BatonResponseError, type Run } from '../src/index.ts';
import { startLiveServer, type LiveServer } from './live-server.ts';
import { failingDocument, helloYaml, uniqueNamespace } from './workflows.ts';

let server: LiveServer;
let client: BatonClient;

beforeAll(async () => {
  server = await startLiveServer({ runner: false });
  client = new BatonClient({ baseUrl: server.url, apiKey: server.apiKey });
});
afterAll(async () => {
  await server?.close();
});

async function apiError(promise: Promise<unknown>): Promise<BatonApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BatonApiError);
  return error as BatonApiError;
}

describe('workflows', () => {
  it('registers YAML, then reports the same content as unchanged', async () => {
    const ns = uniqueNamespace('wf');
    const first = await client.applyWorkflow(helloYaml(ns));
    expect(first).toMatchObject({ created: true, workflow: { namespace: ns, name: 'hello', version: '1.0.0' } });
    const again = await client.applyWorkflow(helloYaml(ns));
    expect(again).toEqual({ created: false, workflow: first.workflow });
  });

  it('registers an object as JSON', async () => {
    const ns = uniqueNamespace('wf');
    const result = await client.applyWorkflow(failingDocument(ns));
    expect(result.created).toBe(true);
    expect((await client.getWorkflow(ns, 'broken')).document).toMatchObject({ document: { name: 'broken' } });
  });

  it('rejects other content under an existing version with 409', async () => {
    const ns = uniqueNamespace('wf');
    await client.applyWorkflow(helloYaml(ns));
    const error = await apiError(client.applyWorkflow(helloYaml(ns, '1.0.0', 'bonjour')));
    expect(error.status).toBe(409);
    expect(error.type).toBe('https://baton.dev/problems/conflict');
    expect(error.detail).toMatch(/already registered with other content/);
  });

  it('rejects an invalid document with 422 and its problem list', async () => {
    const ns = uniqueNamespace('wf');
    const error = await apiError(client.applyWorkflow(`document:\n  dsl: '1.0.0'\n  namespace: ${ns}\n  name: bad\n  version: '1.0.0'\ndo:\n  - step:\n      teleport: {}\n`));
    expect(error.status).toBe(422);
    expect(error.problems.length).toBeGreaterThan(0);
    for (const problem of error.problems) {
      expect(problem.path).toMatch(/^(\/|$)/);
      expect(problem.message).not.toBe('');
    }
  });

  it('reads the latest or one version, and lists every version page by page', async () => {
    const ns = uniqueNamespace('wf');
    await client.applyWorkflow(helloYaml(ns, '1.0.0'));
    await client.applyWorkflow(helloYaml(ns, '1.10.0'));
    await client.applyWorkflow(helloYaml(ns, '1.2.0'));
    expect((await client.getWorkflow(ns, 'hello')).version).toBe('1.10.0');
    expect((await client.getWorkflow(ns, 'hello', '1.2.0')).version).toBe('1.2.0');
    expect(await client.getWorkflowSource(ns, 'hello', '1.2.0')).toBe(helloYaml(ns, '1.2.0'));
    expect((await apiError(client.getWorkflowSource(ns, 'nope'))).status).toBe(404);
    const firstPage = await client.listWorkflows({ namespace: ns, limit: 2 });
    expect(firstPage.items).toHaveLength(2);
    expect(firstPage.nextCursor).toBeDefined();
    const all: string[] = [];
    for await (const w of client.iterateWorkflows({ namespace: ns, limit: 2 })) all.push(w.version);
    expect(all.sort()).toEqual(['1.0.0', '1.10.0', '1.2.0']);
    expect((await apiError(client.getWorkflow(ns, 'hello', '9.9.9'))).status).toBe(404);
  });
});

describe('runs', () => {
  let ns: string;
  beforeAll(async () => {
    ns = uniqueNamespace('runs');
    await client.applyWorkflow(helloYaml(ns));
  });

  it('starts a run (201), returns the same run for the same request with its idempotency key (200), refuses another with 409', async () => {
    const first = await client.startRun({ namespace: ns, name: 'hello', input: { name: 'ada' }, idempotencyKey: 'k-1' });
    expect(first.httpStatus).toBe(201);
    expect(first.run).toMatchObject({ namespace: ns, name: 'hello', version: '1.0.0', status: 'pending', input: { name: 'ada' }, idempotencyKey: 'k-1' });
    const again = await client.startRun({ namespace: ns, name: 'hello', input: { name: 'ada' }, idempotencyKey: 'k-1' });
    expect(again.httpStatus).toBe(200);
    expect(again.run.id).toBe(first.run.id);
    const other = await apiError(client.startRun({ namespace: ns, name: 'hello', input: { name: 'other' }, idempotencyKey: 'k-1' }));
    expect(other.status).toBe(409);
    expect(other.problem).toMatchObject({ runId: first.run.id, differs: ['input'] });
    expect(await client.getRun(first.run.id)).toMatchObject({ id: first.run.id, status: 'pending' });
  });

  it('answers 202 with the run as it stands when the wait ends first (ISO or milliseconds)', async () => {
    const iso = await client.startRun({ namespace: ns, name: 'hello', wait: 'PT0.2S' });
    expect(iso.httpStatus).toBe(202);
    expect(iso.run.status).toBe('pending');
    const ms = await client.startRun({ namespace: ns, name: 'hello', wait: 150 });
    expect(ms.httpStatus).toBe(202);
  });

  it('lists runs newest first and iterates over every page', async () => {
    const started: Run[] = [];
    const listNs = uniqueNamespace('list');
    await client.applyWorkflow(helloYaml(listNs));
    for (let i = 0; i < 5; i++) started.push((await client.startRun({ namespace: listNs, name: 'hello', input: { i } })).run);
    const page = await client.listRuns({ namespace: listNs, limit: 2 });
    expect(page.items.map((r) => r.id)).toEqual([started[4]!.id, started[3]!.id]);
    const all: string[] = [];
    for await (const run of client.iterateRuns({ namespace: listNs, status: 'pending', limit: 2 })) all.push(run.id);
    expect(all).toEqual(started.map((r) => r.id).reverse());
    expect((await client.listRuns({ namespace: listNs, status: 'completed' })).items).toEqual([]);
  });

  it('requests cancellation (asynchronous) and reports unknown runs as 404', async () => {
    const { run } = await client.startRun({ namespace: ns, name: 'hello' });
    const cancelled = await client.cancelRun(run.id, { reason: 'test' });
    expect(cancelled.id).toBe(run.id);
    expect((await apiError(client.cancelRun('01a21cb5-0000-7000-8000-000000000000'))).status).toBe(404);
    expect((await apiError(client.getRun('not-a-run'))).status).toBe(404);
  });

  it('lists the events of a run not started yet as an empty page', async () => {
    const { run } = await client.startRun({ namespace: ns, name: 'hello' });
    expect(await client.listEvents(run.id)).toEqual({ items: [], nextAfter: 0 });
    expect(await client.listEvents(run.id, { after: 5 })).toEqual({ items: [], nextAfter: 5 });
  });

  it('publishes a CloudEvent nobody listens to', async () => {
    expect(await client.postEvent({ id: 'e-1', source: 'tests', type: 'com.example.nobody.listens' })).toEqual({ matched: 0, runs: [] });
  });
});

describe('keys and authentication', () => {
  it('creates a namespace key, uses it within its namespace only, lists and revokes it', async () => {
    const ns = uniqueNamespace('keys');
    const created = await client.createKey({ name: 'ci', role: 'user', namespace: ns });
    expect(created).toMatchObject({ name: 'ci', role: 'user', namespace: ns });
    expect(created.secret.length).toBeGreaterThan(10);
    expect((await client.listKeys()).map((k) => k.id)).toContain(created.id);

    const scoped = new BatonClient({ baseUrl: server.url, apiKey: created.secret });
    expect((await scoped.applyWorkflow(helloYaml(ns))).created).toBe(true);
    expect((await apiError(scoped.applyWorkflow(helloYaml(uniqueNamespace('other'))))).status).toBe(403);
    expect((await apiError(scoped.listKeys())).status).toBe(403);

    await client.revokeKey(created.id);
    expect((await client.listKeys()).find((k) => k.id === created.id)?.revokedAt).toBeDefined();
    const revoked = await apiError(scoped.listRuns());
    expect(revoked.status).toBe(401);
    expect((await apiError(client.revokeKey(created.id))).status).toBe(404);
  });

  it('answers 401 with a problem when the key is missing', async () => {
    const anonymous = new BatonClient({ baseUrl: server.url });
    const error = await apiError(anonymous.listRuns());
    expect(error.status).toBe(401);
    expect(error.title).toBe('Unauthorized');
    expect(error.detail).toMatch(/Authorization/);
    expect(await anonymous.health()).toEqual({ status: 'ok' });
  });
});

describe('transport failures', () => {
  it('reports a refused connection as BatonConnectionError', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as { port: number };
    closed.close();
    await once(closed, 'close');
    const error = await new BatonClient({ baseUrl: `http://127.0.0.1:${port}` }).health().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatonConnectionError);
    expect((error as BatonConnectionError).refused).toBe(true);
  });

  it('reports a server that is not Baton as BatonResponseError', async () => {
    const other = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}'));
    other.listen(0, '127.0.0.1');
    await once(other, 'listening');
    const { port } = other.address() as { port: number };
    try {
      const error = await new BatonClient({ baseUrl: `http://127.0.0.1:${port}/` }).getRun('x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BatonResponseError);
      expect((error as Error).message).toMatch(/unexpected response to GET \/api\/v1\/runs\/x/);
    } finally {
      other.close();
    }
  });
});
