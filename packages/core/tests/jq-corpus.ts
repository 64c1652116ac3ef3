// Programs for the differential test (Baton's engine vs jq 1.8.2 in jq-wasm), typical of
// workflow expressions plus edge cases of the language. Each runs on every INPUT below.

export const INPUTS: unknown[] = [
  null,
  0,
  -2.5,
  'Hello, wörld 👋',
  [3, 1, 2, 2, null, 'a', [1], { b: 1 }],
  {
    a: { b: 1, c: [1, 2, 3] },
    y: 'yes',
    name: 'Ada',
    ok: true,
    items: [
      { id: 'i1', ok: true, price: 10.5, qty: 2, tags: ['x', 'y'] },
      { id: 'i2', ok: false, price: 3, qty: 0, tags: [] },
      { id: 'i3', ok: true, price: 7, qty: 1, tags: ['y'] },
    ],
    user: { first: 'Ada', last: 'Lovelace', email: 'ada@example.com', age: 36 },
    when: '2024-02-29T12:34:56Z',
    n: 42,
    s: '  padded text  ',
    empty: {},
    list: [],
    nested: { deep: { er: { est: [0, { x: null }] } } },
  },
  [{ name: 'b', v: 2 }, { name: 'a', v: 1 }, { name: 'c', v: 2 }],
];

export const PROGRAMS: string[] = [
  // access
  '.', '.a', '.a.b', '.a.c[1]', '.a.c[-1]', '.a.c[5]', '.["a"]', '.a["b"]', '."a"', '.a?', '.a.b.c.d?', '.[0]', '.[-1]',
  '.[1:3]', '.[:2]', '.[-2:]', '.[2:1]', '.[1.7]', '.[]', '.[]?', '.a[]', '.items[].id', '.items[]?.tags[]?', '..',
  '[..]', '[.. | numbers]', '.a.c[1:]', '.user | .first', '.nested.deep.er.est[1].x', '.["items"][0]["price"]',
  '.a.[0]?', '.a."b"', 'try .a catch "no"', '.[.n]?', '.a as $x | $x', '.a?.b?', '[.[]?]', '.. |= .', 'getpath(["a","b"])',
  // construction
  '{x: .y}', '{a, n}', '{"k": .n, "l": [.n]}', '{(.name? // "k"): 1}', '{user: .user.first, total: (.items | length)}',
  '{a: 1} + {b: 2}', '{a: {b: 1}} * {a: {c: 2}}', '[.items[]? | {id, cost: (.price * .qty)}]', '[1, 2, 3]', '[]', '{}',
  '[.[]?, 1]', '{a: (1, 2), b: (3, 4)}', '{"a\\(1)": 2}', '{$__loc__}', '[range(5)]', '[range(2; 10; 3)]', '[range(5; 0; -2)]',
  '{(.items[]?.id): true}', '[limit(2; .[]?)]', '{a: .a?.b?}', '[.user?[]?]', '{x: 1} | .x += 1', '[{a: 1}, {a: 2}] | map(.a)',
  // pipes, comma, alternative
  '.a // "default"', '.missing // .y // "z"', '(.a, .n) // 1', 'empty // 42', '(false, null) // 3', '.[]? // "none"',
  '1, 2 | . * 10', '(1, 2) as $x | $x + 1', '[.items[]? | select(.ok) | .id]', 'first(.items[]?)', 'last(.items[]?)',
  '.a | .b', 'null | not', '[true, false, null, 1] | map(not)', '.ok and .n > 3', '.ok or error("x")', 'false and error("x")',
  // map/select/sort
  'map(.)', 'map(select(.ok))', '.items | map(select(.ok))', '.items | map(select(.price > 5) | .id)', 'map(. * 2)?',
  '.items | sort_by(.price)', '.items | sort_by(.ok, -.price) | map(.id)', 'sort', 'sort_by(type)', 'group_by(.v)?',
  '.items | group_by(.ok) | map(length)', 'unique', 'unique_by(.v)?', 'min', 'max', 'min_by(.v)?', 'max_by(.v)?',
  '.items | min_by(.price) | .id', '.items | max_by(.ok) | .id', 'reverse', 'add', '.items | map(.price) | add',
  'add(.items[]?.qty)', 'any', 'all', 'any(. == 2)?', 'all(type == "number")?', 'any(.items[]?; .ok)', 'all(.items[]?; .ok)',
  'flatten', 'flatten(1)?', '[[1, [2]], 3] | flatten(0)', 'length', 'utf8bytelength?', 'keys?', 'keys_unsorted?', 'to_entries?',
  'to_entries? | from_entries', 'with_entries(.value |= tostring)?', 'map_values(type)?', 'has("a")?', 'has(0)?',
  '.items | map(has("qty"))', 'in({"a": 1})?', '[.[]? | numbers]', '[.[]? | strings]', '[.[]? | arrays]', '[.[]? | objects]',
  '[.[]? | iterables]', '[.[]? | scalars]', '[.[]? | values]', '[.[]? | nulls]', '[.[]? | booleans]', 'transpose?',
  '[[1,2],[3]] | transpose', 'indices(1)?', 'index("l")?', 'rindex("l")?', '"a,b, cd, efg" | indices(", ")',
  '[1,2,1,2] | indices([1,2])', 'contains("ell")?', 'contains({a: {b: 1}})?', 'inside({"a": 1})?', '[1,2] | inside([1,2,3])',
  'combinations?', '[[1,2],[3,4]] | [combinations]', '[0,1] | [combinations(2)]', 'walk(if type == "number" then . + 1 else . end)',
  'tostream?', '[tostream] | fromstream(.[])', '[1|truncate_stream([[0],1],[[1,0],2],[[1,0]],[[1]])]', 'bsearch(2)?',
  '[1,2,3] | bsearch(2.5)', 'IN(1, 2)', '[.[]? | IN(2, 3)]', 'INDEX(.name)?', '.items | INDEX(.id) | keys', 'pick(.a.b)?',
  'pick(.[1])?', 'splits(", ")?', '[paths]', '[paths(type == "number")]', '[leaf_paths?]', 'getpath(["x", 0])?',
  'isempty(.[]?)', '[limit(3; repeat(1))]', '[first(range(10)), last(range(10)), nth(5; range(10))]', '[skip(2; .[]?)]',
  'nth(1)?', 'first?', 'last?', '[range(3)] | .[1:] ', 'until(. > 100; . * 2)?', '[while(. < 100; . * 2)]?', '[recurse(if . < 3 then . + 1 else empty end)]?',
  '[.a? | recurse]', '[recurse(.[]?; . != null)]', 'env | type', '$ENV | type', 'input_filename', '$__loc__', 'builtins | length > 100',
  // strings
  '"Hello \\(.name?)"', '"\\(.n?) items, first \\(.items?[0].id?)"', '"x\\(1, 2)y\\(3, 4)"', '@base64 "v=\\(.n?)"', '@json "v=\\(.y?)"',
  '@html "<b>\\(.name?)</b>"', '@uri "q=\\(.user?.email?)"', '@sh "echo \\(.y?)"', '@text', '@json', '@html', '@uri', '@csv?', '@tsv?',
  '@sh?', '@base64', '@base64 | @base64d', '"a b" | @uri', '[1, "a,b", null, true] | @csv', '[1, "a\\tb"] | @tsv', '"\'" | @sh',
  'tostring', 'tojson', 'tojson | fromjson', '.. | tostring?', 'tonumber?', '"12.5" | tonumber', '"abc" | tonumber?', '"1e3" | tonumber',
  'ascii_downcase?', 'ascii_upcase?', '.s? | trim, ltrim, rtrim', 'ltrimstr("He")?', 'rtrimstr("👋")?', 'trimstr("a")?',
  'startswith("He")?', 'endswith("👋")?', 'explode?', 'explode? | implode', '[65, 128512] | implode', 'split(", ")?', 'split(",\\\\s*"; null)?',
  '"a1b22c" | [splits("[0-9]+")]', 'join(", ")?', '["a", 1, null, true] | join("-")', 'test("ell")?', 'test("ELL"; "i")?',
  '[match("l+"; "g") | .offset]?', 'capture("(?<first>\\\\w+), (?<second>\\\\w+)")?', '[scan("[a-z]")]?', '[scan("(l)(o)")]?',
  'sub("l"; "L")?', 'gsub("l"; "L")?', 'gsub("(?<c>[aeiou])"; "<\\(.c)>")?', 'sub("^\\\\s+"; "")?', 'gsub(""; "-")?',
  '"abc" | [match(""; "g") | .offset]', '"aXbX" | split("x"; "gi")', '"test 123" | test("\\\\d+")', '"foo bar" | gsub("\\\\s"; "_")',
  '"2024-02-29T12:34:56Z" | fromdate', '.when? | fromdate?', '1700000000 | todate', '1700000000 | gmtime', '1700000000 | gmtime | mktime',
  '1700000000 | strftime("%Y-%m-%d %H:%M:%S %a %b %j")', '"2015-03-05T23:51:47Z" | strptime("%Y-%m-%dT%H:%M:%SZ")',
  '"10:30 2020-01-02" | strptime("%H:%M %Y-%m-%d") | mktime', '1425599507 | todateiso8601', '"2015-03-05T23:51:47Z" | fromdateiso8601',
  '1700000000.5 | gmtime', '0 | todate', 'now | type', 'ltrimstr(1)?', '"abc" | .[1:]', '"héllo" | .[1:3]', '"abc" | length',
  '"x" * 3', '"x" * 0', '"a,b,c" / ","', '"abc" | test("")', '"aaa" | indices("aa")', '"a\\u0000b" | tojson', '"\\u007f" | tojson',
  // arithmetic and comparison
  '.n + 1', '.n - 1', '.n * 2', '.n / 5', '.n % 5', '-.n?', '1 / 3', '10 % 3, -10 % 3, 10 % -3', '5.5 % 2', '1e3', '1.5e300 * 1e10',
  '[1, 1.0, 1.5, 100000000000000000000, 0.1 + 0.2] | tojson', '[1e17, 1e-5, 1e21, 1.5e-7, 123456789e20, 3.0] | map(. * 1) | tojson',
  '[.n?, 3] | max', '1 == 1.0', '"a" < "b"', '[] < {}', 'null < false', '{a: 1} == {a: 1}', '[1, 2] < [1, 3]', '{"a":1} < {"b":0}',
  '. == .', 'infinite', '-infinite', 'nan | isnan', '[nan] | sort', 'nan < 1', '[1, nan] | min', 'infinite | tostring', '[1,2] - [2]',
  '{} - {}', '1 + "a"', 'null + 1', '[] + null', '"a" + "b"', '{} * 2', '[] / 1', '1 / 0', '0 / 0', '1 % 0', 'floor?', 'sqrt?',
  '[4.5, -4.5] | map(round)', '[2.5, 3.5, -2.5] | map(rint)', '[2.7, -2.7] | map(trunc)', 'pow(2; 10)', 'log? | floor?', '[1, 10] | map(log10)',
  '16 | sqrt', '-5 | fabs', '[-5, 5] | map(abs)', 'abs?', '8 | cbrt', '10 | significand', '10 | logb', '[10 | frexp]', '3.7 | modf',
  'ldexp(3; 2)', 'fmin(1; 2), fmax(1; 2)', 'atan2(1; 1)', '1 | exp', 'infinite | isinfinite', '1 | isnormal', '0 | isnormal',
  'copysign(3; -1)', 'drem(10; 3)', 'fma(2; 3; 4)', 'hypot(3; 4)', 'exp10?', '100 | exp2 | isinfinite', 'have_literal_numbers',
  'toboolean?', '["true", false] | map(toboolean)', 'splits("a")?', 'getpath(["a"]) = 3', 'type',
  // updates and paths
  '.a.b |= . + 1', '.a.b = 5', '.a.b += 2', '.a.b -= 2', '.a.b *= 3', '.a.b /= 2', '.a.b %= 2', '.missing //= 7', '.a.x //= 7',
  '.items[]?.price |= . * 2', '.items |= map(select(.ok))', '(.items[]? | select(.ok) | .price) |= 0', '.[0] = 9', '.[-1] |= 1',
  '.[1:3] = ["x"]', '.[1:] |= map(1)?', 'del(.a)', 'del(.items[0, 2])', 'del(.[0])?', 'del(.. | select(. == null))?', 'del(.[])?',
  'to_entries?', 'delpaths([["a", "b"]])', 'setpath(["a", "q"]; 1)', 'setpath([0]; 1)?', 'setpath([]; 1)', '[path(..)]',
  'path(.a[0].b)', '[path(.items[]? | select(.ok))]', 'path(1)?', 'path(.a | 1)', '.a |= empty', '.[] |= empty', '(.a, .b) = 1',
  '(.a, .b) |= (1, 2)', '.a = (1, 2)', '.a += (1, 2)', '.x.y.z = 1', '.[3] = 1', '.a[1:2] = [9, 9]', 'map_values(empty)?',
  'with_entries(select(.value | type == "number"))?', 'paths(..) | length', '[paths(arrays)]', 'getpath(["a", "b", "c"])?',
  'try getpath(["a", 0]) catch "err"', 'reduce (.items[]? | .price) as $p (0; . + $p)', 'reduce .[]? as $x (0; . + 1)',
  'reduce range(5) as $x ([]; . + [$x * $x])', 'reduce empty as $x (3; . + 1)', 'reduce range(3) as $x (0; empty)',
  'reduce range(3) as $x (0, 10; . + $x)', '[foreach range(5) as $x (0; . + $x)]', '[foreach range(5) as $x (0; . + $x; [$x, .])]',
  '[foreach (1, 2) as $x (0; (. + $x), (. * 10))]', '[foreach range(3) as $x ({}; .[$x | tostring] = $x; length)]',
  '. as [$a, $b] | [$a, $b]', '. as {a: $x} ?// [$x] | $x', '.[]? as [$a] ?// $a | $a', '. as {$a, $n} | [$a, $n]',
  '. as {user: {first: $f}} | $f', '.[]? as {name: $n} | $n', '. as [$a, [$b]] | $b', 'label $out | 1, 2, break $out, 3',
  '[label $f | range(10) | ., (select(. == 3) | break $f)]', 'first(empty)', '[limit(0; 1, 2)]', 'limit(-1; 1)', 'nth(-1; 1)',
  // functions and control flow
  'def f: . + 1; 3 | f', 'def f(g): [g, g]; f(1, 2)', 'def f($a; $b): $a + $b; f(1; 2)', 'def f(a; $b): a + $b; f(.n?; 10)',
  'def fac: if . <= 1 then 1 else . * (. - 1 | fac) end; 10 | fac', 'def f: def g: 3; g * 2; f', 'def f(x): x | x; 2 | f(. * .)',
  'def addvalue(f): f as $x | map(. + $x); [[1, 2], [10, 20]] | addvalue(.[0])', 'def f: reduce .[] as $x (0; . + $x); [[1, 2]] | map(f)',
  'def g: 1; def f: g; def g: 2; f', 'def f($x): $x | . + x; f(1)', 'def fib: if . < 2 then . else (. - 1 | fib) + (. - 2 | fib) end; 20 | fib',
  'if . then 1 else 2 end', 'if .ok then "y" end', 'if . == 0 then "zero" elif . == 1 then "one" else "many" end',
  'if (true, false) then 1 else 2 end', 'try error("x") catch .', 'try error({a: 1}) catch .a', 'try error catch .', 'try error(null) catch .',
  '[.[]? | try (if . == 2 then error("two") else . end) catch "caught"]', 'try (1, error("x"), 3) catch .', '(1, error("x"), 3)?',
  '[.[]? | (1 / .)?]', 'error("custom")', 'error({code: 1})', 'error', 'error(null)', '.a | error', 'try error("\\(1 + 1)") catch .',
  'try (try error("inner") catch error("outer: " + .)) catch .', '[.[]? | tonumber?]', '.[] as $x | $x | try error catch .',
  '[1, 2] | try map(error) catch .', 'halt_error?', '"x" | try halt_error catch .', 'first(range(10; 0; -1))', 'isempty(empty)',
  '$__loc__.line', '"\\($__loc__)"', '@base32 "x"?', 'splits', 'ascii', 'toarray', '[.[] | .x?]', 'input', '[inputs]', 'debug',
  'getpath(["a"]; 1)', 'unknown_fn', '{a: 1} | .a.b.c = 1', '[] | first', '[] | last', '{} | .a.b.c', 'null | keys',
  '1 | .a', '"a" | .[0]', '[] | has("a")', '{} | has(0)', '1 | keys', '"x" - 1', '[1] | implode', '[[1]] | implode',
  '{} | to_entries | from_entries', '[{"k": "a", "v": 1}, {"name": "b", "value": 2}, {"key": null}, {"key": false}, {"key": 1}] | from_entries',
  '[3, 1, 2] | sort_by(-.)', '[[2, "b"], [1, "a"], [2, "a"]] | sort', '[{"a": 1, "b": 2}, {"a": 1}] | sort', '[{}, [], "a", 1, null, true, false] | sort',
  '{"b": 1, "a": 2} | keys', '{"b": 1, "a": 2} | tojson', '{"b": 1, "a": 2} | to_entries | map(.key)', '{"a": 1, "b": 2} | with_entries(.key |= ascii_upcase)',
  '[{"a": 1}, {"a": 1}] | unique', '"abc" | ascii_downcase | explode | map(. + 1) | implode', 'tojson | length',
  '{"user": .user?} | .user.first? // "anon"', '$ENV.HOME | type', 'env.HOME | type', '[getpath(["a"], ["b"])]?',
  '.a.c | .[1:] |= reverse', '.a.c | to_entries | map(.key)', '[.a.c[] | . as $x | select($x > 1)]', '.a.c | [.[] | select(. % 2 == 1)]',
  '(.a.c | length) as $n | [range($n)]', '.a.c | [limit(2; .[])] | add', '.a.c | index(2)', '.a.c | map(tostring) | join("+")',
  '.items? | map(.tags | length) | add', '.items? | [.[] | .price * .qty] | add', '.items? | map(select(.tags | index("y"))) | map(.id)',
  '.items? | map({(.id): .price}) | add', '.items? | group_by(.ok) | map({ok: .[0].ok, ids: map(.id)})', '.user? | keys | join(",")',
  '.user? | "\\(.first) \\(.last) <\\(.email)>"', '.user?.age? | if . >= 18 then "adult" else "minor" end', '.n? | . as $n | [range(0; $n; 10)]',
  '.items? | length > 0', '[.items[]? | select(.qty > 0) | .price] | max', '.list? | length == 0', '.empty? | length', '.empty? == {}',
  '.nested? | [paths | join(".")?]', '.nested? | [leaf_paths] | length', '[.nested? | .. | numbers]', '.s? | gsub("\\\\s+"; " ") | trim',
  '.when? | strptime("%Y-%m-%dT%H:%M:%SZ") | mktime | todate', '.when? | .[0:10]', '.name? | ascii_downcase | test("^a")',
  '.name? | length as $l | .[0:1] + "\\($l)"', '.y? | if . == "yes" then true else false end', '.ok? | not', '[.ok?, .n?] | all',
  'def inc(f): f + 1; .n? | inc(.)', 'with_entries(select(.key | startswith("i")))?', 'to_entries? | map(select(.value | type == "object")) | from_entries',
  '[splits(", *")?]', 'ltrimstr("  ")? | rtrimstr("  ")?', '[.[]? | objects | .name] | sort', 'map(.v)? | add / length',
  'map(select(.v == 2) | .name)?', 'sort_by(.v, .name)? | map(.name)', 'group_by(.v)? | map(map(.name))', 'unique_by(.v)? | length',
  'INDEX(.name)? | map_values(.v)', '[.[]? | {(.name?): .v?}] | add', 'to_entries? | map("\\(.key)=\\(.value)") | join("&")',
];

/** Odd syntax: whatever Baton's parser accepts, jq must accept too (the rest falls back to jq-wasm). */
export const SYNTAX: string[] = [
  '{a: 1 as $x | $x}', '{a: (1 as $x | $x)}', 'def if: 1; 2', 'def f(if): 1; 2', '1 < 2 < 3', '.a = .b = 1', '.a..b', '..a',
  '.[]?.a?', '.a.[0]', '."a".b', '.a."b"', '. as [$a, {b: $c, $d}] | 1', '. as {"a": $x, (1|tostring): $y} | 1', '{$x}',
  '{"a": 1, b: 2, @base64 "c": 3, "\\(1)": 4, (2|tostring): 5}', '{a: 1,}', '[1,]', 'try .a catch .b | 1', 'try -1',
  'reduce .[] as $x (0; . + $x) | . * 2', 'if . then 1 end', 'if . then 1 elif . then 2 end', 'label $x | break $x',
  'break $x', 'def f: def g: 1; g; f', 'def f($a; b): $a + b; f(1; 2)', '-1 - -2', '.a-1', '.a - 1', '1 as $x | 2 as $y | $x+$y',
  '. as $x ?// [$x] | $x', '"\\u00e9\\n\\t\\""', '@json "x\\(.)"', '@base64d', '$__loc__', '{$__loc__}', '.[1:]', '.[:-1]', '.[:]',
  '.["a"]?', '.a[]?', 'not', 'true and false or null', '.a // .b // .c', '.a |= . + 1 | .b', 'empty,1', '1,', ',1', '()', '.[', ']',
  'foreach .[] as $x (0; . + $x; [$x, .])', 'foreach .[] as $x (0; . + $x)', 'limit(1; .[])', '[.[] | select(. > 1)] | length',
  '"abc" | .[1:2]', '.a as [$x, $y] | $x', 'input_line_number', '$__prog_args', 'import "a" as a; .', '{a:1} | .a += 1 | .a -= 1',
  '.. == 1', '.[-1]', 'a.b', '.a.b?.c', '?', '.a ? ', '. as [] | 1', '. as {} | 1', '"\\(1;2)"', '@text "a"', '@nope "a"', '@nope',
];

/**
 * Programs whose output is allowed to differ from jq-wasm, each for a documented reason.
 * (Inputs are given to both engines as parsed JSON, so all differences come from the program.)
 */
export const EXCEPTIONS: Record<string, string> = {
  '[1, 1.0, 1.5, 100000000000000000000, 0.1 + 0.2] | tojson':
    'jq 1.8 keeps the text of number literals (1.0 prints as "1.0", 1e20 as "100000000000000000000"); Baton numbers are IEEE doubles',
  '[., tojson] == if have_decnum then [12345678909876543212345,"12345678909876543212345"] else [12345678909876543000000,"12345678909876543000000"] end':
    'jq-wasm has decNumber literals (have_decnum is true) and compares the literal with the input, which reached it as a double; Baton takes the else branch, as a jq without decNumber does',
  'map([., . == 1]) | tojson == if have_decnum then "[[1,true],[1.000,true],[1.0,true],[1.00,true]]" else "[[1,true],[1,true],[1,true],[1,true]]" end':
    'same: have_decnum differs by design',
  '. as $big | [$big, $big + 1] | map(. > 10000000000000000000000000000000) | . == if have_decnum then [true, false] else [false, false] end':
    'same: have_decnum differs by design',
  '$ENV.HOME | type':
    'by design expressions see only the ENV variable the caller binds (default {}), never the host environment; jq-wasm has its own WASI HOME',
  'env.HOME | type': 'same as $ENV.HOME',
  'input': 'error message: jq-wasm says "break" (its stdin shim); jq 1.8 says "No more inputs", as Baton does',
  'input_filename': 'jq-wasm reports its stdin file name; an expression has no input file (null)',
  'gsub(""; "-")?':
    'empty matches inside multi-byte characters: Oniguruma advances by byte and yields extra empty matches; Baton advances by code point',
};

/**
 * Generated family programs (jq-families*.ts) whose outcome may differ from jq-wasm, each for a
 * documented reason.
 */
export const FAMILY_EXCEPTIONS: Record<string, string> = {
  'try input catch .': 'jq-wasm says "break" (its stdin shim); jq 1.8 says "No more inputs", as Baton does',
  have_decnum: 'jq-wasm is built with decNumber; Baton numbers are doubles (a jq without decNumber says false too)',
};
