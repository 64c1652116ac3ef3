// Memory bounds of jq evaluation (issue 12, row 4): values are held to a size limit as they
// grow (maxValueBytes, default 16 MiB), so an expression that builds a huge value fast stops
// with JqLimitError, before it allocates it; and bulk work counts against the time limit.
import { describe, expect, it } from 'vitest';
import { compileJq, compileJqNative, DEFAULT_MAX_VALUE_BYTES, JqLimitError, JqTimeoutError } from '../src/jq/index.ts';
import { compileExpr, evalExpr } from '../src/interpreter/expressions.ts';
import { Fault } from '../src/interpreter/fault.ts';

const ROW_4 = ['reduce range(26) as $i ([1]; .+.)', '"x" * 5e7', 'reduce range(28) as $i ("x"; . + .)'];

function outcome(src: string, opts: { timeoutMs?: number; maxValueBytes?: number } = {}): unknown {
  try {
    return compileJqNative(src).all(null, {}, { timeoutMs: 5000, ...opts });
  } catch (e) {
    return e;
  }
}

describe('issue 12, row 4: expressions that build huge values', () => {
  it.each(ROW_4)('%s stops with JqLimitError', (src) => {
    const started = Date.now();
    const error = outcome(src);
    expect(error).toBeInstanceOf(JqLimitError);
    expect((error as JqLimitError).limitBytes).toBe(DEFAULT_MAX_VALUE_BYTES);
    expect((error as Error).message).toMatch(/^jq expression exceeded its value size limit of 16 MiB: an? (array|string) of \d+(\.\d)? MiB$/);
    expect(Date.now() - started).toBeLessThan(5_000); // "did not hang" (10 s and 60 s before)
  });

  it.each(ROW_4)('%s is stopped by the time limit too, when the size limit is out of the way', (src) => {
    expect(outcome(src, { timeoutMs: 20, maxValueBytes: Number.MAX_SAFE_INTEGER })).toBeInstanceOf(JqTimeoutError);
  });

  it('takes the limit per evaluation', () => {
    expect(outcome('"x" * 1000 | length', { maxValueBytes: 1000 })).toEqual([1000]);
    expect(outcome('"x" * 1001 | length', { maxValueBytes: 1000 })).toBeInstanceOf(JqLimitError);
    expect(compileJq('"x" * 5e6 | length').all(null, {}, { maxValueBytes: 64 * 1024 * 1024 })).toEqual([5e6]);
  });

  it('is not caught by try', () => {
    expect(outcome('try ("x" * 5e7) catch "caught"')).toBeInstanceOf(JqLimitError);
  });
});

describe('every way to build a big value fast is checked as it grows', () => {
  const limit = { maxValueBytes: 1024 * 1024 };
  it.each([
    '[range(1e8)]', '[limit(1e8; repeat(1))]', '[range(1e6)] | map(. * 2)', '[range(300000)] | implode', '"x" * 300000 | explode',
    '"x" * 600000 | . + .', '[range(1000)] | map("x" * 1000) | join("-" * 100)', '.[1e8] = 1', 'setpath([5e8]; 1)', '("x" * 100000) as $s | [range(20) | $s]',
    '("x" * 100000) as $s | [range(20) | [$s]]', 'reduce range(40) as $i (0; [., .])', 'reduce range(40) as $i (0; [., .]) | tojson',
    'reduce range(40) as $i (0; [., .]) | tostring', 'reduce range(40) as $i (0; [., .]) | flatten', '"x" * 600000 | @base64 | . + .',
    '"a" * 300000 | gsub("a"; "bbbb")', '"x" * 200000 | split("")', '"x" * 200000 | indices("x")', '[range(1e6) | tostring] | add',
    'reduce range(20) as $i ({a: 1}; . + {"k\\($i)": .}) | tojson', '"x" * 600000 | [., .] | tojson',
  ])('%s', (src) => {
    const started = Date.now();
    const error = outcome(src, { timeoutMs: 2000, ...limit });
    // The size limit, or for work done step by step, the step budget of the time limit.
    expect([JqLimitError, JqTimeoutError]).toContain((error as Error).constructor);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('leaves ordinary programs alone', () => {
    expect(outcome('reduce range(10000) as $i ([]; . + [$i]) | length')).toEqual([10000]);
    expect(outcome('reduce range(100000) as $i (""; . + "x") | length')).toEqual([100000]);
    expect(outcome('[range(100000)] | map(tostring) | join(",") | length')).toEqual([588889]);
    expect(outcome('(" " * 1e6 + "x") | [rtrim, ltrim, trim] | map(length)')).toEqual([[1000001, 1, 1]]);
  });

  // Found by tests/fuzz: tojson of a string was neither size-checked nor charged, and a string
  // slice walked the string uncharged — 25 rounds built 33 MiB in 6.5 s under a 250 ms limit.
  it('tojson of a string and string slices count against both limits', () => {
    const started = Date.now();
    expect(outcome('reduce range(25) as $i ([0, 1]; tojson | .[0:1e9])', { timeoutMs: 250 })).toBeInstanceOf(JqTimeoutError);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(outcome('reduce range(30) as $i ("\\\\"; tojson)', { timeoutMs: 60_000, ...limit })).toBeInstanceOf(JqLimitError);
    expect(outcome('reduce range(3) as $i ("a"; tojson) | .[1:-1]')).toEqual([JSON.stringify(JSON.stringify(JSON.stringify('a'))).slice(1, -1)]);
  });
});

describe('what a workflow sees', () => {
  it('a limit error faults the task like a timeout: an expression error naming the limit', () => {
    let fault: unknown;
    try {
      evalExpr(compileExpr('"x" * 5e7'), null, () => undefined, { instance: '/do/0/build' });
    } catch (e) {
      fault = e;
    }
    expect(fault).toBeInstanceOf(Fault);
    expect((fault as Fault).error).toMatchObject({
      type: 'https://serverlessworkflow.io/spec/1.0.0/errors/expression',
      status: 400,
      instance: '/do/0/build',
      detail: 'jq expression exceeded its value size limit of 16 MiB: a string of 47.7 MiB (in expression ""x" * 5e7")',
    });
  });
});
