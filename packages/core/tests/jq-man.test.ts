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

describe('jq manual examples (man.test) on the TypeScript engine', () => {
  it('has the 231 cases of jq 1.8.2', () => {
    expect(cases).toHaveLength(231);
  });

  it('passes at least 220 of them', () => {
    const failures: string[] = [];
    for (const c of cases) {
      const problem = runCase(c);
      if (problem) failures.push(`line ${c.line}: ${c.program}\n    ${problem}`);
    }
    const passed = cases.length - failures.length;
    console.log(`man.test: ${passed}/${cases.length} passed${failures.length ? `; failures:\n${failures.join('\n')}` : ''}`);
    expect(passed).toBeGreaterThanOrEqual(220);
  });
});
