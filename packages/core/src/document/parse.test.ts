import { describe, expect, it } from 'vitest';
import { loadWorkflow } from './index.ts';

const VALID = `document:
  dsl: '1.0.3'
  namespace: test
  name: hello
  version: '0.1.0'
do:
  - greet:
      set:
        message: hello
`;

describe('loadWorkflow: parsing', () => {
  it('loads a valid YAML document', () => {
    const result = loadWorkflow(VALID);
    expect(result).toEqual({ ok: true, document: expect.objectContaining({ do: [{ greet: { set: { message: 'hello' } } }] }) });
  });

  it('loads JSON, detected as YAML (a superset) or asked for explicitly', () => {
    const json = JSON.stringify({ document: { dsl: '1.0.3', namespace: 'test', name: 'hello', version: '0.1.0' }, do: [{ a: { set: { x: 1 } } }] });
    expect(loadWorkflow(json).ok).toBe(true);
    expect(loadWorkflow(json, 'json').ok).toBe(true);
  });

  it('reports a YAML syntax error with its line and column', () => {
    const text = 'document:\n  dsl: "1.0.3"\ndo:\n  - a: [1,\n  b: 2\n';
    const result = loadWorkflow(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatchObject({ path: '', message: expect.stringMatching(/^YAML syntax error: /), line: 5 });
    expect(result.problems[0]!.column).toBeGreaterThan(0);
  });

  it('reports duplicate keys as a syntax error with a position', () => {
    const result = loadWorkflow('document: {}\ndo: []\ndo: []\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatchObject({ message: expect.stringContaining('unique'), line: 3, column: 1 });
  });

  it('rejects input that is not strict JSON when JSON is asked for', () => {
    const result = loadWorkflow('{ "document": {}, }', 'json');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]!.message).toMatch(/^JSON syntax error: /);
  });

  it.each([
    ['empty text', ''],
    ['blank text', '  \n\t\n'],
    ['only a comment', '# nothing here\n'],
  ])('reports %s as an empty document', (_label, text) => {
    expect(loadWorkflow(text)).toEqual({ ok: false, problems: [{ path: '', message: 'the document is empty' }] });
  });

  it.each([
    ['a list', '- a\n- b\n', 'an array'],
    ['a scalar', 'hello\n', 'a string'],
    ['a number', '42\n', 'a number'],
  ])('rejects %s at the top level', (_label, text, kind) => {
    const result = loadWorkflow(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ path: '', message: expect.stringContaining(`not ${kind}`) });
  });

  it('reports several documents in one file', () => {
    const result = loadWorkflow(`${VALID}---\n${VALID}`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatchObject({ message: expect.stringContaining('a single workflow document'), line: 10 });
  });

  it('gives validation problems the line and column of the node they point at', () => {
    const text = VALID.replace('      set:\n        message: hello\n', '      set:\n        message: hello\n      sett: 1\n');
    const result = loadWorkflow(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      { path: '/do/0/greet/sett', message: expect.stringContaining("unknown property 'sett' of a set task"), line: 10, column: 7 },
    ]);
  });

  it.each([
    ['a recursive alias', 'document: &x\n  self: *x\n', '/document/self', 'its own ancestor'],
    ['a !!binary value', 'document:\n  blob: !!binary aGVsbG8=\n', '/document/blob', 'not JSON data'],
    ['a !!set value', 'do: !!set { a }\n', '/do', 'not JSON data'],
  ])('rejects %s: a workflow is JSON data', (_label, text, path, message) => {
    const result = loadWorkflow(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([expect.objectContaining({ path, message: expect.stringContaining(message), line: expect.any(Number) })]);
  });

  it('never throws, whatever the input', () => {
    for (const text of ['{', ']]]', '*alias', '!!binary zz', 'a: &x [*x]', '\u0000', 'document: !!int x']) {
      expect(() => loadWorkflow(text)).not.toThrow();
      expect(loadWorkflow(text).ok).toBe(false);
    }
  });
});
