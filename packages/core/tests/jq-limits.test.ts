// Runaway protection and compile errors: evaluation never freezes the process, and checkJq
// reports malformed filters without throwing.
import { describe, expect, it } from 'vitest';
import { checkJq, compileJq, compileJqNative, JqCompileError, JqTimeoutError } from '../src/jq/index.ts';
import { MAX_CALL_DEPTH } from '../src/jq/budget.ts';
import { UnsupportedError } from '../src/jq/errors.ts';

describe('jq time and step budget', () => {
  it('stops last(range(1e9)) at the time limit on the TypeScript engine', () => {
    const program = compileJqNative('last(range(1e9))');
    const started = Date.now();
    expect(() => program.all(null, {}, { timeoutMs: 200 })).toThrow(JqTimeoutError);
    expect(() => program.all(null, {}, { timeoutMs: 200 })).toThrow('jq expression exceeded its time limit of 200 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('bounds memory growth such as [range(1e9)] by the same budget', () => {
    expect(() => compileJqNative('[range(1e9)] | length').all(null, {}, { timeoutMs: 100 })).toThrow(JqTimeoutError);
  });

  it('stops infinite loops written in jq (until, recursion, repeat)', () => {
    expect(() => compileJq('0 | until(false; . + 1)').all(null, {}, { timeoutMs: 100 })).toThrow(JqTimeoutError);
    expect(() => compileJq('[limit(1e9; repeat(1))] | length').all(null, {}, { timeoutMs: 100 })).toThrow(JqTimeoutError);
  });

  it('runs a program the engine lacks on jq-wasm, and stops it too when it runs away', () => {
    const lgamma = compileJq('[.[] | lgamma]');
    expect(lgamma.engine).toBe('jq-wasm');
    expect(lgamma.all([1])).toEqual([[0]]);
    const runaway = compileJq('1 | lgamma | until(false; .)');
    expect(runaway.engine).toBe('jq-wasm');
    const started = Date.now();
    expect(() => runaway.all(null, {}, { timeoutMs: 300 })).toThrow(JqTimeoutError);
    expect(Date.now() - started).toBeLessThan(5_000);
    // The worker was replaced: the fallback still works afterwards.
    expect(lgamma.all([1])).toEqual([[0]]);
  });

  it('does not overflow the stack on recursive jq functions', () => {
    const fib = compileJqNative('def fib: if . < 2 then . else (. - 1 | fib) + (. - 2 | fib) end; fib');
    expect(fib.all(20)).toEqual([6765]);
  });

  // Found by tests/fuzz: `.[(. - .)]` on 50,000 numbers ran 5.9 s, contains(.) 8.4 s, under 250 ms.
  it.each(['. - .', '.[(. - .)]', 'contains(.)', '. as $a | inside($a)'])('stops the pairwise comparisons of %s at the time limit', (src) => {
    const input = Array.from({ length: 50_000 }, (_, i) => i);
    const started = Date.now();
    expect(() => compileJqNative(src).all(input, {}, { timeoutMs: 250 })).toThrow(JqTimeoutError);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(compileJqNative(src).all([1, 2, 3], {}, { timeoutMs: 250 })).toEqual([src.includes('-') ? [] : true]);
  });

  // Found by tests/fuzz: listing or sorting a big object's keys is bulk work; in a loop that stops at
  // the first member (an error caught by `?`) it ran 1.8 s (`map(.v)?`) and 4.5 s (`keys`) under 250 ms.
  it.each(['.[] as $x | map(.v)?', '(.[] == nan) as $x | map(.v)? | add / length', '.[] as $x | keys | length', '.[] as $x | keys_unsorted | length', '.[] as $x | length', '[.[]] as $a | .[] as $x | $a | sort | length'])('charges the keys of a 10,000-member object in %s', (src) => {
    const input = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
    const started = Date.now();
    expect(() => compileJqNative(src).all(input, {}, { timeoutMs: 250 })).toThrow(JqTimeoutError);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('re-runs recursion deeper than the JavaScript stack on jq-wasm instead of failing', () => {
    const src = 'def f: if . < 20000 then (. + 1 | f), empty else . end; f';
    expect(() => compileJqNative(src).all(0)).toThrow(/recursion deeper than the JavaScript stack/);
    expect(compileJq(src).all(0, {}, { timeoutMs: 5000 })).toEqual([20000]);
  });

  it('hands recursion over to jq-wasm at a depth of its own, long before the JavaScript stack ends', () => {
    // Each level of this function holds several JavaScript frames until the last output is out.
    const deep = (n: number) => `def f: if . < ${n} then [(. + 1 | f), empty] else . end; f | [paths] | length`;
    expect(compileJqNative(deep(MAX_CALL_DEPTH - 1)).all(0)).toEqual([MAX_CALL_DEPTH - 1]);
    expect(() => compileJqNative(deep(MAX_CALL_DEPTH)).all(0)).toThrow(UnsupportedError);
    expect(compileJq(deep(2000)).all(0, {}, { timeoutMs: 5000 })).toEqual([2000]);
    const walked = `reduce range(${MAX_CALL_DEPTH * 2}) as $i (0; [.]) | walk(.) | [paths] | length`;
    expect(compileJq(walked).all(null, {}, { timeoutMs: 5000 })).toEqual([MAX_CALL_DEPTH * 2]);
  });

  it('gives the depth of a call back however it ends: output, error, break or a first output taken', () => {
    const n = MAX_CALL_DEPTH * 3;
    const programs: [string, unknown][] = [
      [`[range(${n}) | try (def f: error("x"); 0 | f) catch 1] | length`, n],
      [`[range(${n}) | first(def f: ., (. + 1 | f); f)] | length`, n],
      [`[range(${n}) | limit(2; def f: ., (. + 1 | f); f)] | length`, 2 * n],
      [`[range(${n}) | label $out | def f: ., break $out; f] | length`, n],
      [`[range(${n}) | (def f: if . > 0 then error("x") else . end; f)?] | length`, 1],
      [`[range(${n}) | isempty(def f: ., f; f)] | length`, n],
    ];
    for (const [src, expected] of programs) expect(compileJqNative(src).all(null), src).toEqual([expected]);
    expect(compileJqNative(`def f: ., f; first(f)`).first(1)).toBe(1);
  });
});

describe('jq compile errors', () => {
  const malformed = ['.a | {', '[1, 2', '.[', '"unterminated', 'if . then 1', '{a: }', '. as | .', 'reduce . as $x (0)', '1 +', ')', '.a..b', 'def f: 1', '@', '$', '"\\(1 +)"'];

  it.each(malformed)('checkJq(%j) returns a message and never throws', (src) => {
    const message = checkJq(src);
    expect(typeof message).toBe('string');
    expect(message!.length).toBeGreaterThan(0);
    expect(() => compileJq(src)).toThrow(JqCompileError);
  });

  it('reports unknown functions with jq\'s message', () => {
    expect(checkJq('nosuchfn(1)')).toMatch(/^nosuchfn\/1 is not defined/);
  });

  it('accepts variables that are only bound at evaluation time', () => {
    expect(checkJq('$context.user // $input.x')).toBeUndefined();
    expect(checkJq('.a | {x: .y}')).toBeUndefined();
  });

  it('raises an unbound variable at evaluation time as a compile error', () => {
    expect(() => compileJq('$nope').all(null, {})).toThrow(JqCompileError);
    expect(compileJq('$nope').all(null, { nope: 3 })).toEqual([3]);
  });
});
