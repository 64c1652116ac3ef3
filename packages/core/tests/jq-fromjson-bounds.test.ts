// `fromjson` on texts built to stall the parser (fuzz seed 183480648: `"[" * 10000000 | fromjson`
// held the jq engine 3 s against its 250 ms limit). JSON.parse is one call no time limit can
// interrupt, so a text it would take seconds over never reaches it: one nested too deep for jq
// goes to the scanner, which stops at the depth limit; one whose elements alone outgrow the value
// size limit is refused before it is parsed; the scanner itself honours the time limit.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compileJqNative, JqLimitError, JqTimeoutError } from '../src/jq/index.ts';

const run = (program: string, timeoutMs = 1_000) => compileJqNative(program).all(null, {}, { timeoutMs, maxValueBytes: 16 * 1024 * 1024 });
/** The lengths of the texts JSON.parse was given while `fn` ran. */
function parsedLengths(fn: () => unknown): number[] {
  const spy = vi.spyOn(JSON, 'parse');
  try {
    fn();
  } catch {
    // the outcome is asserted by the caller
  }
  return spy.mock.calls.map(([text]) => String(text).length);
}

describe('fromjson on texts that would stall JSON.parse', () => {
  afterEach(() => vi.restoreAllMocks());

  it('ten million open brackets: jq’s depth error, without JSON.parse seeing the text', () => {
    expect(run('"[" * 10000000 | try fromjson catch (split(" (while")[0])')).toEqual(['Exceeds depth limit for parsing at line 1, column 10001']);
    expect(run('"{" * 10000000 | try fromjson catch (split(" (while")[0])')).toEqual(['Exceeds depth limit for parsing at line 1, column 10001']);
    expect(parsedLengths(() => run('"[" * 10000000 | fromjson'))).not.toContain(10_000_000);
  });

  it('brackets inside strings do not count toward the depth: a string of a million brackets parses at once', () => {
    expect(run('"[" * 1000000 | tojson | fromjson | length')).toEqual([1_000_000]);
    expect(parsedLengths(() => run('"[" * 1000000 | tojson | fromjson'))).toContain(1_000_002);
    expect(run('"[\\"]\\\\\\"[\\", [1]]" | fromjson')).toEqual([[']"[', [1]]]);
  });

  it('a text whose elements alone outgrow the value size limit is refused before it is parsed', () => {
    expect(() => run('"[" + ("1," * 3000000) + "1]" | fromjson')).toThrow(JqLimitError);
    expect(parsedLengths(() => run('"[" + ("1," * 3000000) + "1]" | fromjson'))).not.toContain(6_000_002);
    // Under the limit it parses as before.
    expect(run('"[" + ("1," * 100000) + "1]" | fromjson | length')).toEqual([100_001]);
  });

  it('the scanner (jq’s own syntax: nan, leading zeros) honours the time limit', () => {
    expect(() => run('"[" + ("nan," * 1500000) + "1]" | fromjson', 50)).toThrow(JqTimeoutError);
    expect(run('"[nan, 01, 1]" | fromjson | .[1:]')).toEqual([[1, 1]]);
  });
});
