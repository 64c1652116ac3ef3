import { describe, expect, it } from 'vitest';
import { checkJq, compileJq, compileJqNative, JqCompileError, JqRuntimeError } from '../src/jq/index.ts';

describe('jq contract', () => {
  it('evaluates with variables', () => {
    const program = compileJq('{x: .y, who: $context.name}');
    expect(program.all({ y: 2 }, { context: { name: 'n' } })).toEqual([{ x: 2, who: 'n' }]);
    expect(compileJq('.[]').first([7, 8])).toBe(7);
    expect(compileJq('empty').first(1)).toBeUndefined();
  });
  it('caches programs by source', () => {
    expect(compileJq('.a')).toBe(compileJq('.a'));
  });
  it('reports compile errors', () => {
    expect(() => compileJq('.a | {')).toThrow(JqCompileError);
    expect(checkJq('.a | {')).toMatch(/syntax error/);
    expect(checkJq('nosuchfn')).toMatch(/nosuchfn\/0 is not defined/);
    expect(checkJq('$context.x')).toBeUndefined();
  });
  it('raises runtime errors with jq messages and values', () => {
    expect(() => compileJq('error("boom")').all(null)).toThrow(new JqRuntimeError('boom'));
    try {
      compileJq('error({a: 1})').all(null);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(JqRuntimeError);
      expect((error as JqRuntimeError).value).toEqual({ a: 1 });
    }
    expect(() => compileJq('1 + "a"').all(null)).toThrow('number (1) and string ("a") cannot be added');
  });
  it('refuses a strptime format too long to match with a jq error, not the engine’s (a fuzzer finding)', () => {
    const long = 'a'.repeat(200_000);
    expect(() => compileJq('strptime(.)').all(long)).toThrow(new JqRuntimeError('strptime/1: the format (200,000 characters) is too long to match'));
    expect(compileJq('try strptime(.) catch "caught"').all(long)).toEqual(['caught']);
    expect(compileJq('strptime(.)').all('a'.repeat(1_000))).toEqual([[1900, 0, 1, 0, 0, 0, 1, 0]]);
  });
  it('runs typical expressions on the TypeScript engine', () => {
    for (const src of ['.a.b', '{x: .y}', 'map(select(.ok))', '"Hello \\(.name)"', '.items | length > 0']) {
      expect(compileJq(src).engine).toBe('native');
    }
  });
  it('re-runs a program on jq-wasm when it meets an Oniguruma-only regex at run time', () => {
    const program = compileJq('[.[] | test("(?>a)b")]');
    expect(program.all(['ab', 'b'])).toEqual([[true, false]]);
    expect(() => compileJqNative('[.[] | test("(?>a)b")]').all(['ab'])).toThrow(/regex/);
    // jq errors inside the same program are still jq errors, not fallbacks.
    expect(() => program.all([1])).toThrow('number (1) cannot be matched, as it is not a string');
  });
  it('keeps object key order and never mutates its input', () => {
    const input = { b: 1, a: { c: [1, 2] } };
    const snapshot = JSON.stringify(input);
    expect(Object.keys(compileJq('{z: 1, y: 2, x: 3}').first(null) as object)).toEqual(['z', 'y', 'x']);
    compileJq('.a.c[0] = 9 | .b += 1 | del(.a)').all(input);
    expect(JSON.stringify(input)).toBe(snapshot);
    expect(compileJq('keys').first(input)).toEqual(['a', 'b']);
  });
  it('does not expose the host environment to expressions unless ENV is bound', () => {
    process.env.BATON_JQ_SECRET = 'hunter2';
    expect(compileJq('$ENV.BATON_JQ_SECRET, env.BATON_JQ_SECRET').all(null)).toEqual([null, null]);
    expect(compileJq('$ENV.X').all(null, { ENV: { X: 'bound' } })).toEqual(['bound']);
    delete process.env.BATON_JQ_SECRET;
  });
});
