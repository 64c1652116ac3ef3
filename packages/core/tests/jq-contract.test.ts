import { describe, expect, it } from 'vitest';
import { checkJq, compileJq, JqCompileError, JqRuntimeError } from '../src/jq/index.ts';

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
});
