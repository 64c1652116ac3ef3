// Generated programs for the differential test, one family per area where Baton's engine and
// jq 1.8.2 used to part ways (issue 15): parsing, paths and assignment, the builtins added or
// changed up to 1.8, numbers. Each case runs on both engines; every output and error message
// must agree. Programs are built from small tables, so a family covers its cross product.

export interface FamilyCase {
  family: string;
  program: string;
  input: unknown;
}

const cases = (family: string, programs: string[], inputs: unknown[] = [null]): FamilyCase[] =>
  programs.flatMap((program) => inputs.map((input) => ({ family, program, input })));

const cross = <A, B>(as: A[], bs: B[]): [A, B][] => as.flatMap((a) => bs.map((b): [A, B] => [a, b]));

// ---- parsing: `as` bindings take the whole expression before them (jq 1.8) ----

const BINARY = ['+', '-', '*', '/', '%', '==', '!=', '<', '<=', '>', '>=', 'and', 'or', '//'];
const UPDATES = ['=', '|=', '+=', '-=', '*=', '/=', '%=', '//='];

function bindings(): FamilyCase[] {
  const programs = [...BINARY, ...UPDATES].flatMap((op) => [
    `[. ${op} 2 as $x | $x]`,
    `[1, . ${op} 2 as $x | $x, 3]`,
    `[- . ${op} 2 as $x | $x]`,
    `. as $y | [$y ${op} 2 as $x | [$x, $y]]`,
    `[. ${op} 2 as [$x] ?// $x | $x]`,
    `reduce (. ${op} 2) as $x (0; . + 1)`,
    `[foreach . ${op} 2 as $x (0; . + 1; [$x, .])]`,
    `[. ${op} 2 as $x | . ${op} 3 as $z | [$x, $z]]`,
  ]);
  const odd = [
    '1 + 2 as $x | -$x', '[-1 as $x | 1, $x]', '"x" as $x | "a" + "y" as $y | $x + "," + $y', '[-. as $x | $x, 1]',
    '{a: (1 + 2 as $x | $x)}', '{a: 1 + 2 as $x | $x}', '{a: 1 | 2 as $x | $x}', 'try 1 as $x | $x', '1 + try 2 catch 3 as $x | [$x]',
    'if 1 + 2 as $x | $x then 5 else 6 end', '.[1 + 2 as $x | $x]?', '"\\(1 + 2 as $x | $x)"', 'def f: 1 + 2 as $x | $x; f',
    'label $f | 1 + 2 as $x | $x', '1 | 2 as $x | 3 as $y | [$x, $y]', '[1, 2 as $x | 3, 4]', '1 as $x | 2 + 3',
    '[-reduce -(1, 2) as $x (0; . + $x)]', '[-foreach -(1, 2) as $x (0; . + $x)]', '[reduce (1, 2) / (1, 2) as $i (0; . + $i)]',
    '[foreach (1, 2) / (1, 2) as $i (0; . + $i)]', 'reduce (1, 2) as $x (0; . + $x) as $y | $y * 10', 'reduce 1 // 2 as $x (0; . + $x)',
    'reduce 1, 2 as $x (0; . + $x)', '[foreach (1, 2) as $x (0; . + $x) as $x | $x]', '1 as $x | -$x as $y | [$x, $y]',
    '[-if true then 1 else 2 end]', '[-try 1]', 'try -.? catch .', '{x: try 1, y: try error catch 2, z: if true then 3 end}',
    '{x: 1 + 2, y: false or true, z: null // 3}', 'try error(0) // 1', 'if true then [.] else . end []', '[-(1, 2) as $x | $x]',
  ];
  return [...cases('parsing', programs, [5, null]), ...cases('parsing', odd)];
}

const PATTERNS = ['$a', '[$a]', '{a: $a}', '[$a, $b]', '{$a, b: [$c]}', '[[$a]]', '{a: [$a]}', '{"a": $a, $b}'];

function destructuring(): FamilyCase[] {
  const input = [[1], { a: 2 }, 3, [[4]], { a: 5, b: [6] }, 's', null, [7, 8], { a: [9] }];
  const pairs = cross(PATTERNS, PATTERNS).filter(([p, q]) => p !== q);
  const vars = (p: string): string => `[${['$a', '$b', '$c'].filter((v) => p.includes(v)).join(', ')}]`;
  const programs = pairs.flatMap(([p, q]) => {
    const all = vars(p + q);
    return [
      `[.[] as ${p} ?// ${q} | ${all}]`,
      `[.[] | . as ${p} ?// ${q} | if ($a | type) == "number" then $a else error("not a number") end]`,
      `reduce .[] as ${p} ?// ${q} (0; . + 1)`,
      `[foreach .[] as ${p} ?// ${q} (0; . + 1; ${all})]`,
    ];
  });
  const three = ['.[] as [$a] ?// {a: $a} ?// $a | [$a]', '.[] | . as {a:$a} ?// {a:$a} ?// {a:$a} | $a', '.[] as {a:$a} ?// {a:$a} ?// $a | $a',
    '.[] as $a ?// {a:$a} ?// {a:$a} | $a', '[.[] as [$a] ?// $a | if ($a | type) == "array" then error("x") else $a end]',
    '. as [$a] ?// $a | $a', '.[] as [$a, $b] ?// {a: $a} ?// $b | [$a, $b]', '. as {$a} ?// [$a] | error("in body")'];
  return [...cases('destructuring', programs, [input]), ...cases('destructuring', three, [input, [[3], [4], [5], 6]])];
}

const KEYWORDS = ['if', 'then', 'elif', 'else', 'end', 'as', 'def', 'reduce', 'foreach', 'try', 'catch', 'label', 'import',
  'include', 'and', 'or', '__loc__', 'module', 'not', 'true', 'false', 'null', 'break'];

function objectKeys(): FamilyCase[] {
  const input = Object.fromEntries(KEYWORDS.map((k, i) => [k, i]));
  const programs = KEYWORDS.flatMap((k) => [`{${k}: 1}`, `{${k}}`, `. as {${k}: $v} | $v`, `{a: 0, ${k}: 1, b: 2}`,
    `1 as $${k} | $${k}`, `[label $${k} | 1, break $${k}]`, `def f($${k}): $${k}; f(7)`, `. as [$${k}] | $${k}`, `1 as $${k} | {$${k}}`]);
  const vars = ['"k" as $y | {$y: 4}', '1 as $y | {$y: 4}', '"k" as $y | {$y}', '"k" as $y | {($y): 5}', '{$__loc__}',
    '1 as $x | "2" as $y | "3" as $z | {$x, as, $y: 4, ($z): 5, if: 6, foo: 7}', '{"a\\(1)": 2, @base64 "k": 3, (1, 2 | tostring): 4}',
    '. as {as: $kw, "str": $str, ("e" + "x"): $exp} | [$kw, $str, $exp]', '{$__loc__: 1}', '[.[] as $x | {$x: 1}]', '{"a": 1, b: 2, $__loc__, c: 3}',
    '{(0): 1}', '{([1]): 1}', '{({}): 1}', '{(1 + 1): 1}', '{("a" + "b"): 1}', '. as {(true): $foo} | $foo', '{(-1): 1}', '{(1, 2): 1}',
    '{non_const: ., (0): 1}', '{(null): 1}'];
  return [...cases('object-keys', programs, [input]), ...cases('object-keys', vars, [{ as: 8, str: 2, ex: 3 }, ['a', 'b']])];
}

// ---- paths and assignment ----

const PATH_FILTERS = ['.a', '.a[0]', 'map(.)', 'tostring', 'to_entries', 'reverse', 'first', 'last', 'nth(0)', 'select(true)',
  'if . then .a else .b end', 'getpath(["a"])', 'empty', 'error("x")', 'first(.a, .b)', 'limit(1; .a, .b)', 'skip(1; .a, .b)',
  '.a // .b', 'recurse', '..', 'null', '1', '.a | null', 'try .a catch .b', '.a?', 'label $f | .a, break $f', '.[]?', 'objects',
  'arrays', 'getpath(["a", 0])', 'paths', 'keys', '.a as $x | $x', '.a as $x | .b', 'def f: .a; f', '[.[]?] | .[0]', '{} | .a'];
const PATH_SUFFIXES = ['', ' | .[0]', ' | .c', ' | .[]', ' | .[1:]', ' | .[-1]'];

function pathExpressions(): FamilyCase[] {
  const programs = cross(PATH_FILTERS, PATH_SUFFIXES).flatMap(([f, s]) => [
    `[try path(${f}${s}) catch .]`, `try ((${f}${s}) = 1) catch .`, `try del(${f}${s}) catch .`,
  ]);
  return cases('paths', programs, [{ a: [{ b: 0 }], b: null }, [[1, 2], [3]]]);
}

const CONTAINERS = ['null', 'true', '1', '"abc"', '[1,2,3]', '{"a":1}'];
const KEYS = ['"a"', '0', '-1', '1.5', 'nan', '-10', '10', '{"start":1,"end":2}', '{"start":nan,"end":1}', '{"start":1}', '{}',
  '{"start":"x"}', '[1]', 'null', 'true', 'infinite', '-infinite', '1e300 * 1'];
const KEY_OPS = ['getpath([K])', 'setpath([K]; 9)', 'delpaths([[K]])', '.[K]', '.[K] = 9', '.[K] |= 9', 'del(.[K])', '[path(.[K])]', 'has(K)'];

function keyMatrix(): FamilyCase[] {
  const programs = cross(CONTAINERS, KEYS).flatMap(([c, k]) => KEY_OPS.map((op) => `${c} | try (${op.replaceAll('K', k)}) catch .`));
  return cases('path-keys', programs);
}

/** A fixed pseudo-random sequence, so the generated programs are the same on every run. */
function* lcg(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2147483648;
    yield x / 2147483648;
  }
}

function deletions(): FamilyCase[] {
  const pool = ['0', '1', '2', '-1', '-3', '-6', '9', '10', '-11', '1.5', '2:4', '-3:9', ':2', '8:', '-2:', 'nan', '1:nan', 'nan:2'];
  const random = lcg(15);
  const pick = (): string => pool[Math.floor(random.next().value! * pool.length)]!;
  const programs: string[] = [];
  for (let i = 0; i < 80; i++) {
    const keys = Array.from({ length: 2 + (i % 3) }, pick);
    programs.push(`try del(${keys.map((k) => `.[${k}]`).join(', ')}) catch .`);
  }
  const fixed = ['del(.[1], .[-6], .[2], .[-3:9])', 'del(.[2:4], .[0], .[-2:])', 'del(.[0][1], .[0][-1], .[1])', 'del(.[], .[0])',
    'delpaths([[1], [-1], [{"start": 2, "end": 4}]])', 'del(.[0, 0, 0])', 'del(.[-1, -1])', 'del(.. | select(. == 3))', 'del(.[.[0]])',
    'try delpaths(0) catch .', 'try delpaths([0]) catch .', 'try delpaths([[0, "a"]]) catch .', 'delpaths([])', 'delpaths([[]])',
    'to_entries | map(select(.key % 2 == 0)) | from_entries?', '[paths]', '[paths(type == "number")]', 'pick(.[1], .[-1]?)',
    'try pick(last) catch .', 'pick(first)', '.[] = 1', '.[] |= empty', '.[1:] = ["x"]', '.[1:] |= map(. * 10)', '.[2:4] = ([], ["a"])',
    '.[-1] = 5', 'try (.[-20] = 5) catch .', 'try (.[999999999] = 0) catch .', 'try (.[1e300] = 0) catch .', '.[1.7] = 5', '[.[1.2:3.5]]',
    '(.[] | select(. >= 2)) |= empty', '.[] += 2, .[] *= 2, .[] -= 2, .[] /= 2, .[] %= 2', 'to_entries', '.[0] |= {old: ., new: (. + 1)}',
    'reduce range(5) as $i ([]; .[$i * 2] = $i)', 'getpath([0, "a"])?', 'try getpath([0, "a"]) catch .', '[getpath([0], [1], [-1])]',
    'try setpath([0, "a"]; 1) catch .', 'setpath([]; 1)', 'try setpath(1; 1) catch .', 'try getpath(1) catch .', '[tostream] | fromstream(.[])'];
  return cases('deletions', [...programs, ...fixed], [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [[1, 2, 3], [4]]]);
}

const BOUNDS = ['null', '0', '1', '-1', '1.5', '-1.5', 'nan', 'infinite', '-infinite', '10', '-10', '1e18'];

function slices(): FamilyCase[] {
  const programs = cross(BOUNDS, BOUNDS).flatMap(([a, b]) => [`try .[${a}:${b}] catch .`, `try (.[${a}:${b}] = ["x"]) catch .`, `try del(.[${a}:${b}]) catch .`]);
  const nan = ['.[nan]', 'try (.[nan] = 9) catch .', '[.[1.1, 1.5, 1.7]]', 'try (.[1.5:3.5] = "xyz") catch .', 'try .[1.5] catch .', 'has(nan)',
    'try (.[{}] = 0) catch .', '(.[{}] = 0)?', 'try .["a"] catch .', 'try (.[[1]] = 1) catch .', '.[[1]]?', 'try .[{"start": "a"}] catch .'];
  return [...cases('slices', programs, [[0, 1, 2, 3, 4], 'abcde']), ...cases('slices', nan, [[0, 1, 2], 'abc', null])];
}

export function families(): FamilyCase[] {
  return [...bindings(), ...destructuring(), ...objectKeys(), ...pathExpressions(), ...keyMatrix(), ...deletions(), ...slices()];
}

export { cases, cross, lcg };
