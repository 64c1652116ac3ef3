import { describe, expect, it } from 'vitest';
import { loadWorkflow, validateWorkflow, WorkflowValidationError } from './index.ts';

const header = { dsl: '1.0.3', namespace: 'test', name: 'versions', version: '0.1.0' };
const workflow = (document: Record<string, unknown> = header, extra: Record<string, unknown> = {}) => ({ document, do: [{ a: { set: { x: 1 } } }], ...extra });

describe('validateWorkflow: document level', () => {
  it.each(['1.0.0', '1.0.1', '1.0.2', '1.0.3'])('accepts DSL %s', (dsl) => {
    expect(validateWorkflow(workflow({ ...header, dsl }))).toEqual([]);
  });

  it.each(['0.9.0', '1.0.4', '1.1.0', '2.0.0', '1.0.0-alpha5'])('rejects DSL %s with a clear problem', (dsl) => {
    expect(validateWorkflow(workflow({ ...header, dsl }))).toEqual([
      { path: '/document/dsl', message: `DSL version '${dsl}' is not supported: Baton runs Serverless Workflow 1.0.0 to 1.0.3` },
    ]);
  });

  it('reports a DSL version that is not a version at all through the schema', () => {
    expect(validateWorkflow(workflow({ ...header, dsl: 'one' }))).toEqual([
      { path: '/document/dsl', message: 'must be a semantic version (e.g. 1.0.0)' },
      { path: '/document/dsl', message: expect.stringContaining("DSL version 'one' is not supported") },
    ]);
  });

  it('reports unknown top-level properties, which the official schema lets through', () => {
    expect(validateWorkflow(workflow(header, { timout: 'PT1S', extra: 1 }))).toEqual([
      { path: '/timout', message: "unknown property 'timout' of the workflow — did you mean 'timeout'?" },
      { path: '/extra', message: "unknown property 'extra' of the workflow (allowed: document, input, use, do, timeout, output, schedule, evaluate)" },
    ]);
  });

  it('checks the shape of evaluate, which the official schema does not describe', () => {
    expect(validateWorkflow(workflow(header, { evaluate: { mode: 'lenient', lang: 'jq' } }))).toEqual([
      { path: '/evaluate/lang', message: "unknown property 'lang' (allowed: language, mode)" },
      { path: '/evaluate/mode', message: 'must be one of: "strict", "loose"' },
    ]);
    expect(validateWorkflow(workflow(header, { evaluate: 'jq' }))).toEqual([{ path: '/evaluate', message: 'must be an object' }]);
  });

  it.each([
    [undefined, 'undefined'],
    [null, 'null'],
    [[], 'an array'],
    ['text', 'a string'],
    [7, 'a number'],
  ])('rejects %j as a document without throwing', (value, kind) => {
    expect(validateWorkflow(value)).toEqual([{ path: '', message: expect.stringContaining(`not ${kind}`) }]);
  });

  it('rejects values that are not JSON data, such as a cycle, without throwing', () => {
    const cyclic: Record<string, any> = { document: header, do: [] };
    cyclic.do.push({ a: { set: cyclic } });
    expect(validateWorkflow(cyclic)).toEqual([{ path: '/do/0/a/set', message: expect.stringContaining('the document must be a tree') }]);
    expect(validateWorkflow({ ...workflow(), when: new Date(0) })).toEqual([{ path: '/when', message: expect.stringContaining('Date') }]);
  });

  it('never throws on documents with parts of the wrong type', () => {
    const odd = [
      { document: 1, do: 2, use: 3, input: [], output: 'x', schedule: null, timeout: {}, evaluate: [] },
      { document: header, do: [null, 1, 'x', [], { a: null }, { b: { for: 1, do: 2 } }, { c: { try: {}, catch: [] } }, { d: { switch: 'x' } }] },
      { document: header, do: [{ a: { fork: { branches: 'x' } } }, { b: { listen: { to: { any: 'x', until: 1 } } } }], use: { functions: [], extensions: {}, authentications: 'x' } },
    ];
    for (const document of odd) {
      const problems = validateWorkflow(document);
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) expect(problem).toEqual(expect.objectContaining({ path: expect.any(String), message: expect.any(String) }));
    }
  });
});

describe('WorkflowValidationError', () => {
  it('carries the problems as an RFC 9457 problem', () => {
    const result = loadWorkflow('document: { dsl: "1.0.3", namespace: t, name: n, version: "1.0.0" }\ndo:\n  - a: { run: { shell: { command: ls } } }\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const error = new WorkflowValidationError(result.problems);
    expect(error.onlyUnsupportedFeatures).toBe(true);
    expect(error.toProblemDetails()).toEqual({
      type: 'https://serverlessworkflow.io/spec/1.0.0/errors/validation',
      title: 'Workflow uses features Baton does not support yet',
      status: 400,
      detail: '/do/0/a: run: shell is not supported by Baton yet',
      problems: [{ path: '/do/0/a', feature: 'run.shell', message: 'run: shell is not supported by Baton yet', line: 3, column: 5 }],
    });
  });
});

describe('validateWorkflow: what the interpreter would refuse when a run starts', () => {
  // These passed the schema and were registered, then every run stayed pending: compiling the
  // workflow failed in the runner on each redelivery.
  it.each([
    ['P1Y', /invalid ISO 8601 duration "P1Y"/],
    [{ seconds: -1 }, /non-negative/],
    [{ days: 1e15 }, /longer than 100 years/],
    ['P99999999999999999999D', /longer than 100 years/],
  ])('refuses wait: %j at its path', (wait, message) => {
    const problems = validateWorkflow({ document: header, do: [{ nap: { wait } }] });
    expect(problems).toEqual([{ path: '/do/0/nap/wait', message: expect.stringMatching(message) }]);
  });

  it('accepts a duration given as an expression (checked when it is evaluated)', () => {
    expect(validateWorkflow({ document: header, do: [{ nap: { wait: '${ .delay }' } }] })).toEqual([]);
  });
});
