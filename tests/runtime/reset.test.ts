// Reset from a step (issue 14, docs/OPERATIONS.md "Reset") through the REST API on both backend
// pairs (PGlite + in-process bus, PostgreSQL + Redis), with the real http-worker calling a local
// HTTP target and the real agent-runner calling a local OpenAI-protocol server, both counting what
// they receive: HTTP step → agent step (with an HTTP tool) → HTTP step that fails, reset from
// `failed` and from the pointer — zero new requests before `from`, and the run completes.
// Bulk reset, idempotency and refused `from` values too. The kill -9 case: tests/chaos/reset-kill.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '@baton/testkit';
import { doc, startHarness, type Backend, type Harness } from './harness.ts';

const AGENT = 'agent:1.0.0@default';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-reset' });
  // Turn 1 asks for the tool, turn 2 answers: a recorded agent step of two turns and one tool call.
  fake.setReply((request) => {
    const toolAnswered = request.body.messages.some((m: { role: string }) => m.role === 'tool');
    return toolAnswered ? { content: 'summary: ok' } : { toolCalls: [{ id: 't1', name: 'lookup', arguments: { city: 'Oslo' } }] };
  });
});
afterAll(() => fake?.close());

describe.each<Backend>(['embedded', 'servers'])('reset from a step on %s backends', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend, { OPENAI_API_KEY: 'sk-reset', OPENAI_BASE_URL: fake.url, AGENT_RETRY_BASE_DELAY_MS: '20', AGENT_TOKEN_FLUSH_MS: '5' });
  }, 60_000);
  afterAll(() => h?.close());

  async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(25);
    }
  }
  const finished = (id: string) =>
    until(`run ${id} to finish`, async () => {
      const { body } = await h.api('GET', `/api/v1/runs/${id}`);
      return ['completed', 'faulted', 'cancelled'].includes(body.status) ? body : undefined;
    });
  const hits = (prefix: string) => h.target.log.filter((r) => r.path.startsWith(prefix)).length;
  const modelRequests = (model: string) => fake.requests.filter((r) => r.body.model === model).length;

  /** HTTP step → agent step (an HTTP tool) → HTTP step that fails the first `fail` times. */
  async function pipeline(name: string, model: string, fail: number) {
    const tool = { name: 'lookup', description: 'Look a city up', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, call: 'http', with: { method: 'get', endpoint: `${h.target.url}/${name}/city/{city}` } };
    await h.apply(
      doc(name, [
        { fetch: { call: 'http', with: { method: 'get', endpoint: `${h.target.url}/${name}/fetch` }, output: { as: '${ { fetched: .path } }' } } },
        { think: { call: AGENT, with: { model, prompt: '${ "Summarise " + .fetched }', tools: [tool] }, output: { as: '${ { summary: .content } }' } } },
        { charge: { call: 'http', with: { method: 'post', endpoint: `${h.target.url}/flaky/${name}?fail=${fail}`, body: { summary: '${ .summary }' } } } },
      ]),
    );
  }

  it.each(['failed', '/do/2/charge'])('reset from %s replays the HTTP and agent steps (zero new requests) and completes', async (from) => {
    const name = `pipe-${backend}-${from === 'failed' ? 'f' : 'p'}`;
    const model = `model-${name}`;
    await pipeline(name, model, 1);
    const { body: original } = await h.api('POST', '/api/v1/runs', { namespace: 'test', name, input: { order: 7 }, wait: 'PT20S' });
    expect(original.status).toBe('faulted');
    const before = { fetch: hits(`/${name}/fetch`), tool: hits(`/${name}/city`), model: modelRequests(model) };
    expect(before).toEqual({ fetch: 1, tool: 1, model: 2 });

    const res = await h.api('POST', `/api/v1/runs/${original.id}/reset`, { from });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ resetOf: { runId: original.id, from: '/do/2/charge' }, trigger: { kind: 'reset', runId: original.id, from: '/do/2/charge' }, input: { order: 7 }, version: '1.0.0' });
    const reset = await finished(res.body.id);
    expect(reset.status).toBe('completed');
    expect({ fetch: hits(`/${name}/fetch`), tool: hits(`/${name}/city`), model: modelRequests(model) }).toEqual(before);
    expect(h.target.log.filter((r) => r.path === `/flaky/${name}`)).toHaveLength(2);

    const events = await h.events(reset.id);
    expect(events.find((e) => e.type.endsWith('workflow.started.v1'))?.data.trigger).toEqual({ kind: 'reset', runId: original.id, from: '/do/2/charge' });
    const completed = (task: string) => events.find((e) => e.type === 'io.serverlessworkflow.task.completed.v1' && e.data.task === task);
    expect(completed('/do/0/fetch')?.data.replayedFrom).toEqual({ runId: original.id, attemptId: expect.stringMatching(new RegExp(`^${original.id}:e\\d+$`)) });
    expect(completed('/do/1/think')?.data.replayedFrom).toMatchObject({ runId: original.id });
    expect(completed('/do/1/think')?.data.output).toEqual({ summary: 'summary: ok' });
    expect(completed('/do/2/charge')?.data.replayedFrom).toBeUndefined();
    const attempts = await h.baton.store.listAttempts(reset.id);
    expect(attempts.filter((a) => a.replayedFrom !== undefined).map((a) => a.kind).sort()).toEqual(['agent', 'agent', 'http', 'http']);
    expect(attempts.find((a) => a.reference === '/do/2/charge')).toMatchObject({ status: 'completed' });
    expect(attempts.find((a) => a.reference === '/do/2/charge')?.replayedFrom).toBeUndefined();

    const listed = await h.api('GET', `/api/v1/runs?resetOf=${original.id}`);
    expect(listed.body.items.map((r: { id: string }) => r.id)).toEqual([reset.id]);
  });

  it('a reset from the agent step runs the agent again and replays only the step before it', async () => {
    const name = `pipe-${backend}-agent`;
    const model = `model-${name}`;
    await pipeline(name, model, 1);
    const { body: original } = await h.api('POST', '/api/v1/runs', { namespace: 'test', name, input: {}, wait: 'PT20S' });
    expect(original.status).toBe('faulted');
    const res = await h.api('POST', `/api/v1/runs/${original.id}/reset`, { from: '/do/1/think' });
    expect(res.status).toBe(201);
    expect((await finished(res.body.id)).status).toBe('completed');
    expect({ fetch: hits(`/${name}/fetch`), tool: hits(`/${name}/city`), model: modelRequests(model) }).toEqual({ fetch: 1, tool: 2, model: 4 });
  });

  it('replays retries (recorded failure, then the delay) and wait timers before from', async () => {
    const name = `retry-${backend}`;
    await h.apply(
      doc(name, [
        { guarded: { try: [{ flaky: { call: 'http', with: { method: 'get', endpoint: `${h.target.url}/flaky/${name}-a?fail=1` } } }], catch: { retry: { delay: { seconds: 1 }, limit: { attempt: { count: 3 } } } } } },
        { pause: { wait: { seconds: 1 } } },
        { last: { call: 'http', with: { method: 'get', endpoint: `${h.target.url}/flaky/${name}-b?fail=1` } } },
      ]),
    );
    const { body: original } = await h.api('POST', '/api/v1/runs', { namespace: 'test', name, input: {}, wait: 'PT20S' });
    expect(original.status).toBe('faulted');
    const started = Date.now();
    const res = await h.api('POST', `/api/v1/runs/${original.id}/reset`, { from: 'failed' });
    expect(res.status).toBe(201);
    expect(res.body.resetOf.from).toBe('/do/2/last');
    expect((await finished(res.body.id)).status).toBe('completed');
    // The 1 s retry delay and the 1 s wait elapsed in the original: they fire at once.
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(h.target.log.filter((r) => r.path === `/flaky/${name}-a`)).toHaveLength(2);
    const events = await h.events(res.body.id);
    expect(events.find((e) => e.type.endsWith('task.retried.v1') && e.data.task === '/do/0/guarded')?.data.replayedFrom).toEqual({ runId: original.id });
    expect(events.find((e) => e.type.endsWith('task.completed.v1') && e.data.task === '/do/1/pause')?.data.replayedFrom).toEqual({ runId: original.id });
    expect(events.filter((e) => e.type.endsWith('task.faulted.v1') && e.data.task === '/do/0/guarded/try/0/flaky')[0]?.data.replayedFrom).toMatchObject({ runId: original.id });
  });

  it("replays a child run's result: no child run is created again", async () => {
    const name = `child-${backend}`;
    await h.apply(doc(`${name}-sub`, [{ get: { call: 'http', with: { method: 'get', endpoint: `${h.target.url}/${name}/sub` } } }]));
    await h.apply(
      doc(name, [
        { sub: { run: { workflow: { namespace: 'test', name: `${name}-sub`, version: '1.0.0', input: { x: '${ .x }' } } } } },
        { last: { call: 'http', with: { method: 'get', endpoint: `${h.target.url}/flaky/${name}?fail=1` } } },
      ]),
    );
    const { body: original } = await h.api('POST', '/api/v1/runs', { namespace: 'test', name, input: { x: 1 }, wait: 'PT20S' });
    expect(original.status).toBe('faulted');
    const res = await h.api('POST', `/api/v1/runs/${original.id}/reset`, { from: 'failed' });
    const reset = await finished(res.body.id);
    expect(reset.status).toBe('completed');
    expect(hits(`/${name}/sub`)).toBe(1);
    expect((await h.api('GET', `/api/v1/runs?parentRunId=${reset.id}`)).body.items).toEqual([]);
    const completed = (await h.events(reset.id)).find((e) => e.type === 'io.serverlessworkflow.task.completed.v1' && e.data.task === '/do/0/sub');
    expect(completed?.data.replayedFrom).toMatchObject({ runId: original.id });
    expect((await h.baton.store.listAttempts(reset.id)).find((a) => a.kind === 'workflow')).toMatchObject({ status: 'completed', replayedFrom: expect.stringMatching(/:e\d+$/) });
  });

  it('replays an approval decision: nobody is asked again', async () => {
    const name = `approval-${backend}`;
    await h.apply(
      doc(name, [
        { review: { call: 'approval:1.0.0@default', with: { approvers: ['alice'] } } },
        { last: { call: 'http', with: { method: 'get', endpoint: `${h.target.url}/flaky/${name}?fail=1` } } },
      ]),
    );
    const { body: started } = await h.api('POST', '/api/v1/runs', { namespace: 'test', name, input: {} });
    const approval = await until('the approval', async () => (await h.api('GET', '/api/v1/approvals?status=pending&limit=500')).body.items.find((a: { runId: string }) => a.runId === started.id));
    expect((await h.api('POST', `/api/v1/approvals/${approval.id}/decision`, { decision: 'approve', comment: 'ok' })).status).toBe(200);
    expect((await finished(started.id)).status).toBe('faulted');
    const resetRes = await h.api('POST', `/api/v1/runs/${started.id}/reset`, { from: 'failed' });
    const reset = await finished(resetRes.body.id);
    expect(reset.status).toBe('completed');
    const approvals = (await h.api('GET', '/api/v1/approvals?limit=500')).body.items.filter((a: { runId: string }) => a.runId === reset.id);
    expect(approvals).toEqual([]);
    const completed = (await h.events(reset.id)).find((e) => e.type === 'io.serverlessworkflow.task.completed.v1' && e.data.task === '/do/0/review');
    expect(completed?.data).toMatchObject({ replayedFrom: { runId: started.id }, output: { decision: 'approved' } });
  });

  it('refuses a from the run does not allow, naming it', async () => {
    const name = `refuse-${backend}`;
    await h.apply(doc(name, [{ one: { set: { a: 1 } } }, { two: { switch: [{ never: { when: '${ false }', then: 'end' } }] } }, { three: { raise: { error: { type: 'https://example.com/boom', status: 500 } } } }, { four: { set: { b: 2 } } }]));
    const { body: faulted } = await h.api('POST', '/api/v1/runs', { namespace: 'test', name, input: {}, wait: 'PT20S' });
    expect(faulted.status).toBe('faulted');
    const nowhere = await h.api('POST', `/api/v1/runs/${faulted.id}/reset`, { from: '/do/9/nope' });
    expect(nowhere).toMatchObject({ status: 422, body: { from: '/do/9/nope', status: 422 } });
    expect(nowhere.body.detail).toContain('is not the pointer of a task');
    const neverStarted = await h.api('POST', `/api/v1/runs/${faulted.id}/reset`, { from: '/do/3/four' });
    expect(neverStarted).toMatchObject({ status: 422, body: { from: '/do/3/four' } });
    expect(neverStarted.body.detail).toContain('never started');
    const bad = await h.api('POST', `/api/v1/runs/${faulted.id}/reset`, { from: 'latest' });
    expect(bad.status).toBe(400);
    const missing = await h.api('POST', `/api/v1/runs/${faulted.id}/reset`, {});
    expect(missing.status).toBe(400);
    expect((await h.api('POST', `/api/v1/runs/${faulted.id}/reset`, { from: 'failed' })).body.resetOf).toEqual({ runId: faulted.id, from: '/do/2/three' });

    await h.apply(doc(`${name}-ok`, [{ one: { set: { a: 1 } } }]));
    const { body: completed } = await h.api('POST', '/api/v1/runs', { namespace: 'test', name: `${name}-ok`, input: {}, wait: 'PT20S' });
    const notFailed = await h.api('POST', `/api/v1/runs/${completed.id}/reset`, { from: 'failed' });
    expect(notFailed).toMatchObject({ status: 409, body: { from: 'failed', runStatus: 'completed' } });

    await h.apply(doc(`${name}-slow`, [{ hold: { wait: { minutes: 5 } } }]));
    const { body: live } = await h.api('POST', '/api/v1/runs', { namespace: 'test', name: `${name}-slow`, input: {} });
    const notFinished = await h.api('POST', `/api/v1/runs/${live.id}/reset`, { from: '/do/0/hold' });
    expect(notFinished).toMatchObject({ status: 409, body: { from: '/do/0/hold' } });
    expect((await h.api('POST', '/api/v1/runs/no-such-run/reset', { from: 'failed' })).status).toBe(404);
  });

  it('an idempotencyKey returns the first reset; the key with another reset is a 409', async () => {
    const name = `idem-${backend}`;
    await h.apply(doc(name, [{ one: { set: { a: 1 } } }, { two: { raise: { error: { type: 'https://example.com/boom', status: 500 } } } }]));
    const { body: original } = await h.api('POST', '/api/v1/runs', { namespace: 'test', name, input: {}, wait: 'PT20S' });
    const first = await h.api('POST', `/api/v1/runs/${original.id}/reset`, { from: 'failed', idempotencyKey: `k-${name}` });
    const again = await h.api('POST', `/api/v1/runs/${original.id}/reset`, { from: 'failed', idempotencyKey: `k-${name}` });
    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id } });
    const other = await h.api('POST', `/api/v1/runs/${original.id}/reset`, { from: '/do/0/one', idempotencyKey: `k-${name}` });
    expect(other).toMatchObject({ status: 409, body: { runId: first.body.id, from: '/do/0/one' } });
  });

  it('bulk: resets the faulted runs a filter selects up to the limit, and never the same run twice', async () => {
    const name = `bulk-${backend}`;
    const endpoint = (path: string) => `\${ "${h.target.url}${path}" + ($workflow.input.n | tostring) }`;
    await h.apply(doc(name, [{ step: { call: 'http', with: { method: 'get', endpoint: endpoint(`/bulk/${backend}/`) } } }, { fail: { call: 'http', with: { method: 'get', endpoint: endpoint(`/flaky/${name}-`) } } }]));
    const originals: string[] = [];
    for (let n = 0; n < 4; n++) originals.push((await h.api('POST', '/api/v1/runs', { namespace: 'test', name, input: { n }, wait: 'PT20S' })).body.id);
    const filter = { namespace: 'test', name };
    const first = await h.api('POST', '/api/v1/runs/reset', { filter, from: 'failed', limit: 3 });
    expect(first.status).toBe(200);
    expect(first.body.reset).toHaveLength(3);
    expect(first.body.skipped).toEqual([]);
    const second = await h.api('POST', '/api/v1/runs/reset', { filter, from: 'failed', limit: 3 });
    expect(second.body.reset).toHaveLength(1);
    expect(second.body.skipped.map((s: { reason: string }) => s.reason)).toEqual(Array(3).fill('already reset from /do/1/fail'));
    const pairs = [...first.body.reset, ...second.body.reset] as { runId: string; newRunId: string }[];
    expect(pairs.map((p) => p.runId).sort()).toEqual([...originals].sort());
    for (const { newRunId } of pairs) expect((await finished(newRunId)).status).toBe('completed');
    expect(h.target.log.filter((r) => r.path.startsWith(`/bulk/${backend}/`))).toHaveLength(4);
    const none = await h.api('POST', '/api/v1/runs/reset', { filter: { ...filter, createdAfter: new Date(Date.now() + 60_000).toISOString() }, from: 'failed', limit: 10 });
    expect(none.body).toEqual({ reset: [], skipped: [] });
    expect((await h.api('POST', '/api/v1/runs/reset', { filter, from: 'failed' })).status).toBe(400);
    expect((await h.api('POST', '/api/v1/runs/reset', { filter, from: 'failed', limit: 1001 })).status).toBe(400);
  });
});
