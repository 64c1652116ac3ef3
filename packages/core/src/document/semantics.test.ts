import { describe, expect, it } from 'vitest';
import { validateWorkflow } from './index.ts';

const header = { dsl: '1.0.3', namespace: 'test', name: 'semantics', version: '0.1.0' };
const workflow = (tasks: unknown[], extra: Record<string, unknown> = {}) => ({ document: header, do: tasks, ...extra });
const set = (extra: Record<string, unknown> = {}) => ({ set: { x: 1 }, ...extra });

describe('validateWorkflow: semantic checks', () => {
  it('reports duplicate task names within one list', () => {
    expect(validateWorkflow(workflow([{ a: set() }, { b: set() }, { a: set() }]))).toEqual([
      { path: '/do/2/a', message: "duplicate task name 'a' in this list (first defined at /do/0/a)" },
    ]);
  });

  it('checks every kind of task list, and allows the same name in different lists', () => {
    const tasks = [
      { a: { do: [{ a: set() }, { x: set() }, { x: set() }] } },
      { f: { fork: { branches: [{ b: set() }, { b: set() }] } } },
      { t: { try: [{ c: set() }, { c: set() }], catch: { do: [{ d: set() }, { d: set() }] } } },
      { l: { for: { in: '.items' }, do: [{ e: set() }, { e: set() }] } },
      { w: { listen: { to: { one: { with: { type: 'x' } } } }, foreach: { do: [{ g: set() }, { g: set() }] } } },
    ];
    expect(validateWorkflow(workflow(tasks)).map((p) => p.path)).toEqual([
      '/do/0/a/do/2/x',
      '/do/1/f/fork/branches/1/b',
      '/do/2/t/try/1/c',
      '/do/2/t/catch/do/1/d',
      '/do/3/l/do/1/e',
      '/do/4/w/foreach/do/1/g',
    ]);
  });

  it('requires then: to be a directive or a task of the same list', () => {
    const tasks = [
      { a: set({ then: 'c' }) },
      { b: { do: [{ inner: set({ then: 'a' }) }] } },
      { c: set({ then: 'end' }) },
      { d: set({ then: 'exit' }) },
      { e: set({ then: 'continue' }) },
    ];
    expect(validateWorkflow(workflow(tasks))).toEqual([
      { path: '/do/1/b/do/0/inner/then', message: "then: 'a' is neither continue, exit, end nor the name of a task of this list ('inner')" },
    ]);
  });

  it('checks the then: of switch cases against the list of the switch task', () => {
    const tasks = [
      { route: { switch: [{ big: { when: '.n > 10', then: 'large' } }, { other: { then: 'small' } }] } },
      { small: set({ then: 'end' }) },
    ];
    expect(validateWorkflow(workflow(tasks))).toEqual([
      { path: '/do/0/route/switch/0/big/then', message: expect.stringContaining("then: 'large' is neither") },
    ]);
  });

  it('allows one default case (without when) per switch', () => {
    const cases = [{ big: { when: '.n > 10', then: 'end' } }, { fallback: { then: 'end' } }, { other: { then: 'exit' } }];
    expect(validateWorkflow(workflow([{ route: { switch: cases } }]))).toEqual([
      { path: '/do/0/route/switch/2/other', message: "case 'other' has no 'when', but 'fallback' is already the default case: only one case may omit it" },
    ]);
    expect(validateWorkflow(workflow([{ route: { switch: cases.slice(0, 2) } }]))).toEqual([]);
  });

  it('resolves references to use.errors, use.retries, use.timeouts, use.functions and use.authentications', () => {
    const use = {
      errors: { notFound: { type: 'https://example.com/not-found', status: 404 } },
      retries: { again: { limit: { attempt: { count: 3 } } } },
      timeouts: { short: { after: 'PT5S' } },
      functions: { ping: { call: 'http', with: { method: 'get', endpoint: 'https://example.com' } } },
      authentications: { corp: { bearer: { token: 't' } } },
    };
    const good = [
      { a: { raise: { error: 'notFound' }, timeout: 'short' } },
      { b: { try: [{ c: { call: 'ping' } }], catch: { retry: 'again' } } },
      { d: { call: 'http', with: { method: 'get', endpoint: { uri: 'https://example.com', authentication: { use: 'corp' } } } } },
    ];
    expect(validateWorkflow(workflow(good, { use, timeout: 'short' }))).toEqual([]);
    const bad = [
      { a: { raise: { error: 'gone' }, timeout: 'long' } },
      { b: { try: [{ c: { call: 'pong' } }], catch: { retry: 'forever' } } },
      { d: { call: 'http', with: { method: 'get', endpoint: { uri: 'https://example.com', authentication: { use: 'other' } } } } },
    ];
    expect(validateWorkflow(workflow(bad, { use, timeout: 'huge' }))).toEqual([
      { path: '/timeout', message: "unknown timeout 'huge': it is not defined in use.timeouts (defined: short)" },
      { path: '/do/0/a/timeout', message: "unknown timeout 'long': it is not defined in use.timeouts (defined: short)" },
      { path: '/do/0/a/raise/error', message: "unknown error 'gone': it is not defined in use.errors (defined: notFound)" },
      { path: '/do/1/b/catch/retry', message: "unknown retry policy 'forever': it is not defined in use.retries (defined: again)" },
      { path: '/do/1/b/try/0/c/call', message: "unknown function 'pong': it is not defined in use.functions (defined: ping)" },
      { path: '/do/2/d/with/endpoint/authentication/use', message: "unknown authentication policy 'other': it is not defined in use.authentications (defined: corp)" },
    ]);
  });

  it('reports an unknown function of the default catalog and an undefined catalog, without a feature', () => {
    const problems = validateWorkflow(workflow([{ a: { call: 'summarize:1.0.0@default' } }, { b: { call: 'log:1.0.0@nowhere' } }]));
    expect(problems).toEqual([
      { path: '/do/1/b', feature: 'call.catalog-function', message: expect.any(String) },
      { path: '/do/0/a/call', message: "unknown function 'summarize:1.0.0@default': Baton's default catalog has agent:1.0.0@default, approval:1.0.0@default" },
      { path: '/do/1/b/call', message: "unknown catalog 'nowhere': it is not defined in use.catalogs" },
    ]);
  });

  it('does not read the arguments of a function call as configuration', () => {
    const functions = { notify: { call: 'http', with: { method: 'post', endpoint: 'https://example.com' } } };
    const args = { endpoint: { uri: 'https://x', authentication: { use: 'nowhere' } }, authentication: { bearer: { use: 'nosecret' } } };
    expect(validateWorkflow(workflow([{ a: { call: 'notify', with: args } }], { use: { functions } }))).toEqual([]);
  });

  it('requires secret-based authentication to name a secret of use.secrets', () => {
    const auth = { bearer: { use: 'apiToken' } };
    const task = { a: { call: 'http', with: { method: 'get', endpoint: { uri: 'https://example.com', authentication: auth } } } };
    expect(validateWorkflow(workflow([task], { use: { secrets: ['apiToken'] } }))).toEqual([]);
    expect(validateWorkflow(workflow([task]))).toEqual([
      { path: '/do/0/a/with/endpoint/authentication/bearer/use', message: "unknown secret 'apiToken': it is not listed in use.secrets" },
    ]);
    expect(validateWorkflow(workflow([{ s: set() }], { use: { authentications: { corp: auth } } }))).toEqual([
      { path: '/use/authentications/corp/bearer/use', message: "unknown secret 'apiToken': it is not listed in use.secrets" },
    ]);
  });

  it('reports reusable functions that call themselves, directly or not', () => {
    const functions = {
      a: { call: 'b' },
      b: { do: [{ step: { call: 'a' } }] },
      c: { call: 'c' },
      d: { call: 'agent:1.0.0@default', with: { model: 'm', prompt: 'hi' } },
    };
    expect(validateWorkflow(workflow([{ s: { call: 'd' } }], { use: { functions } }))).toEqual([
      { path: '/use/functions/a', message: "function 'a' calls itself (a → b → a)" },
      { path: '/use/functions/b', message: "function 'b' calls itself (b → a → b)" },
      { path: '/use/functions/c', message: "function 'c' calls itself (c → c)" },
    ]);
  });
});
