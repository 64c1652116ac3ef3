// Agent steps end to end through the REST API, on both backend pairs (PGlite + in-process bus,
// PostgreSQL + Redis): the interpreter's loop, the agent-runner against a local OpenAI-compatible
// server, HTTP tools against a local target, usage on the run, streamed token events in the log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatonErrorTypes } from '@baton/core';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest, type ScriptedReply } from '@baton/testkit';
import { doc, startHarness, type Backend, type Harness } from '../runtime/harness.ts';

const AGENT = 'agent:1.0.0@default';
const PRICES = JSON.stringify({ priced: { input: 2, output: 4 } });

let fake: FakeOpenAI;
/** Replies by model name: every test uses its own model, so tests never see each other's requests. */
const scripts = new Map<string, (request: RecordedRequest, turn: number) => ScriptedReply>();
const requestsOf = (model: string) => fake.requests.filter((r) => r.body.model === model);

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-agents' });
  fake.setReply((request) => {
    const script = scripts.get(request.body.model);
    return script ? script(request, requestsOf(request.body.model).length) : { status: 404, message: `no script for model ${request.body.model}` };
  });
});
afterAll(() => fake?.close());

describe.each<Backend>(['embedded', 'servers'])('agent steps on %s backends', (backend) => {
  let h: Harness;
  const model = (name: string) => `${name}-${backend}`;
  beforeAll(async () => {
    h = await startHarness(backend, { OPENAI_API_KEY: 'sk-agents', OPENAI_BASE_URL: fake.url, AGENT_PRICES: PRICES, AGENT_RETRY_BASE_DELAY_MS: '20', AGENT_TOKEN_FLUSH_MS: '5' });
  }, 60_000);
  afterAll(() => h?.close());

  it('answers a prompt, streams its tokens into the run log in order, and accounts usage on the run', async () => {
    const text = 'Baton keeps every turn durable, so nothing is paid twice.';
    scripts.set('priced', () => ({ content: text, chunkSize: 3, chunkDelayMs: 2, usage: { prompt_tokens: 1000, completion_tokens: 500 } }));
    await h.apply(doc(`plain-${backend}`, [{ ask: { call: AGENT, with: { model: 'priced', system: 'brief', prompt: '${ "About " + .topic }' } } }]));
    const run = await h.runToEnd(`plain-${backend}`, { topic: 'Baton' });
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ content: text, usage: { promptTokens: 1000, completionTokens: 500, totalTokens: 1500, costUsd: 0.004 }, turns: 1 });
    expect(run.usage).toMatchObject({ promptTokens: 1000, completionTokens: 500, totalTokens: 1500, costUsd: 0.004, turns: 1 });
    const events = await h.events(run.id);
    const tokens = events.filter((e) => e.type === 'dev.baton.agent.token.v1');
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.map((e) => e.data.index)).toEqual(tokens.map((_, i) => i));
    expect(tokens.map((e) => e.data.text).join('')).toBe(text);
    expect(tokens[0]!.data).toMatchObject({ task: '/do/0/ask', turn: 1 });
    const turnDone = events.findIndex((e) => e.type === 'dev.baton.agent.turn.completed.v1');
    expect(turnDone).toBeGreaterThan(events.indexOf(tokens.at(-1)!));
    expect(requestsOf('priced').at(-1)!.body.messages).toEqual([{ role: 'system', content: 'brief' }, { role: 'user', content: 'About Baton' }]);
  });

  it('runs parallel HTTP tool calls over several turns and feeds their results back', async () => {
    const m = model('tools');
    scripts.set(m, (_request, turn) => {
      if (turn === 1) return { toolCalls: [{ id: 'a', name: 'lookup', arguments: { city: 'Oslo' } }, { id: 'b', name: 'lookup', arguments: { city: 'Rome' } }, { id: 'c', name: 'lookup', arguments: { city: 'Lima' } }] };
      if (turn === 2) return { toolCalls: [{ id: 'd', name: 'lookup', arguments: { city: 'Bern' } }] };
      return { content: 'four cities looked up' };
    });
    const tool = { name: 'lookup', description: 'Look a city up', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, call: 'http', with: { method: 'post', endpoint: `${h.target.url}/city/{city}`, body: { city: '${ $args.city }', run: '${ $workflow.id }' } } };
    await h.apply(doc(`tools-${backend}`, [{ ask: { call: AGENT, with: { model: m, prompt: 'look up', tools: [tool] } } }]));
    const before = h.target.total();
    const run = await h.runToEnd(`tools-${backend}`);
    expect(run.status).toBe('completed');
    expect(run.output).toMatchObject({ content: 'four cities looked up', turns: 3 });
    expect(h.target.total() - before).toBe(4);
    const sent = requestsOf(m);
    expect(sent).toHaveLength(3);
    const toolMessages = sent[1]!.body.messages.filter((msg: any) => msg.role === 'tool');
    expect(toolMessages.map((msg: any) => msg.tool_call_id)).toEqual(['a', 'b', 'c']);
    expect(JSON.parse(toolMessages[1].content)).toMatchObject({ path: '/city/Rome', body: { city: 'Rome', run: run.id } });
    expect(sent[1]!.body.tools[0]).toEqual({ type: 'function', function: { name: 'lookup', description: 'Look a city up', parameters: tool.parameters } });
    expect(run.usage).toMatchObject({ turns: 3, toolCalls: 4 });
    const types = (await h.events(run.id)).map((e) => e.type).filter((t) => t.startsWith('dev.baton.agent.tool'));
    expect(types.filter((t) => t.endsWith('called.v1'))).toHaveLength(4);
    expect(types.filter((t) => t.endsWith('result.v1'))).toHaveLength(4);
  });

  it('validates structured output and repairs it once', async () => {
    const m = model('structured');
    scripts.set(m, (_request, turn) => ({ content: turn === 1 ? '{"sentiment": "great"}' : '{"sentiment": "positive"}' }));
    const schema = { type: 'object', properties: { sentiment: { enum: ['positive', 'negative'] } }, required: ['sentiment'] };
    await h.apply(doc(`structured-${backend}`, [{ ask: { call: AGENT, with: { model: m, prompt: 'rate it', output: { schema } }, output: { as: '${ .content }' } } }]));
    const run = await h.runToEnd(`structured-${backend}`);
    expect(run).toMatchObject({ status: 'completed', output: { sentiment: 'positive' } });
    const sent = requestsOf(m);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { schema } });
    expect(sent[1]!.body.messages.at(-1).content).toMatch(/does not match the required JSON Schema/);
  });

  it('stops a looping agent at its budget, and faults the run at the run budget', async () => {
    const m = model('loop');
    scripts.set(m, (_request, turn) => ({ toolCalls: [{ id: `t${turn}`, name: 'ping', arguments: {} }], usage: { prompt_tokens: 100, completion_tokens: 10 } }));
    const tools = [{ name: 'ping', call: 'http', with: { method: 'get', endpoint: `${h.target.url}/ping` } }];
    await h.apply(doc(`budget-${backend}`, [{ ask: { call: AGENT, with: { model: m, prompt: 'go', tools, budget: { maxTokens: 300 } } } }]));
    const run = await h.runToEnd(`budget-${backend}`);
    expect(run).toMatchObject({ status: 'faulted', error: { type: BatonErrorTypes.budgetExceeded, instance: '/do/0/ask' } });
    expect(run.usage).toMatchObject({ totalTokens: 330, turns: 3 });

    const runBudget = { ...doc(`run-budget-${backend}`, [{ ask: { call: AGENT, with: { model: m, prompt: 'go', tools } } }]) } as any;
    runBudget.document.metadata = { baton: { budget: { maxTokens: 200 } } };
    await h.apply(runBudget);
    const capped = await h.runToEnd(`run-budget-${backend}`);
    expect(capped).toMatchObject({ status: 'faulted', error: { type: BatonErrorTypes.budgetExceeded, title: 'Run budget exceeded' } });
    expect(capped.usage).toMatchObject({ totalTokens: 220, turns: 2 });
  });

  it('retries a 429 honouring Retry-After; a 400 fails the step with a catchable llm error', async () => {
    const flaky = model('flaky');
    scripts.set(flaky, (_request, turn) => (turn === 1 ? { status: 429, retryAfter: '0.2', message: 'Rate limit reached' } : { content: 'after the wait' }));
    await h.apply(doc(`flaky-${backend}`, [{ ask: { call: AGENT, with: { model: flaky, prompt: 'hi' } } }]));
    const run = await h.runToEnd(`flaky-${backend}`);
    expect(run).toMatchObject({ status: 'completed', output: { content: 'after the wait', turns: 1 } });
    const sent = requestsOf(flaky);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(190);

    const rejected = model('rejected');
    scripts.set(rejected, () => ({ status: 400, message: 'maximum context length exceeded', code: 'context_length_exceeded' }));
    await h.apply(doc(`rejected-${backend}`, [{
      guard: {
        try: [{ ask: { call: AGENT, with: { model: rejected, prompt: 'hi' } } }],
        catch: { errors: { with: { type: BatonErrorTypes.llm } }, as: 'err', do: [{ fallback: { set: { status: '${ $err.status }', detail: '${ $err.detail }' } } }] },
      },
    }]));
    const caught = await h.runToEnd(`rejected-${backend}`);
    expect(caught).toMatchObject({ status: 'completed', output: { status: 400, detail: 'maximum context length exceeded' } });
    expect(requestsOf(rejected)).toHaveLength(1);
  });
});
