// Differential test: every program of the corpus (jq's manual examples plus Baton's own set)
// runs on Baton's TypeScript engine and on the real jq 1.8.2 (jq-wasm); outputs, and error vs
// no error, must agree. Programs the engine does not implement must be reported as such (they
// fall back to jq-wasm in production), never give a different answer.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileJqNative, JqCompileError, JqRuntimeError } from '../src/jq/index.ts';
import { JqLimitError, JqTimeoutError } from '../src/jq/errors.ts';
import { callWasm, checkWasm } from '../src/jq/wasm-fallback.ts';
import { errorFromJq } from '../src/jq/wasm-messages.ts';
import { EXCEPTIONS, FAMILY_EXCEPTIONS, INPUTS, PROGRAMS, SYNTAX } from './jq-corpus.ts';
import { readCases, sameJson } from './jq-cases.ts';
import { families } from './jq-families.ts';
import { valueFamilies } from './jq-families-values.ts';


type Outcome =
  | { kind: 'values'; values: unknown[] }
  | { kind: 'compile-error' | 'runtime-error'; message: string }
  | { kind: 'unsupported'; message: string }
  | { kind: 'timeout' };

function realJq(program: string, input: unknown, timeoutMs = 500): Outcome {
  let result;
  try {
    result = callWasm(program, JSON.stringify(input), ['-c'], timeoutMs);
  } catch (e) {
    if (e instanceof JqTimeoutError) return { kind: 'timeout' };
    throw e;
  }
  if (result.exitCode === 0) {
    return { kind: 'values', values: result.stdout.split('\n').filter((l) => l !== '').map((l) => doubleOnly(JSON.parse(l))) };
  }
  const error = errorFromJq(result.exitCode, result.stderr);
  return { kind: error instanceof JqCompileError ? 'compile-error' : 'runtime-error', message: error.message };
}

/**
 * jq-wasm keeps number literals beyond the double range (`9E999999999`, decNumber); a jq without
 * decNumber, like Baton, has ±DBL_MAX there.
 */
function doubleOnly(v: unknown): unknown {
  if (v === Infinity) return Number.MAX_VALUE;
  if (v === -Infinity) return -Number.MAX_VALUE;
  if (Array.isArray(v)) return v.map(doubleOnly);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, doubleOnly(x)]));
  return v;
}

function baton(program: string, input: unknown, timeoutMs = 500): Outcome {
  let compiled;
  try {
    compiled = compileJqNative(program);
  } catch (e) {
    if (e instanceof JqCompileError) return { kind: 'compile-error', message: e.message };
    return { kind: 'unsupported', message: (e as Error).message };
  }
  try {
    return { kind: 'values', values: compiled.all(input, {}, { timeoutMs }) };
  } catch (e) {
    if (e instanceof JqCompileError) return { kind: 'compile-error', message: e.message };
    if (e instanceof JqRuntimeError) return { kind: 'runtime-error', message: e.message };
    if (e instanceof JqTimeoutError || e instanceof JqLimitError) return { kind: 'timeout' };
    throw e;
  }
}

/**
 * Both engines' outcomes. When only one of them ran out of time, it runs again with ten times
 * as much: the machine may just have been busy.
 */
function outcomes(program: string, input: unknown): { expected: Outcome; actual: Outcome } {
  let expected = realJq(program, input);
  let actual = baton(program, input);
  if (expected.kind === 'timeout' && actual.kind !== 'timeout') expected = realJq(program, input, 5000);
  if (actual.kind === 'timeout' && expected.kind !== 'timeout') actual = baton(program, input, 5000);
  return { expected, actual };
}

function agree(a: Outcome, b: Outcome): boolean {
  if (a.kind === 'values' && b.kind === 'values') {
    return a.values.length === b.values.length && a.values.every((v, i) => sameJson(v, b.values[i]));
  }
  return a.kind === b.kind;
}

const manCases = readCases(fileURLToPath(new URL('./fixtures/jq/man.test', import.meta.url)));
const corpus: { program: string; input: unknown }[] = [
  ...manCases.map((c) => ({ program: c.program, input: c.input })),
  ...PROGRAMS.flatMap((program) => INPUTS.map((input) => ({ program, input }))),
];

describe('differential: Baton jq engine vs jq 1.8.2 (jq-wasm)', () => {
  it('agrees on every program of the corpus, except the documented exceptions', { timeout: 300_000 }, () => {
    const mismatches: string[] = [];
    const unsupported = new Set<string>();
    const messageDiffs: string[] = [];
    let compared = 0;
    const exceptionsSeen = new Set<string>();
    for (const { program, input } of corpus) {
      const { expected, actual } = outcomes(program, input);
      if (actual.kind === 'unsupported') {
        if (expected.kind !== 'compile-error') unsupported.add(program);
        continue;
      }
      compared++;
      if (!agree(actual, expected) && Object.hasOwn(EXCEPTIONS, program)) {
        exceptionsSeen.add(program);
        continue;
      }
      if (!agree(actual, expected)) {
        mismatches.push(`${program}  on ${JSON.stringify(input).slice(0, 60)}\n    jq:    ${JSON.stringify(expected).slice(0, 300)}\n    baton: ${JSON.stringify(actual).slice(0, 300)}`);
      } else if (expected.kind === 'runtime-error' && actual.kind === 'runtime-error' && expected.message !== actual.message) {
        if (Object.hasOwn(EXCEPTIONS, program)) {
          exceptionsSeen.add(program);
          continue;
        }
        messageDiffs.push(`${program}: jq "${expected.message}" / baton "${actual.message}"`);
      }
    }
    console.log(`differential: ${corpus.length} evaluations (${new Set(corpus.map((c) => c.program)).size} programs), ${compared} compared, ${mismatches.length} mismatches, ${messageDiffs.length} differing error messages; falls back to jq-wasm: ${[...unsupported].join(' | ') || 'none'}`);
    if (mismatches.length) console.log(mismatches.join('\n'));
    if (messageDiffs.length) console.log(`error message differences:\n${[...new Set(messageDiffs)].join('\n')}`);
    console.log(`documented exceptions that differed: ${[...exceptionsSeen].join(' | ')}`);
    // Every listed exception must still be a real difference (no stale excuses).
    expect(Object.keys(EXCEPTIONS).filter((p) => !exceptionsSeen.has(p))).toEqual([]);
    expect(compared).toBeGreaterThan(3500);
    expect(mismatches).toEqual([]);
    expect(messageDiffs).toEqual([]);
  });
});

describe('differential: generated programs of each family that parted ways with jq 1.8.2 (issue 15)', () => {
  const cases = [...families(), ...valueFamilies()];
  it('agrees on every output and every error message', { timeout: 600_000 }, () => {
    const tally: Record<string, { evaluations: number; differ: number }> = {};
    const differences: string[] = [];
    const exceptionsSeen = new Set<string>();
    for (const { family, program, input } of cases) {
      const count = (tally[family] ??= { evaluations: 0, differ: 0 });
      count.evaluations++;
      const { expected, actual } = outcomes(program, input);
      const same = actual.kind === 'unsupported'
        ? expected.kind === 'compile-error'
        : agree(actual, expected) && !(expected.kind === 'runtime-error' && actual.kind === 'runtime-error' && expected.message !== actual.message);
      if (same) continue;
      if (Object.hasOwn(FAMILY_EXCEPTIONS, program)) {
        exceptionsSeen.add(program);
        continue;
      }
      count.differ++;
      differences.push(`[${family}] ${program}  on ${JSON.stringify(input).slice(0, 60)}\n    jq:    ${JSON.stringify(expected).slice(0, 300)}\n    baton: ${JSON.stringify(actual).slice(0, 300)}`);
    }
    console.log(`families: ${cases.length} evaluations; ${Object.entries(tally).map(([f, t]) => `${f} ${t.evaluations - t.differ}/${t.evaluations}`).join(', ')}`);
    if (differences.length) console.log(differences.join('\n'));
    expect(Object.keys(FAMILY_EXCEPTIONS).filter((p) => !exceptionsSeen.has(p))).toEqual([]);
    expect(differences).toEqual([]);
  });
});

describe('differential: syntax accepted by Baton\'s parser is jq syntax', () => {
  it.each(SYNTAX)('%s', (program) => {
    let accepted = true;
    try {
      compileJqNative(program);
    } catch (e) {
      accepted = !(e instanceof JqCompileError) && !/syntax error|not defined/.test((e as Error).message);
      if ((e as Error).name === 'UnsupportedError') accepted = false;
    }
    if (accepted) expect(checkWasm(program)).toBeUndefined();
  });
});
