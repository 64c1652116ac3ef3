// Reads jq's own test file format (tests/man.test): blocks separated by blank lines; line 1 the
// program, line 2 the input, then one expected output per line. `%%FAIL` blocks expect a
// compile error.
import { readFileSync } from 'node:fs';

export interface JqCase {
  line: number;
  program: string;
  input: unknown;
  expected: unknown[];
  expectCompileError: boolean;
}

export function readCases(path: string): JqCase[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const cases: JqCase[] = [];
  let block: { line: number; text: string[] } | undefined;
  const flush = (): void => {
    if (!block) return;
    const [program = '', input = 'null', ...outputs] = block.text;
    const fail = program.startsWith('%%FAIL');
    cases.push({
      line: block.line,
      program: fail ? input : program,
      input: fail ? null : (JSON.parse(input) as unknown),
      expected: fail ? [] : outputs.map((o) => JSON.parse(o) as unknown),
      expectCompileError: fail,
    });
    block = undefined;
  };
  lines.forEach((text, i) => {
    if (text.startsWith('#') && !block) return;
    if (text.trim() === '') return flush();
    if (!block) block = { line: i + 1, text: [] };
    block.text.push(text);
  });
  flush();
  return cases;
}

/** Deep equality with jq's number semantics (nan equals nan, -0 equals 0). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => sameJson(x, (b as unknown[])[i]));
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
