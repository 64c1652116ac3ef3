// Rate limits end to end through the REST API, on both backend pairs (PGlite + in-process bus;
// PostgreSQL + Redis): the routes and their 4xx, the registration check of metadata.baton.rateLimit,
// an unknown name at run time, a requests limit on a host spacing HTTP calls (the target's clock),
// and a tokens limit spacing agent turns (the fake OpenAI server's clock) — each wait in the log.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, startHttpTarget, type FakeOpenAI, type HttpTarget, type ReplyFunction } from '@baton/testkit';
import { startHarness, type Backend, type Harness } from './harness.ts';

const AGENT = 'agent:1.0.0@default';
const RATE_LIMITED = 'dev.baton.task.rate-limited.v1';
/** Timer and transport jitter allowed on a spacing (the limiter itself is exact). */
const JITTER_MS = 40;

let fake: FakeOpenAI;
/** The fake's reply for each model: tests of both backends run side by side (the 20 s one below). */
const replies = new Map<string, ReplyFunction>();
const harnesses = new Map<Backend, Harness>();
/** The 600-tokens-a-minute run, started as soon as its backend is up (see its test). */
let tpm: Promise<TpmRun> | undefined;
/** Where the 20 s run's tool calls go: a host of its own, so that no host limit of the other tests applies to them. */
let tpmTarget: HttpTarget | undefined;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-limits' });
  fake.setReply((request) => replies.get(request.body.model)?.(request) ?? { status: 404, message: 'unknown model' });
  // Both backend pairs at once; each describe below runs on its own.
  const env = { OPENAI_API_KEY: 'sk-limits', OPENAI_BASE_URL: fake.url, AGENT_TOKEN_FLUSH_MS: '5' };
  const [embedded, servers] = await Promise.all([startHarness('embedded', env), startHarness('servers', env), startHttpTarget().then((t) => (tpmTarget = t))]);
  harnesses.set('embedded', embedded).set('servers', servers);
  tpm = startTpmRun(servers, tpmTarget!);
  tpm.catch(() => undefined); // its test reports the failure
}, 60_000);
afterAll(async () => {
  await tpm?.catch(() => undefined);
  await Promise.all([...harnesses.values()].map((h) => h.close()));
  await tpmTarget?.close();
  await fake?.close();
});

/**
 * GCRA with a bucket of `limit` and one unit every `intervalMs`: any window of W ms holds at most
 * limit + W / interval units; and n units take at least (n - limit) intervals. The first unit may
 * reach the target late (a new connection), so the span is checked one interval short.
 */
function expectWithinLimit(times: number[], limit: number, intervalMs: number): void {
  const sorted = [...times].sort((a, b) => a - b);
  const window = 4 * intervalMs;
  for (const [i, t] of sorted.entries()) {
    const inWindow = sorted.slice(i).filter((u) => u < t + window - JITTER_MS).length;
    expect(inWindow, `units in the ${window} ms from unit ${i}`).toBeLessThanOrEqual(limit + window / intervalMs);
  }
  expect(sorted.at(-1)! - sorted[0]!).toBeGreaterThanOrEqual((sorted.length - limit - 1) * intervalMs);
}

/** Charged after each unit (tokens): the k-th unit (0-based) starts no sooner than (k - limit + 1) intervals after the first. */
function expectSpaced(times: number[], limit: number, intervalMs: number): void {
  const sorted = [...times].sort((a, b) => a - b);
  const first = sorted[0]!;
  sorted.forEach((t, k) => expect(t - first, `unit ${k}`).toBeGreaterThanOrEqual((k - limit + 1) * intervalMs - JITTER_MS));
}

describe.each<Backend>(['embedded', 'servers'])('rate limits on %s backends', (backend) => {
  let h: Harness;
  const ns = `rl-${backend}`;
  beforeAll(() => {
    h = harnesses.get(backend)!;
  });

  it('declares, reads, replaces, lists and removes limits; bad input is a 400 naming the field', async () => {
    const created = await h.api('POST', '/api/v1/rate-limits', { namespace: ns, name: 'api', kind: 'requests', per: 'second', limit: 5, host: 'api.example.com' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ namespace: ns, name: 'api', kind: 'requests', per: 'second', limit: 5, host: 'api.example.com' });
    expect((await h.api('POST', '/api/v1/rate-limits', { namespace: ns, name: 'api', kind: 'requests', per: 'second', limit: 5 })).status).toBe(409);
    const replaced = await h.api('PUT', `/api/v1/rate-limits/${ns}/api`, { kind: 'requests', per: 'minute', limit: 100 });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ per: 'minute', limit: 100 });
    expect(replaced.body.host).toBeUndefined();
    expect((await h.api('PUT', `/api/v1/rate-limits/${ns}/gpt`, { kind: 'tokens', per: 'minute', limit: 30000, model: 'gpt-4o' })).status).toBe(201);
    expect((await h.api('GET', `/api/v1/rate-limits?namespace=${ns}`)).body.items.map((l: { name: string }) => l.name)).toEqual(['api', 'gpt']);
    expect((await h.api('GET', `/api/v1/rate-limits/${ns}/gpt`)).body).toMatchObject({ kind: 'tokens', model: 'gpt-4o' });
    expect((await h.api('DELETE', `/api/v1/rate-limits/${ns}/gpt`)).status).toBe(204);
    expect((await h.api('GET', `/api/v1/rate-limits/${ns}/gpt`)).status).toBe(404);
    expect((await h.api('DELETE', `/api/v1/rate-limits/${ns}/gpt`)).status).toBe(404);

    const bad = async (body: object, field: string) => {
      const res = await h.api('POST', '/api/v1/rate-limits', { namespace: ns, name: 'x', kind: 'requests', per: 'second', limit: 1, ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.problems.map((p: { path: string }) => p.path)).toContain(`/body/${field}`);
    };
    await bad({ kind: 'bytes' }, 'kind');
    await bad({ per: 'hour' }, 'per');
    await bad({ limit: 0 }, 'limit');
    await bad({ limit: 1.5 }, 'limit');
    await bad({ limit: '5' }, 'limit');
    await bad({ kind: 'tokens', per: 'minute', host: 'x.example' }, 'host');
    await bad({ model: 'gpt-4o' }, 'model');
    await bad({ host: 'http://x.example/path' }, 'host');
    await bad({ name: 'no spaces' }, 'name');
    await bad({ namespace: 'Upper' }, 'namespace');
    const path = await h.api('PUT', `/api/v1/rate-limits/${ns}/api`, { name: 'other', kind: 'requests', per: 'second', limit: 1 });
    expect(path.status).toBe(400);
    expect(path.body.problems[0].path).toBe('/body/name');

    // A key of another namespace sees and changes nothing here.
    const key = await h.api('POST', '/api/v1/keys', { name: `other-${backend}`, role: 'user', namespace: 'elsewhere' });
    expect(key.status).toBe(201);
    const as = (method: string, url: string, body?: object) => fetch(`${h.baton.url}${url}`, { method, headers: { authorization: `Bearer ${key.body.secret}`, 'content-type': 'application/json' }, ...(body && { body: JSON.stringify(body) }) });
    expect((await as('GET', `/api/v1/rate-limits/${ns}/api`)).status).toBe(403);
    expect((await as('GET', `/api/v1/rate-limits?namespace=${ns}`)).status).toBe(403);
    expect((await as('POST', '/api/v1/rate-limits', { namespace: ns, name: 'mine', kind: 'requests', per: 'second', limit: 1 })).status).toBe(403);
    expect((await as('DELETE', `/api/v1/rate-limits/${ns}/api`)).status).toBe(403);
    const own = (await (await as('GET', '/api/v1/rate-limits')).json()) as { items: unknown[] };
    expect(own.items).toEqual([]);
    expect((await h.api('DELETE', `/api/v1/rate-limits/${ns}/api`)).status).toBe(204);

    const openapi = (await h.api('GET', '/openapi.json')).body;
    expect(Object.keys(openapi.paths['/api/v1/rate-limits/{namespace}/{name}']).sort()).toEqual(['delete', 'get', 'put']);
    expect(Object.keys(openapi.paths['/api/v1/rate-limits']).sort()).toEqual(['get', 'post']);
    expect(openapi.components.schemas.RateLimit.properties.kind.enum).toEqual(['requests', 'tokens']);
  });

  it('checks metadata.baton.rateLimit when the workflow is registered', async () => {
    const res = await h.api('POST', '/api/v1/workflows', { document: { dsl: '1.0.0', namespace: ns, name: 'bad-ref', version: '1.0.0' }, do: [{ fetch: { call: 'http', with: { method: 'get', endpoint: `${h.target.url}/x` }, metadata: { baton: { rateLimit: 5 } } } }, { note: { set: { a: 1 }, metadata: { baton: { rateLimit: 'api' } } } }] });
    expect(res.status).toBe(422);
    const paths = res.body.problems.map((p: { path: string }) => p.path);
    expect(paths).toContain('/do/0/fetch/metadata/baton/rateLimit');
    expect(paths).toContain('/do/1/note/metadata/baton/rateLimit');
  });

  it('fails a task that names a limit its namespace does not declare, with a configuration error', async () => {
    await h.apply({ document: { dsl: '1.0.0', namespace: ns, name: 'unknown-ref', version: '1.0.0' }, do: [{ fetch: { call: 'http', with: { method: 'get', endpoint: `${h.target.url}/unknown` }, metadata: { baton: { rateLimit: 'nope' } } } }] });
    const run = await h.runToEnd('unknown-ref', {}, ns);
    expect(run.status).toBe('faulted');
    expect(run.error).toMatchObject({ type: expect.stringMatching(/configuration$/), title: 'Unknown rate limit', instance: '/do/0/fetch' });
    expect(run.error.detail).toContain('"nope"');
    expect(h.target.log.filter((r) => r.path === '/unknown')).toEqual([]);
  });

  it('spaces the calls of many runs to a host by its requests limit: none failed, none doubled', async () => {
    const host = new URL(h.target.url).host;
    expect((await h.api('POST', '/api/v1/rate-limits', { namespace: ns, name: 'target', kind: 'requests', per: 'second', limit: 2, host })).status).toBe(201);
    const path = `/limited-${backend}`;
    await h.apply({ document: { dsl: '1.0.0', namespace: ns, name: 'call-host', version: '1.0.0' }, do: [{ fetch: { call: 'http', with: { method: 'get', endpoint: `${h.target.url}${path}` } } }] });
    const runs = 8;
    const started = await Promise.all(Array.from({ length: runs }, () => h.api('POST', '/api/v1/runs', { namespace: ns, name: 'call-host', input: {} })));
    const ids = started.map((r) => r.body.id as string);
    await expect.poll(async () => (await Promise.all(ids.map((id) => h.api('GET', `/api/v1/runs/${id}`)))).map((r) => r.body.status).filter((s) => s === 'completed').length, { timeout: 20_000, interval: 200 }).toBe(runs);
    const calls = h.target.log.filter((r) => r.path === path);
    expect(calls).toHaveLength(runs);
    expect(new Set(calls.map((c) => c.key)).size).toBe(runs);
    expectWithinLimit(calls.map((c) => c.at), 2, 500);
    // The waits are in the logs and counted (how many depends on how fast the runs started).
    const waits = (await Promise.all(ids.map((id) => h.events(id)))).flat().filter((e) => e.type === RATE_LIMITED);
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0]!.data).toMatchObject({ task: '/do/0/fetch', limit: 'target', until: expect.any(String), waitMs: expect.any(Number) });
    const metrics = (await (await fetch(`${h.baton.url}/metrics`)).text()).split('\n').filter((line) => line.startsWith('baton_rate_limit_waits_total{')).join('\n');
    expect(metrics).toMatch(new RegExp(`baton_rate_limit_waits_total\\{namespace="${ns}",limit="target",kind="requests"[^}]*\\} [1-9]\\d*`));
    expect((await h.api('DELETE', `/api/v1/rate-limits/${ns}/target`)).status).toBe(204);
  }, 40_000);

  it('sends each deferred call at the slot its wait names, also when one batch deferred many', async () => {
    // 24 runs at 4 a second: 4 go at once, 20 wait for slots 250 ms apart over 5 s. The runner
    // applies the hand-backs in batches of several; each re-dispatch must come at its slot. Before
    // stop 53 only a batch's earliest woke the runner, and the others went at its next outbox
    // sweep (every 2 s), up to 2 s late, several together.
    const host = new URL(h.target.url).host;
    expect((await h.api('POST', '/api/v1/rate-limits', { namespace: ns, name: 'slots', kind: 'requests', per: 'second', limit: 4, host })).status).toBe(201);
    try {
      const path = `/slots-${backend}`;
      await h.apply({ document: { dsl: '1.0.0', namespace: ns, name: 'call-slots', version: '1.0.0' }, do: [{ fetch: { call: 'http', with: { method: 'get', endpoint: `${h.target.url}${path}` } } }] });
      const started = await Promise.all(Array.from({ length: 24 }, () => h.api('POST', '/api/v1/runs', { namespace: ns, name: 'call-slots', input: {} })));
      const ids = started.map((r) => r.body.id as string);
      await expect.poll(async () => (await Promise.all(ids.map((id) => h.api('GET', `/api/v1/runs/${id}`)))).filter((r) => r.body.status === 'completed').length, { timeout: 20_000, interval: 200 }).toBe(ids.length);
      const calls = h.target.log.filter((r) => r.path === path);
      expect(calls).toHaveLength(ids.length);
      const waits = (await Promise.all(ids.map((id) => h.events(id)))).flat().filter((e) => e.type === RATE_LIMITED);
      expect(waits.length).toBeGreaterThanOrEqual(12);
      // A wait is met by the call of its attempt: no sooner than its slot, and well before a sweep
      // interval after it (a late trip on a loaded machine is allowed for).
      const lateness = waits.map((wait) => calls.find((c) => c.key === wait.data.attemptId)!.at - Date.parse(wait.data.until));
      for (const late of lateness) expect(late, `ms after the slot (every call: ${lateness.join(', ')})`).toBeGreaterThanOrEqual(-JITTER_MS);
      for (const late of lateness) expect(late, `ms after the slot (every call: ${lateness.join(', ')})`).toBeLessThan(750);
    } finally {
      await h.api('DELETE', `/api/v1/rate-limits/${ns}/slots`);
    }
  }, 40_000);

  it('applies a host limit to call: openapi too (the operation\'s request, not the document read)', async () => {
    // The document comes from another server; its operation goes to the target, whose host is limited.
    const docs = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ openapi: '3.1.0', info: { title: 'Ping', version: '1.0.0' }, servers: [{ url: h.target.url }], paths: { [`/ping-${backend}`]: { get: { operationId: 'ping', responses: { 200: { description: 'ok' } } } } } }));
    });
    docs.listen(0, '127.0.0.1');
    await once(docs, 'listening');
    try {
      const host = new URL(h.target.url).host;
      expect((await h.api('PUT', `/api/v1/rate-limits/${ns}/api-host`, { kind: 'requests', per: 'second', limit: 2, host })).status).toBe(201);
      const document = { endpoint: `http://127.0.0.1:${(docs.address() as { port: number }).port}/ping.json` };
      await h.apply({ document: { dsl: '1.0.0', namespace: ns, name: 'call-openapi', version: '1.0.0' }, do: [{ ping: { call: 'openapi', with: { document, operationId: 'ping' } } }] });
      const started = await Promise.all(Array.from({ length: 6 }, () => h.api('POST', '/api/v1/runs', { namespace: ns, name: 'call-openapi', input: {} })));
      const ids = started.map((r) => r.body.id as string);
      await expect.poll(async () => (await Promise.all(ids.map((id) => h.api('GET', `/api/v1/runs/${id}`)))).map((r) => r.body.status).filter((st) => st === 'completed').length, { timeout: 20_000, interval: 200 }).toBe(ids.length);
      const calls = h.target.log.filter((r) => r.path === `/ping-${backend}`);
      expect(calls).toHaveLength(ids.length);
      expect(new Set(calls.map((c) => c.key)).size).toBe(ids.length);
      expectWithinLimit(calls.map((c) => c.at), 2, 500);
    } finally {
      docs.close();
      await h.api('DELETE', `/api/v1/rate-limits/${ns}/api-host`);
    }
  }, 40_000);

  it('spaces the agent turns of a tokens limit by the tokens each turn reports', async () => {
    // 100 tokens a second (6,000 a minute, scaled to a second to keep the test short); every turn
    // reports 100, charged after it: two turns go at once, then one a second.
    const model = `limited-${backend}`;
    const turns = 6;
    let turn = 0;
    replies.set(model, () => {
      turn += 1;
      const usage = { prompt_tokens: 60, completion_tokens: 40 };
      return turn < turns ? { toolCalls: [{ id: `c${turn}`, name: 'echo', arguments: { n: turn } }], usage } : { content: 'done', usage };
    });
    expect((await h.api('PUT', `/api/v1/rate-limits/${ns}/llm`, { kind: 'tokens', per: 'second', limit: 100, model })).status).toBe(201);
    const tool = { name: 'echo', description: 'echo', parameters: { type: 'object', properties: { n: { type: 'number' } } }, call: 'http', with: { method: 'post', endpoint: `${h.target.url}/echo`, body: { n: '${ $args.n }' } } };
    await h.apply({ document: { dsl: '1.0.0', namespace: ns, name: 'agent-tokens', version: '1.0.0' }, do: [{ ask: { call: AGENT, with: { model, prompt: 'go', tools: [tool], maxTurns: 10 } } }] });
    const run = await h.runToEnd('agent-tokens', {}, ns);
    expect(run.status).toBe('completed');
    const times = fake.requests.filter((r) => r.body.model === model).map((r) => r.at);
    expect(times).toHaveLength(turns);
    expectSpaced(times, 2, 1000);
    // Turns 3 to 6 waited for room (less the time of the tool call before each), in the log; on a
    // loaded machine one may come late enough to find room.
    const waits = (await h.events(run.id)).filter((e) => e.type === RATE_LIMITED);
    expect(waits.length).toBeGreaterThanOrEqual(turns - 3);
    expect(waits.every((e) => e.data.limit === 'llm' && e.data.task === '/do/0/ask')).toBe(true);
  }, 40_000);

  // The case as written, on one backend pair (it takes 20 s): 600 tokens a minute, turns
  // of 200 tokens — four turns go at once (the fourth finds the bucket not yet empty), the fifth
  // waits until the first turn's 200 tokens have drained, 20 s after it. The run is started with
  // the backends (startTpmRun), so that its 20 s pass while the other tests run; here it is waited for.
  // Registered for that pair only (not a skipped test on the other).
  if (backend === 'servers') it('spaces the turns of a 600-tokens-a-minute limit: the turn after the burst waits 20 s', async () => {
    const { limitStatus, runId } = await tpm!;
    expect(limitStatus).toBe(201);
    await expect.poll(async () => (await h.api('GET', `/api/v1/runs/${runId}`)).body.status, { timeout: 40_000, interval: 500 }).toBe('completed');
    const times = fake.requests.filter((r) => r.body.model === TPM_MODEL).map((r) => r.at);
    expect(times).toHaveLength(5);
    expect(times[3]! - times[0]!).toBeLessThan(10_000);
    expect(times[4]! - times[0]!).toBeGreaterThanOrEqual(20_000 - JITTER_MS);
    expect(times[4]! - times[0]!).toBeLessThan(25_000);
    const waits = (await h.events(runId)).filter((e) => e.type === RATE_LIMITED);
    expect(waits.map((e) => e.data.limit)).toEqual(['tpm']);
    expect(waits[0]!.data.waitMs).toBeGreaterThan(10_000);
  }, 60_000);
});

const TPM_MODEL = 'tpm-600';
interface TpmRun {
  limitStatus: number;
  runId: string;
}

/** Declares the 600-tokens-a-minute limit and starts the run of the test above that waits 20 s. */
async function startTpmRun(h: Harness, target: HttpTarget): Promise<TpmRun> {
  const ns = 'rl-servers-tpm'; // not rl-servers, whose limits the first test lists
  let turn = 0;
  replies.set(TPM_MODEL, () => {
    turn += 1;
    const usage = { prompt_tokens: 120, completion_tokens: 80 };
    return turn < 5 ? { toolCalls: [{ id: `t${turn}`, name: 'echo', arguments: { n: turn } }], usage } : { content: 'done', usage };
  });
  const limitStatus = (await h.api('PUT', `/api/v1/rate-limits/${ns}/tpm`, { kind: 'tokens', per: 'minute', limit: 600, model: TPM_MODEL })).status;
  const tool = { name: 'echo', description: 'echo', parameters: { type: 'object', properties: { n: { type: 'number' } } }, call: 'http', with: { method: 'post', endpoint: `${target.url}/echo`, body: { n: '${ $args.n }' } } };
  await h.apply({ document: { dsl: '1.0.0', namespace: ns, name: 'agent-tpm', version: '1.0.0' }, do: [{ ask: { call: AGENT, with: { model: TPM_MODEL, prompt: 'go', tools: [tool], maxTurns: 10 } } }] });
  const started = await h.api('POST', '/api/v1/runs', { namespace: ns, name: 'agent-tpm', input: {} });
  if (started.status !== 201) throw new Error(`starting agent-tpm: ${started.status} ${JSON.stringify(started.body)}`);
  return { limitStatus, runId: started.body.id };
}
