// Crash safety of agent steps: the services run as separate processes on the machine's PostgreSQL
// and Redis, with two agent-runners (the default). One is SIGKILLed while agent loops are in the
// middle of their turns. Every run must complete; no tool call may run twice (counted per
// Idempotency-Key at the HTTP target); a completed model turn is never requested again — only
// the turns the killed process was executing are, once (counted at the fake model server).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, createTestRedis, startCluster, startFakeOpenAI, startHttpTarget, type Cluster, type FakeOpenAI, type HttpTarget, type RecordedRequest, type ScriptedReply, type TestDatabase, type TestRedis } from '@baton/testkit';

const RUNS = 20;
const TURNS = 3; // two turns with two tool calls each, then the answer

let db: TestDatabase;
let redis: TestRedis;
let target: HttpTarget;
let fake: FakeOpenAI;
let cluster: Cluster;

function script(request: RecordedRequest): ScriptedReply {
  const messages = request.body.messages as Array<{ role: string; content: string | null }>;
  const n = Number(/run (\d+)/.exec(messages.find((m) => m.role === 'user')?.content ?? '')?.[1]);
  const turn = messages.filter((m) => m.role === 'assistant').length + 1;
  // Slow turns, so the kill lands while many are in flight.
  const pace = { delayMs: 250, chunkDelayMs: 20, usage: { prompt_tokens: 50, completion_tokens: 10 } };
  if (turn < TURNS) return { ...pace, content: 'looking', toolCalls: [0, 1].map((i) => ({ id: `r${n}t${turn}c${i}`, name: 'note', arguments: { n, turn, i } })) };
  return { ...pace, content: `done ${n}` };
}

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await createTestRedis();
  target = await startHttpTarget();
  fake = await startFakeOpenAI({ reply: script, apiKey: 'sk-chaos' });
  cluster = await startCluster({
    env: { ...db.env, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, RUNNER_VISIBILITY_MS: '2000', HTTP_WORKER_VISIBILITY_MS: '2000', AGENT_RUNNER_VISIBILITY_MS: '1500', OPENAI_API_KEY: 'sk-chaos', OPENAI_BASE_URL: fake.url },
    services: { orchestrator: 1, 'workflow-runner': 1, 'http-worker': 1, 'agent-runner': 2 },
  });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await fake?.close();
  await target?.close();
  await redis?.cleanup();
  await db?.drop();
});

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${cluster.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${cluster.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

it('repeats no tool call and no completed model turn when an agent-runner is SIGKILLed mid-loop', async () => {
  const tool = { name: 'note', parameters: { type: 'object' }, call: 'http', with: { method: 'post', endpoint: `${target.url}/echo?delay=100`, body: '${ $args }' } };
  const applied = await api('POST', '/api/v1/workflows', {
    document: { dsl: '1.0.0', namespace: 'chaos', name: 'agents', version: '1.0.0' },
    do: [{ ask: { call: 'agent:1.0.0@default', with: { model: 'chaos-model', prompt: '${ "run " + (.n | tostring) }', tools: [tool] } } }],
  });
  expect(applied.status).toBe(201);
  const ids = await Promise.all(Array.from({ length: RUNS }, async (_, n) => (await api('POST', '/api/v1/runs', { namespace: 'chaos', name: 'agents', input: { n } })).body.id as string));

  await waitFor(async () => fake.requests.length >= RUNS, 30_000, 20);
  const beforeKill = fake.requests.length;
  await cluster.kill('agent-runner-0');
  expect(beforeKill).toBeLessThan(RUNS * TURNS);

  await waitFor(async () => (await api('GET', '/api/v1/runs?namespace=chaos&status=completed&limit=100')).body.items.length === RUNS, 90_000);

  for (const [n, id] of ids.entries()) {
    const run = (await api('GET', `/api/v1/runs/${id}`)).body;
    expect(run).toMatchObject({ status: 'completed', output: { content: `done ${n}`, turns: TURNS } });
    // Every turn is accounted once on the run, whatever the model server saw.
    expect(run.usage).toMatchObject({ turns: TURNS, toolCalls: 2 * (TURNS - 1), totalTokens: 60 * TURNS });
  }
  // No tool call ran twice.
  expect(target.requests.size).toBe(RUNS * 2 * (TURNS - 1));
  for (const count of target.requests.values()) expect(count).toBe(1);
  // Model turns: each (run, turn) requested once, or twice when the killed runner was executing it.
  const perTurn = new Map<string, number>();
  for (const r of fake.requests) {
    const user = (r.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === 'user')!.content;
    const key = `${user}#${r.body.messages.filter((m: { role: string }) => m.role === 'assistant').length}`;
    perTurn.set(key, (perTurn.get(key) ?? 0) + 1);
  }
  expect(perTurn.size).toBe(RUNS * TURNS);
  const repeated = [...perTurn.values()].filter((c) => c > 1);
  for (const count of repeated) expect(count).toBe(2);
  // The kill landed mid-turn (else this test proves nothing), and only in-flight turns were redone.
  expect(repeated.length).toBeGreaterThan(0);
  expect(repeated.length).toBeLessThanOrEqual(RUNS);
}, 180_000);

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
