// The agent loop of `call: agent:1.0.0@default` in the interpreter, driven by the test driver
// (the driver plays the runtime: it answers agent turns and tool calls like the workers would).
import { describe, expect, it } from 'vitest';
import type { AgentTurnRequest, AgentTurnResult, ToolCall } from '../../src/agent/contract.ts';
import { AgentEventTypes } from '../../src/agent/contract.ts';
import { BatonErrorTypes } from '../../src/errors.ts';
import { compile, runScenario } from './driver.ts';
import type { Answer, TaskEffect, WorkflowEffect } from './driver.ts';

const header = `document: { dsl: '1.0.3', namespace: test, name: agent, version: '0.1.0' }\n`;
const usage = { promptTokens: 10, completionTokens: 5, totalTokens: 15, costUsd: 0.001 };

function reply(content: string | null, toolCalls?: ToolCall[]): Answer {
  const output: AgentTurnResult = { message: { role: 'assistant', content, ...(toolCalls ? { tool_calls: toolCalls } : {}) }, finishReason: toolCalls ? 'tool_calls' : 'stop', usage, model: 'm-1' };
  return { output };
}
const call = (id: string, name: string, args: unknown): ToolCall => ({ id, type: 'function', function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) } });
const turns = (log: { tasks: Array<TaskEffect | WorkflowEffect> }) => log.tasks.filter((t): t is TaskEffect => t.kind === 'task' && t.taskKind === 'agent').map((t) => t.payload as AgentTurnRequest);

const weatherAgent = `${header}do:
  - ask:
      call: agent:1.0.0@default
      with:
        model: \${ .model }
        system: You answer about the weather.
        prompt: \${ "Weather in " + .city + "?" }
        temperature: 0.2
        tools:
          - name: weather
            description: Current weather of a city
            parameters: { type: object, properties: { city: { type: string } }, required: [city] }
            call: http
            with:
              method: get
              endpoint: https://weather.example/now/{city}
              headers: { x-args: '\${ $args.city }', x-key: '\${ $secrets.key }' }
`;

describe('agent: a plain answer', () => {
  it('sends one turn with the evaluated messages and completes with content, usage and turns', () => {
    const log = runScenario(`${header}do:
  - ask:
      call: agent:1.0.0@default
      with: { model: m, prompt: '\${ "Hi " + .name }', system: be brief, max_tokens: 50 }
`, { name: 'Ada' }, { answer: () => reply('Hello Ada') });
    expect(turns(log)).toEqual([{ model: 'm', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'Hi Ada' }], turn: 1, stream: true, sampling: { max_tokens: 50 } }]);
    expect(log.state).toMatchObject({ status: 'completed', output: { content: 'Hello Ada', usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15, costUsd: 0.001 }, turns: 1 } });
    expect(log.decisions.map((d) => d.usage).filter(Boolean)).toEqual([{ promptTokens: 10, completionTokens: 5, totalTokens: 15, costUsd: 0.001, turns: 1 }]);
    expect(log.events.find((e) => e.type === AgentEventTypes.turnCompleted)?.data).toMatchObject({ task: '/do/0/ask', turn: 1, toolCalls: 0, usage });
  });

  it('rejects an agent call without model or prompt at compile time, naming the path', () => {
    expect(() => compile(`${header}do:\n  - a:\n      call: agent:1.0.0@default\n      with: { prompt: hi }\n`)).toThrow(/with.model.*\/do\/0\/a\/with/);
    expect(() => compile(`${header}do:\n  - a:\n      call: agent:1.0.0@default\n      with: { model: m, prompt: hi, tools: [{ name: t, call: grpc }] }\n`)).toThrow(/call: http or run: workflow/);
  });
});

describe('agent: tools', () => {
  it('runs parallel tool calls at once, with $args, and sends the results in tool-call order', () => {
    const log = runScenario(weatherAgent, { model: 'm', city: 'Oslo' }, {
      env: { namespace: 'weather' },
      answer: (effect, attempt) => {
        if (effect.kind === 'task' && effect.taskKind === 'http') return { output: { temp: (effect.payload as { endpoint: string }).endpoint.endsWith('Oslo') ? 3 : 20 }, after: effect.payload && (effect.payload as { endpoint: string }).endpoint.endsWith('Oslo') ? 50 : 10 };
        return attempt === 1 ? reply(null, [call('c1', 'weather', { city: 'Oslo' }), call('c2', 'weather', { city: 'Rome' })]) : reply('Oslo 3, Rome 20');
      },
    });
    const http = log.tasks.filter((t) => t.kind === 'task' && t.taskKind === 'http') as TaskEffect[];
    expect(http).toHaveLength(2);
    // Both tool calls leave in the same decision.
    expect(log.decisions.find((d) => d.effects.filter((e) => e.kind === 'task').length === 2)).toBeDefined();
    expect(http[0]!.payload).toEqual({ method: 'get', endpoint: 'https://weather.example/now/Oslo', headers: { 'x-args': 'Oslo', 'x-key': { $deferred: '$secrets.key', input: { city: 'Oslo' }, context: { model: 'm', city: 'Oslo' }, namespace: 'weather' } } });
    expect(http[0]!.reference).toBe('/do/0/ask/with/tools/0');
    const second = turns(log)[1]!;
    expect(second.turn).toBe(2);
    expect(second.messages.slice(2)).toEqual([
      { role: 'assistant', content: null, tool_calls: [call('c1', 'weather', { city: 'Oslo' }), call('c2', 'weather', { city: 'Rome' })] },
      { role: 'tool', tool_call_id: 'c1', content: '{"temp":3}' },
      { role: 'tool', tool_call_id: 'c2', content: '{"temp":20}' },
    ]);
    expect(second.tools).toEqual([{ name: 'weather', description: 'Current weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }]);
    expect(log.state).toMatchObject({ status: 'completed', output: { content: 'Oslo 3, Rome 20', turns: 2, usage: { totalTokens: 30 } } });
    const types = log.events.map((e) => e.type).filter((t) => t.startsWith('dev.baton'));
    expect(types).toEqual([AgentEventTypes.turnCompleted, AgentEventTypes.toolCalled, AgentEventTypes.toolCalled, AgentEventTypes.toolResult, AgentEventTypes.toolResult, AgentEventTypes.turnCompleted]);
    expect(log.decisions.flatMap((d) => (d.usage?.toolCalls ? [d.usage.toolCalls] : []))).toEqual([2]);
  });

  it('answers unknown tools, bad JSON and arguments off-schema with an error text, and a failed tool with its error', () => {
    const log = runScenario(weatherAgent, { model: 'm', city: 'Oslo' }, {
      answer: (effect, attempt) => {
        if (effect.kind === 'task' && effect.taskKind === 'http') return { error: { type: 'https://serverlessworkflow.io/spec/1.0.0/errors/communication', status: 503, title: 'Service Unavailable', detail: 'down' } };
        if (attempt === 1) return reply(null, [call('a', 'nope', {}), call('b', 'weather', '{bad'), call('c', 'weather', { town: 1 }), call('d', 'weather', { city: 'X' })]);
        return reply('sorry');
      },
    });
    const tools = turns(log)[1]!.messages.filter((m) => m.role === 'tool').map((m) => m.content);
    expect(tools[0]).toMatch(/no tool named "nope"/);
    expect(tools[1]).toMatch(/not valid JSON/);
    expect(tools[2]).toMatch(/do not match the tool's parameters: .*city/);
    expect(tools[3]).toBe('error: Service Unavailable (status 503): down');
    expect(log.tasks.filter((t) => t.kind === 'task' && t.taskKind === 'http')).toHaveLength(1);
    expect(log.state.status).toBe('completed');
  });

  it('binds a tool to a subflow with the arguments as its input', () => {
    const log = runScenario(`${header}do:
  - ask:
      call: agent:1.0.0@default
      with:
        model: m
        prompt: go
        tools: [{ name: sum, parameters: { type: object }, run: { workflow: { namespace: tools, name: adder, version: '1.0.0' } } }]
`, {}, { answer: (effect, attempt) => (effect.kind === 'workflow' ? { output: { sum: 3 } } : attempt === 1 ? reply(null, [call('s', 'sum', { a: 1, b: 2 })]) : reply('3')) });
    expect(log.tasks.find((t) => t.kind === 'workflow')).toMatchObject({ namespace: 'tools', workflowName: 'adder', version: '1.0.0', input: { a: 1, b: 2 }, await: true });
    expect(log.state).toMatchObject({ status: 'completed', output: { content: '3' } });
  });
});

describe('agent: structured output', () => {
  const doc = `${header}do:
  - ask:
      call: agent:1.0.0@default
      with:
        model: m
        prompt: classify
        output: { schema: { type: object, properties: { label: { enum: [spam, ham] } }, required: [label] } }
`;
  it('parses a matching answer (also in a code fence)', () => {
    const log = runScenario(doc, {}, { answer: () => reply('```json\n{"label":"ham"}\n```') });
    expect(log.state).toMatchObject({ status: 'completed', output: { content: { label: 'ham' }, turns: 1 } });
    expect(turns(log)[0]!.outputSchema).toMatchObject({ required: ['label'] });
  });

  it('asks for one repair, then succeeds', () => {
    const log = runScenario(doc, {}, { answer: (_e, attempt) => reply(attempt === 1 ? '{"label":"eggs"}' : '{"label":"spam"}') });
    const repair = turns(log)[1]!.messages.at(-1)!;
    expect(repair).toMatchObject({ role: 'user' });
    expect(repair.content).toContain('/label must be one of "spam", "ham" (got "eggs")');
    expect(log.state).toMatchObject({ status: 'completed', output: { content: { label: 'spam' }, turns: 2 } });
  });

  it('fails with a typed error after the repair turn, catchable by try', () => {
    const log = runScenario(`${header}do:
  - guard:
      try:
        - ask:
            call: agent:1.0.0@default
            with: { model: m, prompt: x, output: { schema: { type: object } } }
      catch:
        errors: { with: { type: ${BatonErrorTypes.outputSchema} } }
        as: err
        do:
          - fallback: { set: { caught: '\${ $err.status }' } }
`, {}, { answer: () => reply('not json') });
    expect(turns(log)).toHaveLength(2);
    expect(log.state).toMatchObject({ status: 'completed', output: { caught: 422 } });
  });
});

describe('agent: limits', () => {
  const looping = (extra: string, meta = '') => `document: { dsl: '1.0.3', namespace: test, name: agent, version: '0.1.0'${meta} }
do:
  - ask:
      call: agent:1.0.0@default
      with:
        model: m
        prompt: loop
        ${extra}
        tools: [{ name: t, call: http, with: { method: get, endpoint: https://x.example/ } }]
`;
  const forever = (effect: TaskEffect | WorkflowEffect, attempt: number): Answer => (effect.kind === 'task' && effect.taskKind === 'http' ? { output: 1 } : reply(null, [call(`c${attempt}`, 't', {})]));

  it('stops at maxTurns with budget-exceeded', () => {
    const log = runScenario(looping('maxTurns: 3'), {}, { answer: forever });
    expect(turns(log)).toHaveLength(3);
    expect(log.state).toMatchObject({ status: 'faulted', error: { type: BatonErrorTypes.budgetExceeded, instance: '/do/0/ask' } });
  });

  it('stops when the step budget is crossed', () => {
    const log = runScenario(looping('budget: { maxTokens: 40 }'), {}, { answer: forever });
    expect(turns(log)).toHaveLength(3);
    expect(log.state).toMatchObject({ status: 'faulted', error: { type: BatonErrorTypes.budgetExceeded, detail: expect.stringMatching(/45 tokens used, maxTokens is 40/) } });
  });

  it('faults the run when the run budget of document.metadata.baton.budget is crossed', () => {
    const log = runScenario(looping('', ', metadata: { baton: { budget: { maxCostUsd: 0.0025 } } }'), {}, { answer: forever });
    expect(turns(log)).toHaveLength(3);
    expect(log.state).toMatchObject({ status: 'faulted', error: { type: BatonErrorTypes.budgetExceeded, title: 'Run budget exceeded' } });
  });

  it('fails with the provider error of a failed turn (catchable like any error)', () => {
    const llm = { type: BatonErrorTypes.llm, status: 400, title: 'LLM request rejected', detail: 'context length exceeded' };
    const log = runScenario(looping(''), {}, { answer: () => ({ error: llm }) });
    expect(log.state).toMatchObject({ status: 'faulted', error: { ...llm, instance: '/do/0/ask' } });
  });

  it('cancels pending tool calls when the step times out', () => {
    const log = runScenario(`${header}do:
  - ask:
      call: agent:1.0.0@default
      timeout: { after: { seconds: 1 } }
      with: { model: m, prompt: go, tools: [{ name: t, call: http, with: { method: get, endpoint: https://x.example/ } }] }
`, {}, { answer: (effect) => (effect.kind === 'task' && effect.taskKind === 'http' ? 'never' : reply(null, [call('a', 't', {}), call('b', 't', {})])) });
    expect(log.state).toMatchObject({ status: 'faulted', error: { status: 408 } });
    expect(log.effects.filter((e) => e.kind === 'cancelTask')).toHaveLength(2);
  });
});
