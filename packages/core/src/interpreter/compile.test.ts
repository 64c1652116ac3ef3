import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CompileError, compileWorkflow } from './compile.ts';
import type { WorkflowDocument } from './document-types.ts';

const header = `document: { dsl: '1.0.3', namespace: test, name: c, version: '0.1.0' }\n`;
const compileYaml = (text: string) => compileWorkflow(parse(header + text) as WorkflowDocument);

describe('compileWorkflow', () => {
  it('indexes every task by reference, functions included', () => {
    const wf = compileYaml(`use:
  functions:
    f: { set: { a: 1 } }
do:
  - outer:
      try:
        - inner: { call: f }
      catch:
        do:
          - handler: { wait: PT1S }
  - par:
      fork:
        branches:
          - b1: { set: {} }
  - loop:
      for: { in: .xs }
      do:
        - body: { set: {} }
`);
    expect([...wf.tasks.keys()].sort()).toEqual([
      '/do/0/outer', '/do/0/outer/catch/do/0/handler', '/do/0/outer/try/0/inner', '/do/1/par', '/do/1/par/fork/branches/0/b1', '/do/2/loop', '/do/2/loop/do/0/body', '/use/functions/f',
    ]);
    expect(wf.definition).toEqual({ namespace: 'test', name: 'c', version: '0.1.0' });
  });

  it('resolves timeouts by reference and durations once', () => {
    const wf = compileYaml(`use:
  timeouts:
    short: { after: PT2S }
timeout: short
do:
  - a: { wait: { minutes: 1 }, timeout: { after: { milliseconds: 10 } } }
`);
    expect(wf.timeoutMs).toBe(2000);
    expect(wf.tasks.get('/do/0/a')).toMatchObject({ timeoutMs: 10, spec: { type: 'wait', ms: 60_000 } });
  });

  it.each([
    ['an unknown function', 'do:\n  - a: { call: nope }', /call: nope is neither a supported call nor a function defined in use.functions.*\/do\/0\/a\/call/],
    ['grpc', 'do:\n  - a: { call: grpc, with: {} }', /call: grpc is not supported/],
    ['a container', 'do:\n  - a: { run: { container: { image: x } } }', /run: container is not supported.*\/do\/0\/a\/run\/container/],
    ['oauth2', 'do:\n  - a: { call: http, with: { method: get, endpoint: { uri: x, authentication: { oauth2: { authority: x, grant: client_credentials } } } } }', /oauth2 authentication is not supported/],
    ['an unknown reusable error', 'do:\n  - a: { raise: { error: nope } }', /error "nope" is not defined in use.errors/],
    ['an unknown retry policy', 'do:\n  - a: { try: [ { b: { set: {} } } ], catch: { retry: nope } }', /retry policy "nope" is not defined/],
    ['an unknown timeout', 'do:\n  - a: { set: {}, timeout: nope }', /timeout "nope" is not defined/],
    ['a bad duration', 'do:\n  - a: { wait: P1M }', /invalid ISO 8601 duration "P1M".*\/do\/0\/a\/wait/],
    ['an external schema', 'input: { schema: { format: json, resource: { endpoint: https://x } } }\ndo:\n  - a: { set: {} }', /only inline schemas/],
  ])('rejects %s with a CompileError naming the path', (_what, text, message) => {
    expect(() => compileYaml(text)).toThrow(CompileError);
    expect(() => compileYaml(text)).toThrow(message);
  });
});
