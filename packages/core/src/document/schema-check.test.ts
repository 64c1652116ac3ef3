import { describe, expect, it } from 'vitest';
import { validateWorkflow } from './index.ts';

const header = { dsl: '1.0.3', namespace: 'test', name: 'schema', version: '0.1.0' };
const workflow = (tasks: unknown[], extra: Record<string, unknown> = {}) => ({ document: header, do: tasks, ...extra });
const http = (withArgs: Record<string, unknown>) => ({ call: 'http', with: { method: 'get', endpoint: 'https://example.com/pets', ...withArgs } });

describe('validateWorkflow: the official schema, reported per task', () => {
  it('accepts a valid document', () => {
    expect(validateWorkflow(workflow([{ getPet: http({}) }, { done: { set: { ok: true } } }]))).toEqual([]);
  });

  it('reports missing top-level properties', () => {
    expect(validateWorkflow({ do: [] })).toEqual([{ path: '', message: "missing required property 'document'" }]);
    expect(validateWorkflow({ document: { ...header, name: undefined } , do: [] })).toEqual([{ path: '/document', message: "missing required property 'name'" }]);
  });

  it('reports a wrong type at the exact path', () => {
    const problems = validateWorkflow(workflow([{ a: { raise: { error: { type: 'https://example.com/e', status: '500' } } } }]));
    expect(problems).toEqual([{ path: '/do/0/a/raise/error/status', message: 'must be an integer' }]);
  });

  it('reports an unknown property of a task with the task kind and a suggestion', () => {
    expect(validateWorkflow(workflow([{ a: { set: { x: 1 }, thn: 'end' } }]))).toEqual([
      { path: '/do/0/a/thn', message: "unknown property 'thn' of a set task — did you mean 'then'?" },
    ]);
    expect(validateWorkflow(workflow([{ a: { wait: 'PT1S', colour: 'red' } }]))).toEqual([
      { path: '/do/0/a/colour', message: expect.stringMatching(/^unknown property 'colour' of a wait task \(allowed: .*\bthen\b.*\bwait\b/) },
    ]);
  });

  it('reports unknown nested properties with their JSON pointer', () => {
    const problems = validateWorkflow(workflow([{ getPet: http({ endpoint: { uri: 'https://example.com', authentication: { basic: { username: 'u', password: 'p' } }, timeout: 3 } }) }]));
    expect(problems).toEqual([{ path: '/do/0/getPet/with/endpoint/timeout', message: expect.stringContaining("unknown property 'timeout'") }]);
  });

  it('explains a value that fits none of the alternatives in one problem, not a flood', () => {
    expect(validateWorkflow(workflow([{ getPet: http({ endpoint: 'not a uri' }) }]))).toEqual([
      { path: '/do/0/getPet/with/endpoint', message: expect.stringMatching(/^must be a runtime expression .* or an absolute URI/) },
    ]);
    expect(validateWorkflow(workflow([{ pause: { wait: '5 seconds' } }]))).toEqual([
      { path: '/do/0/pause/wait', message: expect.stringContaining('ISO 8601 duration') },
    ]);
    expect(validateWorkflow(workflow([{ pause: { wait: 5 } }]))).toEqual([{ path: '/do/0/pause/wait', message: 'must be a duration object (e.g. { seconds: 30 }), a runtime expression (${ … }) or an ISO 8601 duration (e.g. PT30S)' }]);
  });

  it('follows the alternative the author evidently meant', () => {
    expect(validateWorkflow(workflow([{ getPet: http({ endpoint: { url: 'https://example.com' } }) }]))).toEqual([
      { path: '/do/0/getPet/with/endpoint', message: "missing required property 'uri'" },
      { path: '/do/0/getPet/with/endpoint/url', message: "unknown property 'url' — did you mean 'uri'?" },
    ]);
    const auth = (authentication: unknown) => workflow([{ getPet: http({ endpoint: { uri: 'https://example.com', authentication } }) }]);
    expect(validateWorkflow(auth({ bearer: { tokn: 'abc' } }))).toEqual([
      { path: '/do/0/getPet/with/endpoint/authentication/bearer', message: "must have one of: 'token', or 'use'" },
      { path: '/do/0/getPet/with/endpoint/authentication/bearer/tokn', message: "unknown property 'tokn' — did you mean 'token'?" },
    ]);
    expect(validateWorkflow(auth({ bearr: { token: 'abc' } }))).toEqual([
      { path: '/do/0/getPet/with/endpoint/authentication', message: "must have one of: 'basic', or 'bearer', or 'digest', or 'oauth2', or 'oidc'" },
      { path: '/do/0/getPet/with/endpoint/authentication/bearr', message: "unknown property 'bearr' — did you mean 'bearer'?" },
    ]);
  });

  it('validates a call task against the subschema of its protocol', () => {
    expect(validateWorkflow(workflow([{ getPet: { call: 'http', with: { endpoint: 'https://example.com' } } }]))).toEqual([
      { path: '/do/0/getPet/with', message: "missing required property 'method'" },
    ]);
  });

  it('reports a task without a kind, or with several', () => {
    expect(validateWorkflow(workflow([{ a: { foo: 1 } }]))).toEqual([
      { path: '/do/0/a', message: expect.stringMatching(/^task 'a' has no task type: .* \(it has: foo\)$/) },
    ]);
    expect(validateWorkflow(workflow([{ a: { set: { x: 1 }, wait: 'PT1S' } }]))).toEqual([
      { path: '/do/0/a', message: expect.stringContaining("task 'a' has several task types (set, wait)") },
    ]);
  });

  it('reports malformed task list items', () => {
    expect(validateWorkflow(workflow([{ a: { set: { x: 1 } }, b: { set: { y: 1 } } }]))).toEqual([
      { path: '/do/0', message: 'a task list item must have exactly one key: the task name' },
    ]);
    expect(validateWorkflow(workflow([{ a: 'set' }]))).toEqual([{ path: '/do/0/a', message: 'must be an object' }]);
    expect(validateWorkflow({ document: header, do: { a: { set: {} } } })).toEqual([{ path: '/do', message: 'must be an array' }]);
  });

  it('checks tasks at any depth, each against its own kind', () => {
    const nested = workflow([
      { loop: { for: { in: '.items' }, do: [{ inner: { fork: { branches: [{ deep: { set: { x: 1 }, bogus: true } }] } } }] } },
      { guard: { try: [{ t: { wait: 'PT1S' } }], catch: { do: [{ c: { raise: { error: 42 } } }] } } },
    ]);
    expect(validateWorkflow(nested)).toEqual([
      { path: '/do/0/loop/do/0/inner/fork/branches/0/deep/bogus', message: expect.stringContaining("unknown property 'bogus' of a set task") },
      { path: '/do/1/guard/catch/do/0/c/raise/error', message: expect.stringMatching(/^must be an error object .* or the name of an error in use.errors/) },
    ]);
  });

  it('checks reusable functions as tasks', () => {
    expect(validateWorkflow(workflow([{ a: { call: 'f' } }], { use: { functions: { f: { call: 'http', with: { method: 'get' } } } } }))).toEqual([
      { path: '/use/functions/f/with', message: "missing required property 'endpoint'" },
    ]);
  });

  it('names the workflow name rule in words', () => {
    expect(validateWorkflow({ document: { ...header, name: 'not valid!' }, do: [] })).toEqual([
      { path: '/document/name', message: expect.stringContaining("letters, digits or '-'") },
    ]);
  });

  it('says when a value matches several alternatives that exclude each other', () => {
    expect(validateWorkflow(workflow([{ s: { set: { x: 1 } } }], { input: { schema: { document: {}, resource: { endpoint: 'https://x' } } } }))).toEqual([
      { path: '/input/schema', message: 'is ambiguous: it matches SchemaInline and SchemaExternal, but must match exactly one' },
      { path: '/input/schema/resource', feature: 'schema.resource', message: expect.any(String) },
    ]);
  });

  it('reports a value of the wrong type for a schema with alternatives by its type alone', () => {
    expect(validateWorkflow(workflow([{ a: { run: [{ workflow: {} }] } }, { b: { listen: { to: [] } } }]))).toEqual([
      { path: '/do/0/a/run', message: 'must be an object' },
      { path: '/do/1/b/listen/to', message: 'must be an object' },
    ]);
  });
});
