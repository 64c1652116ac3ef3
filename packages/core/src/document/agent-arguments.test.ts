import { describe, expect, it } from 'vitest';
import { validateWorkflow } from './validate.ts';

const workflow = (agentWith: unknown) => ({
  document: { dsl: '1.0.0', namespace: 'test', name: 'agent', version: '1.0.0' },
  do: [{ ask: { call: 'agent:1.0.0@default', with: agentWith } }],
});

describe('agent arguments at registration', () => {
  it('accepts a complete agent step, expressions included', () => {
    const tools = [
      { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, call: 'http', with: { method: 'get', endpoint: 'https://x.example/{city}' } },
      { name: 'sum', run: { workflow: { namespace: 'tools', name: 'sum', version: '1.0.0' } } },
    ];
    expect(validateWorkflow(workflow({ model: '${ .model }', prompt: '${ .q }', tools, maxTurns: 4, output: { schema: { type: 'object' } }, budget: { maxTokens: 1000, maxCostUsd: 0.5 } }))).toEqual([]);
  });

  it.each([
    [{ prompt: 'hi' }, '/do/0/ask/with', /needs with.model/],
    [{ model: 'm' }, '/do/0/ask/with', /with.prompt or with.messages/],
    [{ model: 'm', prompt: 'hi', tools: [{ name: 'x', call: 'grpc' }] }, '/do/0/ask/with/tools/0', /call: http or run: workflow/],
    [{ model: 'm', prompt: 'hi', tools: [{ name: 'x', call: 'http', with: { method: 'get', endpoint: 'https://x' } }, { name: 'x', call: 'http', with: { method: 'get', endpoint: 'https://x' } }] }, '/do/0/ask/with/tools/1', /declared twice/],
    [{ model: 'm', prompt: 'hi', tools: [{ name: 'x', parameters: { type: 'nope' }, call: 'http', with: { method: 'get', endpoint: 'https://x' } }] }, '/do/0/ask/with/tools/0/parameters', /invalid JSON Schema/],
    [{ model: 'm', prompt: 'hi', maxTurns: 0 }, '/do/0/ask/with/maxTurns', /positive integer/],
    [{ model: 'm', prompt: 'hi', budget: { maxCostUsd: '${ 1 }' } }, '/do/0/ask/with/budget/maxCostUsd', /expressions are not supported/],
  ])('reports %j at its path', (args, path, message) => {
    const problems = validateWorkflow(workflow(args));
    expect(problems).toEqual([{ path, message: expect.stringMatching(message) }]);
  });
});
