// Values nested 10,000 levels deep, jq 1.8.2's limits (issue 15): printing skips what lies
// deeper ("<skipped: too deep>"), parsing refuses it ("Exceeds depth limit for parsing"),
// paths longer than 10,000 steps, containment checks and object merges deeper than that fail
// with jq's messages, and comparing, sorting or walking such values simply works — on the
// TypeScript engine, with no recursion deep enough to overflow the JavaScript stack (that would
// show here as an UnsupportedError: compileJqNative never falls back).
//
// jq-wasm cannot be the reference here: its WebAssembly stack overflows ("memory access out of
// bounds") below 2,000 levels. The expected values are those of jq 1.8.2's own test suite
// (tests/jq.test, the regression tests for #3413 and its CVE fixes) and of a native jq.
import { describe, expect, it } from 'vitest';
import { compileJqNative } from '../src/jq/index.ts';

const deep = (n: number, inner = '[]', wrap = '[.]'): string => `reduce range(${n}) as $_ (${inner}; ${wrap})`;

const CASES: [string, unknown[]][] = [
  // printing and parsing (jq.test: N-1, N, N+1 with N = 10,000)
  [`${deep(9999)} | tojson | fromjson | flatten`, [[]]],
  [`${deep(10000)} | tojson | try (fromjson) catch . | (contains("<skipped: too deep>") | not) and contains("Exceeds depth limit for parsing")`, [true]],
  [`${deep(10001)} | tojson | contains("<skipped: too deep>")`, [true]],
  [`${deep(10001)} | tojson | .[10000:10030]`, ['[<skipped: too deep>]]]]]]]]]]']],
  [`${deep(100000)} | tostring | length`, [20021]],
  ['"[" * 10000 + "]" * 10000 | fromjson | flatten', [[]]],
  ['"[" * 10001 + "]" * 10001 | try fromjson catch (split(" (while")[0])', ['Exceeds depth limit for parsing at line 1, column 10001']],
  // paths (CVE-2026-33947)
  ['setpath([range(10000) | 0]; 0) | flatten', [[0]]],
  ['try setpath([range(10001) | 0]; 0) catch .', ['Path too deep']],
  ['getpath([range(10000) | 0])', [null]],
  ['try getpath([range(10001) | 0]) catch .', ['Path too deep']],
  ['delpaths([[range(10000) | 0]])', [null]],
  ['try delpaths([[range(10001) | 0]]) catch .', ['Path too deep']],
  [`${deep(9999)} | delpaths([[range(9999) | 0]]) | tojson | length`, [19998]],
  [`${deep(9999)} | getpath([range(9999) | 0])`, [[]]],
  // containment (CVE-2026-40612) and object merges (CVE-2026-43896)
  [`${deep(10000)} | contains([[]])`, [true]],
  [`${deep(10000)} as $x | $x | contains($x)`, [true]],
  [`try (${deep(10001)} as $x | $x | contains($x)) catch .`, ['Containment check too deep']],
  [`${deep(10000, '{}', '{a: .}')} as $x | $x * $x | length`, [1]],
  [`try (${deep(10001, '{}', '{a: .}')} as $x | $x * $x) catch .`, ['Object merge too deep']],
  // comparison, sorting, walking: no limit
  [`${deep(10001)} | . == .`, [true]],
  [`${deep(10001)} as $x | [$x == [$x], [$x] == [$x], $x < [$x]]`, [[false, true, true]]],
  [`${deep(10001)} | [., .] | sort | length`, [2]],
  [`${deep(10001)} | [., [.]] | unique | length`, [2]],
  [`${deep(10001)} | [., .] | group_by(.) | length`, [1]],
  [`${deep(10001, '{}', '{a: .}')} as $x | [$x, $x] | unique | length`, [1]],
  [`${deep(10001)} | [..] | length`, [10002]],
  [`${deep(10001)} | [paths | length] | max`, [10001]],
  [`${deep(10001)} | flatten`, [[]]],
  [`${deep(10001)} | [., nan] | .[1] | isnan`, [true]],
];

describe('values nested 10,000 levels deep, on the TypeScript engine', () => {
  it.each(CASES)('%s', (program, expected) => {
    expect(compileJqNative(program).all(null, {}, { timeoutMs: 20_000, maxValueBytes: 1 << 30 })).toEqual(expected);
  });

  it('outputs a value 10,001 levels deep as it is', () => {
    let [value] = compileJqNative(`${deep(10001)} | [., nan]`).all(null, {}, { timeoutMs: 20_000 }) as [unknown];
    expect((value as unknown[])[1]).toBeNull(); // nan comes out as null, the deep value intact
    value = (value as unknown[])[0];
    let depth = 0;
    for (; Array.isArray(value) && value.length > 0; depth++) value = value[0];
    expect(depth).toBe(10001);
  });
});
