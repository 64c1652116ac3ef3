// jq programs: the differential corpus and jq's manual examples, mutated (a token inserted, a
// slice dropped or doubled, two programs spliced, a program wrapped in a loop), random programs
// from a small grammar, and the shapes known to cost the most (backtracking regexes, values that
// double, deep recursion). Inputs: the corpus's, random JSON, and big values.
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { INPUTS, PROGRAMS, SYNTAX } from '../../../packages/core/tests/jq-corpus.ts';
import { readCases } from '../../../packages/core/tests/jq-cases.ts';
import { REGEX_PROGRAMS } from '../../../packages/core/tests/jq-regex-corpus.ts';
import { anyJson, anyNumber, anyString } from './hostile.ts';

const MAN = readCases(fileURLToPath(new URL('../../../packages/core/tests/fixtures/jq/man.test', import.meta.url)));

export const CORPUS: string[] = [...new Set([...PROGRAMS, ...SYNTAX, ...REGEX_PROGRAMS, ...MAN.map((c) => c.program)])];
const CORPUS_INPUTS: unknown[] = [...INPUTS, ...MAN.map((c) => c.input)];

/** What once stalled or crashed Baton (issue 12, rows 3–5), and their relatives. */
export const EXPENSIVE: string[] = [
  '("a"*40+"!") | test("^(a+)+$")', '("a"*30) | test("(a|aa)+$")', '"x" * 5e7', '"x" * 1e300', 'reduce range(26) as $i ([1]; .+.)', 'reduce range(60) as $i ("x"; .+.)',
  '[range(1e9)] | length', 'last(range(1e9))', 'def f: f; f', 'def f: [f]; f', 'def f: .+1 | f; 0 | f', '[recurse(. + 1)] | length', 'repeat(.)', '[limit(1e7; repeat(1))] | length',
  '0 | until(false; . + 1)', '[paths] | length', '[.. ] | length', 'tostream', 'reduce range(1e6) as $i ({}; .[$i|tostring] = $i) | length', 'def f: if . < 20000 then (. + 1 | f), empty else . end; 0 | f',
  '[range(1e5)] | combinations | length', '[range(30)] | [combinations(30)] | length', '"a" * 1e6 | test("(a*)*b")', '"a" * 100000 | gsub("a"; "bb") | length', '"a" * 300000 | [scan("a")] | length',
  '"a" * 1e6 | explode | implode | length', '[range(1e6)] | tojson | fromjson | length', '[range(1e6)] | sort | length', 'getpath([range(1e5)])', 'setpath([range(1e4)]; 1) | tojson | length',
  '"\\(1e400)"', '1e400 | tostring', 'infinite | floor', 'nan | tojson', '[nan, infinite, -infinite] | tojson | fromjson', '9007199254740993 | . + 1', '-0 | tostring', 'splits("(?<x>a)|b")',
  '$__prog_args', 'input', '[inputs]', 'debug', 'stderr', 'input_line_number', '$ENV.PATH', 'env.HOME', 'get_search_list', 'halt', 'halt_error', '"x" | halt_error(1)', 'ltrimstr("\\u0000")',
  '@base64d', '"=====" | @base64d', '"\\ud800" | @base64', '"\\udc00" | explode', '[55296] | implode', '[1114112] | implode', '[-1] | implode', 'tojson | .[0:1e9]', '.[1e9:]', '.[-1e400]', '.[nan]',
  'getpath(["a",{"start":1e400}])', 'limit(1e400; .)', 'range(0; 1e400; 1e-300) | empty', 'splits("")', 'ascii', '@sh "\\(. )"', 'fromjson', '"[" * 10000 | fromjson', '("[" * 600) + ("]" * 600) | fromjson | length',
  'tojson | test("(x+x+)+y")', 'input_filename', 'now | strftime("%Y")', '"x" | strptime("%Y")', 'mktime', '1e20 | todate', '-1e20 | todate', 'gmtime', 'strflocaltime("%c")', 'localtime', 'getpath(["__proto__"])',
  '.__proto__', '.constructor', '{"__proto__": 1} | keys', 'to_entries', 'with_entries(.key |= "__proto__")', 'from_entries', '[{"key":"__proto__","value":{"x":1}}] | from_entries | .x',
];

const TOKENS = ['|', ',', '.', '..', '[', ']', '{', '}', '(', ')', '"', '\\(', '?', '//', '?//', 'as $x', '$x', '$__loc__', 'reduce', 'foreach', 'def f: .;', 'if', 'then', 'else', 'end', 'try', 'catch', 'label $l', 'break $l',
  'limit(', 'range(1e9)', 'error', 'empty', 'not', 'recurse', 'tostream', 'fromstream(', 'getpath(', 'paths', '@base64d', '@sh', 'tojson', 'fromjson', 'test("(a+)+$")', 'splits(', 'implode', 'explode', '"\\ud800"',
  '1e400', '-0', 'nan', 'infinite', '9007199254740993', '"x" * 1e7', '$ENV', 'input', '.[1e9]', '.[-1:]', '|=', '+=', '//=', 'and', 'or', '==', '<', '*', '/', '%', '-', ';', ':', '\u0000', '\\u0000', '#', '\n'];

const mutation = fc.tuple(fc.constantFrom('insert', 'delete', 'double', 'splice', 'wrap', 'replace-number'), fc.nat(), fc.nat(), fc.constantFrom(...TOKENS), fc.constantFrom(...CORPUS));

function mutate(program: string, [how, a, b, token, other]: [string, number, number, string, string]): string {
  const at = program.length ? a % (program.length + 1) : 0;
  const to = Math.min(program.length, at + (b % 12));
  switch (how) {
    case 'insert':
      return `${program.slice(0, at)}${token}${program.slice(at)}`;
    case 'delete':
      return `${program.slice(0, at)}${program.slice(to)}`;
    case 'double':
      return `${program.slice(0, to)}${program.slice(at, to)}${program.slice(to)}`;
    case 'splice':
      return [`${program} | ${other}`, `(${program}) as $x | ${other}`, `[${program}, ${other}]`, `${program}${other.slice(b % (other.length + 1))}`][a % 4]!;
    case 'wrap':
      return [`reduce range(${b % 40}) as $i (.; ${program})`, `[limit(${b % 100}; ${program})]`, `try (${program}) catch .`, `def f: ${program}; f | f`, `path(${program})`, `[.[]? | ${program}]`, `${program} |= .`, `[recurse | ${program}?]`][a % 8]!;
    default:
      return program.replace(/\d+(\.\d+)?/, ['1e400', '-1', '1e9', '0', '2147483648', 'nan'][b % 6]!);
  }
}

const IDENT = fc.constantFrom('a', 'b', 'items', 'name', 'n', '__proto__', 'x y', '');
const FUNCS0 = ['length', 'keys', 'values', 'add', 'tostring', 'tonumber', 'tojson', 'fromjson', 'type', 'not', 'sort', 'unique', 'reverse', 'flatten', 'floor', 'sqrt', 'explode', 'implode', 'ascii_downcase', 'to_entries', 'from_entries', 'paths', 'leaf_paths', 'tostream', 'first', 'last', 'min', 'max', 'any', 'all', 'todate', 'fromdate', '@base64', '@base64d', '@uri', '@csv', '@html', 'infinite', 'nan', 'empty', 'halt_error', 'input', 'ltrimstr("a")', 'splits("a")', 'test("a+")', 'ascii', 'getpath(["a"])', 'env', 'now', 'gmtime', 'mktime'];
const FUNCS1 = ['map', 'select', 'recurse', 'path', 'has', 'contains', 'inside', 'startswith', 'endswith', 'split', 'join', 'test', 'match', 'capture', 'scan', 'sub', 'ltrimstr', 'range', 'limit(3;', 'first', 'error', 'getpath', 'delpaths', 'to_entries|map', 'with_entries', 'sort_by', 'group_by', 'unique_by', 'min_by', 'indices', 'index', 'splits', 'tojson|fromjson|', 'strftime', 'strptime', 'repeat', 'isempty', 'walk', 'until(. > 100;'];

/** A random program from a small grammar of jq. */
export const randomProgram: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant('.'),
    IDENT.map((k) => `.${JSON.stringify(k)}`),
    fc.oneof(anyNumber.map((n) => (Number.isFinite(n) ? String(n) : '0')), anyString.map((s) => JSON.stringify(s)), fc.constantFrom('null', 'true', '[]', '{}', '1e400', '-0')),
    fc.constantFrom(...FUNCS0),
    fc.tuple(tie('e'), fc.constantFrom('|', ',', '+', '-', '*', '/', '%', '==', '<', 'and', 'or', '//', '|=', '+=', '=')).chain(([l, op]) => tie('e').map((r) => `(${l} ${op} ${r})`)),
    tie('e').map((e) => `[${e}]`),
    fc.tuple(IDENT, tie('e')).map(([k, e]) => `{${JSON.stringify(k)}: ${e}}`),
    fc.tuple(fc.constantFrom(...FUNCS1), tie('e')).map(([f, e]) => (f.endsWith(';') || f.endsWith('|') ? `${f}${e})` : `${f}(${e})`)),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([c, t, e]) => `if ${c} then ${t} else ${e} end`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([s, i, u]) => `reduce ${s} as $x (${i}; ${u})`),
    fc.tuple(tie('e'), tie('e')).map(([s, u]) => `[foreach ${s} as $x (0; ${u})]`),
    fc.tuple(tie('e'), tie('e')).map(([b, r]) => `try ${b} catch ${r}`),
    fc.tuple(tie('e'), tie('e')).map(([b, r]) => `def f: ${b}; ${r} | f`),
    tie('e').map((e) => `"\\(${e})"`),
    tie('e').map((e) => `${e}?`),
    tie('e').map((e) => `.[${e}]`),
  ),
})).e;

export const jqProgram: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...CORPUS), weight: 3 },
  { arbitrary: fc.tuple(fc.constantFrom(...CORPUS), mutation).map(([p, m]) => mutate(p, m)), weight: 6 },
  { arbitrary: fc.tuple(fc.constantFrom(...CORPUS), mutation, mutation).map(([p, m1, m2]) => mutate(mutate(p, m1), m2)), weight: 2 },
  { arbitrary: randomProgram, weight: 5 },
  { arbitrary: fc.constantFrom(...EXPENSIVE), weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom(...EXPENSIVE), mutation).map(([p, m]) => mutate(p, m)), weight: 1 },
);

const bigInput: fc.Arbitrary<unknown> = fc.constantFrom(100, 10_000, 200_000).chain((n) => fc.constantFrom<unknown>('a'.repeat(n), Array.from({ length: Math.min(n, 50_000) }, (_, i) => i), Object.fromEntries(Array.from({ length: Math.min(n, 10_000) }, (_, i) => [`k${i}`, i]))));

export const jqInput: fc.Arbitrary<unknown> = fc.oneof({ arbitrary: fc.constantFrom(...CORPUS_INPUTS), weight: 5 }, { arbitrary: anyJson, weight: 4 }, { arbitrary: bigInput, weight: 1 });

export interface JqInput {
  program: string;
  input: unknown;
}

export const jqCase: fc.Arbitrary<JqInput> = fc.record({ program: jqProgram, input: jqInput });
