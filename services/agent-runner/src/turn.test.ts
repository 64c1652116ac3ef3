// One model turn through the official client against the local OpenAI-compatible server.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatonErrorTypes, ErrorTypes } from '@baton/core';
import type { AgentTurnRequest } from '@baton/core/agent';
import { startFakeOpenAI, type FakeOpenAI } from '@baton/testkit';
import { agentRunnerOptions, type AgentRunnerOptions } from './options.ts';
import { createClient, executeTurn } from './turn.ts';

let fake: FakeOpenAI;
let options: AgentRunnerOptions;
const request: AgentTurnRequest = {
  model: 'gpt-test',
  messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'weather?' }],
  tools: [{ name: 'weather', description: 'w', parameters: { type: 'object' } }],
  sampling: { temperature: 0.1 },
  turn: 1,
};

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-test' });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  options = agentRunnerOptions({ apiKey: 'sk-test', baseUrl: fake.url, retryBaseDelayMs: 10, requestTimeoutMs: 2_000, prices: { 'gpt-test': { input: 1, output: 2 } } });
});

describe('executeTurn', () => {
  it('streams text, gathers tool calls split across chunks, reads usage from the last chunk, prices it', async () => {
    fake.enqueue({ content: 'Let me check.', toolCalls: [{ id: 'c1', name: 'weather', arguments: { city: 'Oslo' } }, { id: 'c2', name: 'weather', arguments: { city: 'Rome' } }], usage: { prompt_tokens: 1000, completion_tokens: 500 } });
    const tokens: string[] = [];
    const outcome = await executeTurn(createClient(options), request, options, { onToken: (text) => tokens.push(text) });
    expect(outcome).toMatchObject({
      ok: true,
      retries: 0,
      result: {
        message: { role: 'assistant', content: 'Let me check.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }, { id: 'c2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } }] },
        finishReason: 'tool_calls',
        usage: { promptTokens: 1000, completionTokens: 500, totalTokens: 1500, costUsd: 0.002 },
        model: 'gpt-test',
      },
    });
    expect(tokens.join('')).toBe('Let me check.');
    expect(tokens.length).toBeGreaterThan(1);
    const sent = fake.requests[0]!;
    expect(sent.headers.authorization).toBe('Bearer sk-test');
    expect(sent.body).toMatchObject({ model: 'gpt-test', stream: true, stream_options: { include_usage: true }, temperature: 0.1, messages: request.messages, tools: [{ type: 'function', function: { name: 'weather', description: 'w', parameters: { type: 'object' } } }] });
  });

  it('asks for structured output with response_format json_schema, and answers without streaming when told', async () => {
    fake.enqueue({ content: '{"a":1}' });
    const outcome = await executeTurn(createClient(options), { ...request, tools: undefined, stream: false, outputSchema: { type: 'object' } } as AgentTurnRequest, options);
    expect(outcome).toMatchObject({ ok: true, result: { message: { content: '{"a":1}' }, finishReason: 'stop' } });
    expect(fake.requests[0]!.body.stream).not.toBe(true);
    expect(fake.requests[0]!.body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema: { type: 'object' }, strict: false } });
  });

  it('retries 429 honouring Retry-After, and 500 with backoff', async () => {
    fake.enqueue({ status: 429, retryAfter: '0.3', message: 'slow down' }, { status: 500 }, { content: 'fine' });
    const retries: Array<[string, number]> = [];
    const outcome = await executeTurn(createClient(options), request, options, { onRetry: (reason, delay) => retries.push([reason, delay]) });
    expect(outcome).toMatchObject({ ok: true, retries: 2, result: { message: { content: 'fine' } } });
    expect(retries[0]).toEqual(['429', 300]);
    expect(retries[1]![0]).toBe('500');
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests[1]!.at - fake.requests[0]!.at).toBeGreaterThanOrEqual(290);
  });

  it('fails a 400 at once with a typed llm error carrying the provider status and message', async () => {
    fake.enqueue({ status: 400, message: "This model's maximum context length is 8192 tokens", code: 'context_length_exceeded' });
    const outcome = await executeTurn(createClient(options), request, options);
    expect(outcome).toEqual({ ok: false, retries: 0, error: { type: BatonErrorTypes.llm, status: 400, title: 'LLM request rejected', detail: "This model's maximum context length is 8192 tokens", code: 'context_length_exceeded' } });
    expect(fake.requests).toHaveLength(1);
  });

  it('gives up after maxRetries, and refuses a Retry-After longer than allowed', async () => {
    fake.enqueue({ status: 503 }, { status: 503 });
    const few = { ...options, maxRetries: 1 };
    expect(await executeTurn(createClient(few), request, few)).toMatchObject({ ok: false, retries: 1, error: { type: BatonErrorTypes.llm, status: 503 } });
    fake.enqueue({ status: 429, retryAfter: '120' });
    expect(await executeTurn(createClient(options), request, options)).toMatchObject({ ok: false, error: { status: 429, detail: expect.stringMatching(/AGENT_MAX_RETRY_DELAY_MS/) } });
  });

  it('times a hanging request out, per request', async () => {
    fake.enqueue({ hang: true }, { hang: true });
    const quick = { ...options, requestTimeoutMs: 200, maxRetries: 1 };
    const outcome = await executeTurn(createClient(quick), request, quick);
    expect(outcome).toMatchObject({ ok: false, retries: 1, error: { type: ErrorTypes.timeout, status: 408 } });
    expect(fake.requests).toHaveLength(2);
  });

  it('fails with a configuration error when no API key is set, and 401 is final', async () => {
    expect(await executeTurn(createClient({ ...options, apiKey: undefined }), request, options)).toMatchObject({ ok: false, error: { type: ErrorTypes.configuration } });
    const wrong = { ...options, apiKey: 'sk-wrong' };
    expect(await executeTurn(createClient(wrong), request, wrong)).toMatchObject({ ok: false, retries: 0, error: { type: BatonErrorTypes.llm, status: 401, detail: 'Incorrect API key provided' } });
  });
});
