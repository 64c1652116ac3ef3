import { describe, expect, it } from 'vitest';
import { expressionSource, isRuntimeExpression, validateWorkflow } from './index.ts';

const header = { dsl: '1.0.3', namespace: 'test', name: 'expressions', version: '0.1.0' };
const workflow = (tasks: unknown[], extra: Record<string, unknown> = {}) => ({ document: header, do: tasks, ...extra });
const invalid = (path: string) => ({ path, message: expect.stringMatching(/^invalid runtime expression: ./) });

describe('runtime expressions', () => {
  it('recognises ${ … } as the whole trimmed string only', () => {
    expect(isRuntimeExpression('${ .a }')).toBe(true);
    expect(isRuntimeExpression('  ${.a}\n')).toBe(true);
    expect(isRuntimeExpression('id: ${ .a }')).toBe(false);
    expect(isRuntimeExpression('.a')).toBe(false);
    expect(expressionSource(' ${ .a + 1 } ')).toBe('.a + 1');
    expect(expressionSource('.a + 1')).toBe('.a + 1');
  });

  it('compiles every ${ … } string anywhere in the document', () => {
    const tasks = [
      { a: { set: { ok: '${ .x + 1 }', bad: '${ .x + }', text: 'not ${ an expression' } } },
      { b: { call: 'http', with: { method: 'get', endpoint: '${ "https://x/" + }', headers: { h: '${ [ }' } } } },
      { c: { set: '${ {a: } }' } },
    ];
    expect(validateWorkflow(workflow(tasks))).toEqual([
      invalid('/do/0/a/set/bad'),
      invalid('/do/1/b/with/endpoint'),
      invalid('/do/1/b/with/headers/h'),
      invalid('/do/2/c/set'),
    ]);
  });

  it('reports an empty expression', () => {
    expect(validateWorkflow(workflow([{ a: { set: { x: '${ }' } } }]))).toEqual([
      { path: '/do/0/a/set/x', message: 'invalid runtime expression: the expression is empty' },
    ]);
  });

  it('reads bare strings as jq where the spec holds only an expression', () => {
    const tasks = [
      { a: { if: '.age <', set: { x: 1 } } },
      { b: { for: { in: '.items |', each: 'item' }, while: '.ok and', do: [{ c: { set: { x: 1 } } }] } },
      { d: { switch: [{ one: { when: '.n ==', then: 'end' } }, { other: { then: 'end' } }] } },
      { e: { set: { x: 1 }, input: { from: '{ a: }' }, output: { as: '.x |' }, export: { as: '$context +' } } },
      { f: { try: [{ g: { set: { x: 1 } } }], catch: { when: '.status ==', exceptWhen: ')', retry: { when: '(' } } } },
      { h: { listen: { to: { any: [{ with: { type: 't' }, correlate: { id: { from: '.id |' } } }], until: 'length >' } } } },
      { i: { set: '.a |' } },
    ];
    expect(validateWorkflow(workflow(tasks, { input: { from: '.[' }, output: { as: '.]' } }))).toEqual([
      invalid('/input/from'),
      invalid('/output/as'),
      invalid('/do/0/a/if'),
      invalid('/do/1/b/for/in'),
      invalid('/do/1/b/while'),
      invalid('/do/2/d/switch/0/one/when'),
      invalid('/do/3/e/input/from'),
      invalid('/do/3/e/output/as'),
      invalid('/do/3/e/export/as'),
      invalid('/do/4/f/catch/when'),
      invalid('/do/4/f/catch/exceptWhen'),
      invalid('/do/4/f/catch/retry/when'),
      invalid('/do/5/h/listen/to/any/0/correlate/id/from'),
      invalid('/do/5/h/listen/to/until'),
      invalid('/do/6/i/set'),
    ]);
  });

  it('accepts valid bare and wrapped expressions in those positions', () => {
    const tasks = [
      { a: { if: '.age < 18', set: { x: 1 } } },
      { b: { if: '${ .age >= 18 }', for: { in: '${ .items }' }, while: '.ok', do: [{ c: { set: { x: '${ $item }' } } }] } },
      { e: { set: { x: 1 }, output: { as: { total: '${ .x }', label: 'plain text' } }, export: { as: '$context + { a: 1 }' } } },
    ];
    expect(validateWorkflow(workflow(tasks))).toEqual([]);
  });

  it('does not read literal strings, metadata or inline JSON Schemas as expressions', () => {
    const tasks = [{ a: { set: { note: 'costs ${ 5 }, maybe' }, metadata: { raw: '${ not jq (' }, input: { schema: { document: { description: '${ [ }' } } } } }];
    expect(validateWorkflow(workflow(tasks, { document: { ...header, summary: '${ ( }' } }))).toEqual([]);
  });

  it('requires loop and catch variable names to be jq identifiers', () => {
    const tasks = [
      { a: { for: { each: '$pet', at: 'i-x', in: '.pets' }, do: [{ s: { set: { x: 1 } } }] } },
      { b: { try: [{ s: { set: { x: 1 } } }], catch: { as: 'err' } } },
    ];
    expect(validateWorkflow(workflow(tasks))).toEqual([
      { path: '/do/0/a/for/each', message: "'$pet' is not a valid variable name: letters, digits and '_', not starting with a digit (write it without '$': pet)" },
      { path: '/do/0/a/for/at', message: expect.stringContaining("'i-x' is not a valid variable name") },
    ]);
  });
});
