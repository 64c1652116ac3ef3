// Regular expressions run on RE2 (linear time): the hostile input of issue 12 (row 3), the
// translation from Oniguruma (flags, named captures, code-point offsets, Unicode classes), the
// fallback to jq-wasm for what RE2 cannot express — stopped by the time limit — and a
// differential run of a regex corpus against the real jq 1.8.2.
import { describe, expect, it } from 'vitest';
import { compileJq, compileJqNative, JqTimeoutError } from '../src/jq/index.ts';
import { callWasm } from '../src/jq/wasm-fallback.ts';
import { toRe2 } from '../src/jq/regex-syntax.ts';
import { REGEX_INPUTS, REGEX_PROGRAMS } from './jq-regex-corpus.ts';
import { sameJson } from './jq-cases.ts';

const run = (program: string, input: unknown = null): unknown[] => compileJqNative(program).all(input, {}, { timeoutMs: 5000 });

describe('issue 12, row 3: a regex cannot hold the process', () => {
  it('answers ("a"*40+"!") | test("^(a+)+$") with false, on the TypeScript engine', () => {
    const started = Date.now();
    expect(compileJq('("a"*40+"!") | test("^(a+)+$")').all(null)).toEqual([false]);
    expect(compileJqNative('("a"*40+"!") | test("^(a+)+$")').all(null)).toEqual([false]);
    expect(Date.now() - started).toBeLessThan(5_000); // "did not hang": it took ~190 s before
  });

  it('matches nested quantifiers on long inputs in linear time', () => {
    expect(run('("a" * 100000 + "!") | [test("^(a+)+$"), test("(a|aa)+!$"), ([match("(a*)*!") | .length])]')).toEqual([[false, true, [100001]]]);
  });

  it('stops a backtracking regex RE2 cannot express at the time limit (it runs on jq-wasm)', () => {
    const program = compileJq('("a" * 40 + "!") | test("^(a+)+(?=b)")');
    const started = Date.now();
    expect(() => program.all(null, {}, { timeoutMs: 300 })).toThrow(JqTimeoutError);
    expect(Date.now() - started).toBeLessThan(10_000);
    // The worker was replaced: such regexes still work afterwards.
    expect(compileJq('"ab" | test("a(?=b)")').all(null, {}, { timeoutMs: 5000 })).toEqual([true]);
  });
});

describe('the translation from Oniguruma to RE2', () => {
  it('maps the flags: g i x n p, and s (already jq\'s default)', () => {
    expect(run('"aXbx" | [match("x"; "gi") | .offset]')).toEqual([[1, 3]]);
    expect(run('"a\\nb" | [test("a.b"), test("a.b"; "s"), test("a.b"; "p")]')).toEqual([[false, false, true]]);
    expect(run('"abc" | [match(" b  # the b\\n c"; "x") | .string]')).toEqual([['bc']]);
    expect(run('"baa" | [match("a*"; "gn") | .string]')).toEqual([['aa']]);
    expect(() => run('"a" | test("a"; "q")')).toThrow('q is not a valid modifier string');
  });

  it('reports named and unnamed captures, unmatched ones with jq\'s key order', () => {
    expect(run('"2024-05" | capture("(?<year>\\\\d+)-(?<month>\\\\d+)")')).toEqual([{ year: '2024', month: '05' }]);
    const [m] = run('"ab" | match("(?<x>a)(c)?")') as [{ captures: object[] }];
    expect(m.captures).toEqual([{ offset: 0, length: 1, string: 'a', name: 'x' }, { offset: -1, string: null, length: 0, name: null }]);
    expect(Object.keys(m.captures[1]!)).toEqual(['offset', 'string', 'length', 'name']);
  });

  it('counts offsets and lengths in code points', () => {
    expect(run('"👋é👋ab" | [match("(👋)(\\\\w+)"; "g") | [.offset, .length, .captures[1].offset]]')).toEqual([[[0, 2, 1], [2, 3, 3]]]);
    expect(run('"a👋b👋c" | [sub("👋"; "-"), gsub("👋"; "-"), split("👋"; null)]')).toEqual([['a-b👋c', 'a-b-c', ['a', 'b', 'c']]]);
  });

  it('keeps Oniguruma\'s Unicode classes: \\w \\d \\s', () => {
    expect(run('"é٣\\u00a0_" | [test("^\\\\w\\\\d\\\\s\\\\w$"), test("^[\\\\w\\\\d\\\\s]+$")]')).toEqual([[true, true]]);
    expect(toRe2('\\w\\d\\s').source).toBe('[\\p{L}\\p{M}\\p{Nd}\\p{Pc}]\\p{Nd}[\\t-\\r \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]');
  });

  it('marks what RE2 answers differently on some inputs, and refuses what it cannot express', () => {
    expect(toRe2('a$')).toMatchObject({ endSensitive: true, asciiOnly: false });
    expect(toRe2('\\bword')).toMatchObject({ endSensitive: false, asciiOnly: true });
    for (const src of ['(a)\\1', 'a(?=b)', '(?<!a)b', '(?>a)', '\\xc3', '\\h', '(?P<n>a)']) expect(() => toRe2(src), src).toThrow();
    // `\b` on ASCII text runs on RE2; on other text, Oniguruma decides.
    expect(run('"a word" | test("\\\\bword")')).toEqual([true]);
    expect(() => run('"é word" | test("\\\\bword")')).toThrow(/needs a backtracking engine/);
    expect(compileJq('"é word" | test("\\\\bword")').all(null, {}, { timeoutMs: 5000 })).toEqual([true]);
  });
});

describe('differential: regexes on Baton vs jq 1.8.2 (jq-wasm)', () => {
  it('agrees on every program of the regex corpus, most of them without jq-wasm', { timeout: 120_000 }, () => {
    const mismatches: string[] = [];
    let native = 0;
    for (const program of REGEX_PROGRAMS) {
      for (const input of REGEX_INPUTS) {
        const reply = callWasm(program, JSON.stringify(input), ['-c'], 5000);
        const expected = reply.exitCode === 0 ? reply.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown) : 'error';
        try {
          compileJqNative(program).all(input, {}, { timeoutMs: 5000 });
          native++;
        } catch {
          // needs jq-wasm
        }
        let actual: unknown;
        try {
          actual = compileJq(program).all(input, {}, { timeoutMs: 5000 });
        } catch {
          actual = 'error';
        }
        const same = Array.isArray(actual) && Array.isArray(expected)
          ? actual.length === expected.length && actual.every((v, i) => sameJson(v, expected[i]))
          : actual === expected;
        if (!same) mismatches.push(`${program} on ${JSON.stringify(input)}: jq ${JSON.stringify(expected)}, baton ${JSON.stringify(actual)}`);
      }
    }
    const total = REGEX_PROGRAMS.length * REGEX_INPUTS.length;
    console.log(`regex differential: ${total} evaluations, ${native} on RE2, ${mismatches.length} mismatches`);
    expect(mismatches).toEqual([]);
    expect(native / total).toBeGreaterThan(0.75);
  });
});
