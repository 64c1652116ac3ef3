// Generated programs for the differential test (continued): builtins added or changed up to
// jq 1.8, and numbers (printing, `%`, numbers inside error messages). See jq-families.ts.
import { cases, cross, lcg, type FamilyCase } from './jq-families.ts';

const WHITESPACE = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x180e, 0x2000, 0x2005, 0x200a, 0x200b, 0x2028,
  0x2029, 0x202f, 0x205f, 0x3000, 0xfeff];

function trims(): FamilyCase[] {
  const strings = WHITESPACE.flatMap((c) => {
    const w = String.fromCharCode(c);
    return [`${w}a b${w}`, `${w}${w}`, `a${w}`];
  });
  const programs = ['map(trim)', 'map(ltrim)', 'map(rtrim)', 'map(trim | length)'];
  const errors = ['.[] | try trim catch .', '.[] | try ltrim catch .', '.[] | try rtrim catch .', '.[] | try ltrimstr("a") catch .',
    '.[] | try rtrimstr("a") catch .', '.[] | try trimstr("a") catch .', '.[] as $x | try ("abc" | ltrimstr($x)) catch .',
    '.[] as $x | try ("abc" | rtrimstr($x)) catch .', '.[] | try abs catch .', '.[] | try (abs | tojson) catch .', '.[] | try fabs catch .',
    '.[] | try explode catch .', '.[] | try implode catch .', '.[] | try ascii_downcase catch .', '.[] | try @urid catch .',
    '.[] | try utf8bytelength catch .', '.[] | try tostring catch .', '.[] | try toboolean catch .', '.[] | try splits("a") catch .'];
  return [...cases('trim', programs, [strings]),
    ...cases('builtin-types', errors, [[null, true, false, 0, -1.5, 'a', 'abc', [], [1], {}, { a: 1 }, [65, 66], 'a%20b']])];
}

function uris(): FamilyCase[] {
  const strings = ['', 'abc', 'a b', 'μ', '☆', '👋', "!*'();:@&=+$,/?#[]", '~-_.', '%', '%4', '%zz', '%ff', '%C3', '%C3%A9', '%e2%98%86',
    '%F0%9F%91%8B', '%E2%98', 'a+b', '%2', '%%41', '%41%', '%80', '%C0%AF', '%ED%A0%80', '%00'];
  return cases('uri', ['.[] | try @urid catch .', '.[] | @uri', '.[] | @uri | @urid', '.[] | try (@urid | @uri) catch .', '@uri "x=\\(.[])"'], [strings]);
}

function formats(): FamilyCase[] {
  const values: unknown[] = ["!()<>&'\"\t", 'a b\\c\n', 'é☆👋', '', 'Zm/Ds2Jhcgo=', 'Zm9v', 'YQ', '!!', 'MFRGG===', 'mfrgg', 1.5, null, true,
    [1, 'a,b', null, true, 'x"y', 'tab\there'], [[1]], [{}], { a: 1 }];
  // Not @base32 and @base32d: jq's manual has them, jq-wasm 1.8.2 says they are not valid formats.
  const names = ['text', 'json', 'html', 'uri', 'urid', 'csv', 'tsv', 'sh', 'base64', 'base64d'];
  const programs = names.flatMap((f) => [`[.[] | try @${f} catch .]`, `[.[] | try @${f} "<\\(.)>" catch .]`]);
  return cases('formats', programs, [values]);
}

function entries(): FamilyCase[] {
  const keyNames = ['key', 'k', 'name', 'Name', 'K', 'Key', 'KEY', 'n'];
  const valueNames = ['value', 'v', 'Value', 'V', 'val'];
  const keys: unknown[] = ['x', 1, null, false, true, { a: 1 }, [1], ''];
  const inputs = keyNames.flatMap((kn) => valueNames.map((vn) => keys.map((k) => ({ [kn]: k, [vn]: 7 }))));
  const mixed = [[{ key: null, k: 'a', value: 1 }], [{ key: false, name: 'b' }], [{ k: 'a', key: 'b' }], [{ value: 1, v: 2, key: 'a' }],
    [{ key: 'a', value: null, v: 2 }], [{ key: 'a', value: false, v: 2 }], [{ name: 'n', Name: 'N', K: 'k' }], [], {}, [null], [1], 'x'];
  const programs = ['[.[] | [.] | try from_entries catch .]', 'try from_entries catch .', 'try with_entries(.) catch .'];
  return [...cases('entries', programs, inputs), ...cases('entries', ['try from_entries catch .', 'try (to_entries | from_entries) catch .'], mixed)];
}

function codepoints(): FamilyCase[] {
  const lists = [[-1, 0, 1, 0x7f, 0x80, 0x7ff, 0x800, 0xffff, 0x10000, 0x10ffff, 0x110000, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 1.1, 1.9, -0.5,
    1e10, -1e10], [65, 'a'], [65, null], [65, [1]], [65, {}], [65, true], 'abc', 5, null, {}];
  const programs = ['try implode catch .', 'try (implode | explode) catch .', 'try [.[] | [.] | implode] catch .', 'map(try ([.] | implode) catch .)?',
    '[.[] | try ([.] | implode | explode) catch .]?', 'try 0[implode] catch .'];
  return [...cases('codepoints', programs, lists), ...cases('codepoints', ['[nan] | try implode catch .', '[infinite] | try implode catch .',
    '[-infinite] | try implode catch .', '"a\\u0000b👋é" | explode', '"a\\u0000b👋é" | explode | implode'])];
}

const TIMES = [0, 1425599507, 1425599507.25, -1, -86400.5, 951782400, 4102444800, 1e10, -1e10, 1435677542.822351];
const BROKEN: unknown[] = [[], [2024], [2024, 1], [2024, 1, 2], [2024, 1, 2, 3], [2024, 1, 2, 3, 4], [2024, 1, 2, 3, 4, 5],
  [2024, 1, 2, 3, 4, 5.5, 6], [2015, 2, 5, 23, 51, 47, 4, 63], [2024, 13, 40, 25, 61, 61], [1969, 11, 31, 23, 59, 59], [2024, -1, 0],
  ['a', 1, 2, 3, 4, 5, 6, 7], [2024, 'x'], [2024, null], [2024, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'x', null, {}, [-3000, 0, 1], [12000, 0, 1], [2024, 1, 2, 3, 4, 5, -1, -5]];
// %k %l %P %Z differ between C libraries (musl in jq-wasm fails on them); Baton does as glibc.
const CONVERSIONS = 'aAbBcCdDeFgGhHIjmMnprRsStTuUVwWxXyYz%'.split('').concat(['_d', '-d', '5Y', '+5Y', '10Y', 'Ey', 'Od', '_5d', 'q', '']);

function dates(): FamilyCase[] {
  const formats: string[] = [];
  for (let i = 0; i < CONVERSIONS.length; i += 8) formats.push(CONVERSIONS.slice(i, i + 8).map((c) => `%${c}`).join('|'));
  const programs = [...formats.map((f) => `try strftime(${JSON.stringify(f)}) catch .`), `try strflocaltime(${JSON.stringify(formats[0])}) catch .`,
    'try mktime catch .', 'try gmtime catch .', 'try localtime catch .', 'try todate catch .', 'try (gmtime | mktime) catch .',
    'try strftime("") catch .', 'try strftime("%c%c%c%c%c%c") catch .', 'try strftime([]) catch .', 'try strflocaltime({}) catch .',
    'try (strftime("%Y-%m-%dT%H:%M:%SZ") | strptime("%Y-%m-%dT%H:%M:%SZ")) catch .', 'try date catch .', 'try dateadd("seconds"; 1) catch .'];
  const parses = ['"2015-03-05T23:51:47Z" | strptime("%Y-%m-%dT%H:%M:%SZ")', '"10:30 2020-01-02" | strptime("%H:%M %Y-%m-%d") | mktime',
    '"x" | try strptime("%Y") catch .', '1 | try strptime("%Y") catch .', '"2024" | try strptime(1) catch .', '"2015-03-05T23:51:47Z" | fromdate',
    '"2015-03-05T23:51:47Z" | dateadd("seconds"; 10)?', '"2015-03-05T23:51:47Z" | try fromdateiso8601 catch .', '"2015-03-05" | try fromdate catch .',
    '[strptime("%Y-%m-%dT%H:%M:%SZ") | (., mktime)]?', 'strflocaltime("" | ., @uri)', 'now | type'];
  return [...cases('dates', programs, [...TIMES, ...BROKEN]), ...cases('dates', parses, ['2015-03-05T23:51:47Z', 0])];
}

function joins(): FamilyCase[] {
  const arrays = [[], [null], [null, null], ['a', null], [null, 'a'], ['1', 2, true, false, 3.4], ['a', [1]], ['a', { b: 1 }], [[1]], [{}],
    ['a'], ['a', 'b'], [1, 2], [0.1, 2.5, -0.5], 'abc', null, { a: 'x' }];
  const seps = ['","', '""', '1', 'null', '[1]', '{}', 'true'];
  return cases('join', seps.map((s) => `try join(${s}) catch .`), arrays);
}

function numbersFromText(): FamilyCase[] {
  const strings = ['1', '2a', ' 4', '5 ', '+5.43', '-876', '.89', '6.7', 'nan', '-nan', 'NaN', 'snan', 'NaN12', 'inf', '-inf', 'Infinity',
    'INFINITY', 'infinit', '0x10', '1_000', '1e+5', '1E5', '00012', '-0', '+0', '5.', '-.5', '+.5', '1e', 'e5', '1.2.3', '\t1', '1e-400',
    '１', '', '-', '+', '.', '1e1000', '123\u0000456', 'true', '[1]'];
  return [...cases('tonumber', ['[.[] | try tonumber catch .]', '.[] |= try tonumber', '[.[] | tonumber? | . * 1]', 'map(tonumber? // "x" | type)'], [strings]),
    ...cases('tonumber', ['. |= try . catch .', '.[]? |= try tonumber', 'try tonumber catch .', 'try (tonumber | tojson) catch .'], [1, [1, 'x'], null, true, '2'])];
}

/** Computed numbers (jq prints them as doubles, whatever the literal's text). */
function numberFormatting(): FamilyCase[] {
  const mantissas = ['1', '1.5', '1.2345678901234567', '9.999999999999999', '3.14', '7', '1.0000000000000002'];
  const values: number[] = [];
  for (let e = -330; e <= 320; e += 3) for (const m of mantissas) values.push(Number(`${m}e${e}`));
  for (let k = 50; k <= 70; k++) values.push(2 ** k, 2 ** k + 2 ** (k - 52), -(2 ** k));
  values.push(0.1 + 0.2, 1 / 3, 2 / 3, 5e-324, 1.7976931348623157e308, 1e21, 1e22, 123456789012345680000, 0.000001, 0.0000001);
  const chunks: number[][] = [];
  for (let i = 0; i < values.length; i += 150) chunks.push(values.slice(i, i + 150).filter(Number.isFinite));
  return cases('number-format', ['map(. * 1 | tojson)', 'map(. * 1 | tostring)', 'map(-(. * 1) | tojson)', 'map(. * 1 | @text)',
    'map([. * 1] | tojson)', '[.[] * 1 | try error(.) catch .] | map(tojson)'], chunks);
}

const OPERANDS = ['0', '1', '-1', '2.5', '-2.5', '7', '-7', '1e19', '-1e19', '9.3e18', '9007199254740993', 'infinite', '-infinite', 'nan',
  '0.5', '-0.5', '5e-324', '1e300'];

function modulo(): FamilyCase[] {
  const programs = cross(OPERANDS, OPERANDS).map(([a, b]) => `try ((${a}) * 1 % ((${b}) * 1)) catch .`);
  const messages = OPERANDS.flatMap((n) => [`try ((${n}) * 1 + "x") catch .`, `try ({} | .[(${n}) * 1]) catch .`, `try ((${n}) * 1 | keys) catch .`,
    `try ([] | has((${n}) * 1)) catch .`, `try ((${n}) * 1 | error) catch .`, `(${n}) * 1 | tostring`, `[(${n}) * 1] | tojson`]);
  const literals = ['9E999999999 | . * 1', '1E-999999999 | . * 1', '[9E999999999, 1E-999999999] | map(. * 1)', '5E500000000 > 5E-5000000000',
    '(1e999999999, 10e999999999) > (1e-1147483646, 0.1e-1147483646)', '[1E+1000, -1E+1000] | map(. * 1 | tojson)', '1e1000 | . * 1 | tostring',
    '[.[] | . * 1]', '1 / 1e-17', '1e-19 + 1e-20 - 5e-21', '[nan % 1, 1 % nan | isnan]', '[(infinite, -infinite) % (1, -1, infinite)]'];
  return [...cases('modulo', programs), ...cases('number-messages', messages), ...cases('number-literals', literals, [[1e308, -1e-308]])];
}

/** jq cuts values in messages at 29 bytes of UTF-8, on a character boundary. */
function truncation(): FamilyCase[] {
  const random = lcg(17);
  const pieces = ['x', 'é', '☆', '👋', '"', '\\', '\n', '\u0001', 'ab'];
  const strings: string[] = [];
  for (let i = 0; i < 60; i++) {
    let s = '';
    const length = 10 + (i % 25);
    while (s.length < length) s += pieces[Math.floor(random.next().value! * pieces.length)]!;
    strings.push(s);
  }
  const values: unknown[] = [...strings, ...strings.slice(0, 10).map((s) => [s, 1]), ...strings.slice(0, 10).map((s) => ({ [s]: s }))];
  return cases('truncation', ['.[] | try -(.) catch .', '.[] | try (. - 1) catch .', '.[] | try ({} | .[.[0:0] // 0]) catch .',
    'try path(map(.) | .[0]) catch .', '.[] | try error catch .', '.[] | try ([] | implode | . + {}) catch .'], [values]);
}

function streams(): FamilyCase[] {
  const programs = ['try input catch .', '[inputs]', 'try (first(inputs) // "none") catch .', '[limit(3; .[])]', 'try limit(-1; error) catch .',
    '[skip(0, 2, 3, 4; .[])]', 'try skip(-1; error) catch .', 'nth(1; 0, 1, error("foo"))', '[add(null), add(range(range(10))), add(empty), add(10, range(10))]',
    '.sum = add(.arr[]?)?', 'ltrimstr("a"), rtrimstr("a")', '[splits("a")]?', 'tojson | fromjson', '[.[]? | tojson | fromjson]',
    'have_decnum', 'have_literal_numbers', '[(true, false) as $a | (true, false, [true]) | try contains($a) catch .]', 'try (. * 1000000000) catch .', '[. * (nan, -nan)]?', 'try ("abc" * 1e9) catch .', '"" * 1e9'];
  const json = ['nan', 'NaN', '-NaN', 'NaN1', 'NaN10', 'Infinity', '-Infinity', 'infinity', 'nan1', '[1,2', '{"a":1,}', 'tru', '1 2', '', '"\\x"',
    '[1] x', "{'a': 123}", '{"a" 1}', '[1 2]', '{"a":1 "b":2}', '"\\u12"', '"\\ud800"', '01', '1.', '-', '.5', '[,1]', '{,}', ']', '}', '{"a":}',
    '"a', '\u0000', '[1,]', 'true false', 'nul', 'NAN', '[nan]', '{"a":nan}', ' 1 ', '"\\t\\u00e9"', '1e1000', '[[[]]]'];
  return [...cases('streams', programs, [[1, 2, 3], null, 'abc']), ...cases('fromjson', ['try fromjson catch .', 'try (fromjson | isnan) catch .'], json)];
}

export function valueFamilies(): FamilyCase[] {
  return [...trims(), ...uris(), ...formats(), ...entries(), ...codepoints(), ...dates(), ...joins(), ...numbersFromText(), ...numberFormatting(),
    ...modulo(), ...truncation(), ...streams()];
}
