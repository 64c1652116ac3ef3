// jq's manual examples (fixtures/jq/man.test, from jq 1.8.2) run on Baton's TypeScript engine
// only — never on the jq-wasm fallback.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileJqNative } from '../src/jq/index.ts';
import { readCases, sameJson } from './jq-cases.ts';

// jq's test harness runs with PAGER=less in its environment; the $ENV.PAGER examples rely on it.
const HARNESS_VARS = { ENV: { PAGER: 'less' } };

const cases = readCases(fileURLToPath(new URL('./fixtures/jq/man.test', import.meta.url)));

function runCase(c: (typeof cases)[number]): string | undefined {
  try {
    const program = compileJqNative(c.program);
    if (c.expectCompileError) return 'compiled, but a compile error was expected';
    const actual = program.all(c.input, HARNESS_VARS);
    if (actual.length === c.expected.length && actual.every((v, i) => sameJson(v, c.expected[i]))) return undefined;
    return `got ${JSON.stringify(actual)}, expected ${JSON.stringify(c.expected)}`;
  } catch (e) {
    if (c.expectCompileError) return undefined;
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

/**
 * The examples Baton is known to fail, by line in man.test, each with its reason. The test pins
 * this exact set: a new failure, or a listed one that now passes, fails it.
 */
const KNOWN_FAILURES: Record<number, string> = {};

describe('jq manual examples (man.test) on the TypeScript engine', () => {
  it('has the 231 cases of jq 1.8.2', () => {
    expect(cases).toHaveLength(231);
  });

  it('fails exactly the known failures', () => {
    const failures: string[] = [];
    const failedLines: number[] = [];
    for (const c of cases) {
      const problem = runCase(c);
      if (!problem) continue;
      failedLines.push(c.line);
      failures.push(`line ${c.line}: ${c.program}\n    ${problem}`);
    }
    console.log(`man.test: ${cases.length - failures.length}/${cases.length} passed${failures.length ? `; failures:\n${failures.join('\n')}` : ''}`);
    expect(failedLines).toEqual(Object.keys(KNOWN_FAILURES).map(Number));
  });
});
