// Regex programs for the regex differential test (tests/jq-regex.test.ts): each runs on Baton's
// engine (RE2, or jq-wasm when RE2 cannot express the regex) and on the real jq 1.8.2.
export const REGEX_INPUTS: string[] = [
  'Hello, wörld 👋',
  'aaa bbb\nccc',
  'foo123 bar45\n',
  'é café naïve ÉCOLE',
  '',
  'a\u00a0b\u000bc\u2028d\te',
  'x_1 y-2 z.3',
  '👋a👋bb👋',
];

const RAW: string[] = [
  // flags
  'test("hello"; "i")', 'test("WÖRLD"; "i")', '[match("b+"; "g") | .string]', '[match("[a-z]+"; "gi") | .offset]',
  'test("a.b"; "s")', 'test("a.b"; "p")', 'test("b.c"; "p")', 'test("b\\nc")', '[match(" a a a "; "x") | .string]',
  '[match("a # comment\\n+"; "gx") | .length]', '[match("a*"; "gn") | [.offset, .length]]', 'select(test("^[ -~]*$")) | [match("a*"; "g") | [.offset, .length]]',
  '[match("(?i)FOO") | .string]', '[match("a(?i)B") | .string]?', 'test("\\\\w+"; "gixn")',
  // classes and escapes
  '[match("\\\\w+"; "g") | .string]', '[match("\\\\W+"; "g") | .string]', '[match("\\\\d+"; "g") | .string]', '[match("\\\\D+"; "g") | .string]',
  '[match("\\\\s"; "g") | .offset]', '[match("\\\\S+"; "g") | .string]', '[match("\\\\h+"; "g") | .string]', '[match("[\\\\w.]+"; "g") | .string]',
  '[match("[^\\\\s]+"; "g") | .string]', '[match("[\\\\d-]+"; "g") | .string]', '[match("\\\\x41|\\\\x{e9}|\\\\x{1F44B}"; "gi") | .string]',
  '[match("\\\\p{Lu}"; "g") | .string]', '[match("\\\\p{^L}+"; "g") | .string]', '[match("\\\\P{L}+"; "g") | .string]', '[match("[]a]+"; "g") | .string]',
  '[match("[^]a]+"; "g") | .string]', '[match("\\\\.|\\\\-"; "g") | .offset]', '[match("\\\\A\\\\w"; "g") | .string]', '[match("\\\\w\\\\z"; "g") | .string]',
  '[match("\\\\w$"; "g") | .string]', '[match("^\\\\w"; "g") | .string]', '[match("(?m)^\\\\w"; "g") | .string]', '[match("\\\\w\\\\Z"; "g") | .string]',
  '[match("\\\\bb\\\\w*"; "g") | .string]', '[match("\\\\Ba"; "g") | .offset]', '[match("[[:alpha:]]+"; "g") | .string]', '[match("(?#note)a+"; "g") | .string]',
  '[match("a{2}"; "g") | .offset]', '[match("a{,2}"; "g") | .offset]', '[match("\\\\0|\\\\t"; "g") | .offset]',
  // groups, names, offsets
  'capture("(?<first>\\\\w+), (?<second>\\\\w+)")', '[match("(?<x>a)|(?<y>b)"; "g") | .captures | map([.name, .offset, .length, .string])]',
  '[match("(a)(x)?"; "g") | .captures]', '[match("(?:a)(b)?"; "g") | .captures | length]', '[capture("(?P<n>\\\\d+)"; "g")]',
  '[match("(👋)(\\\\w)"; "g") | [.offset, .length, .captures[0].offset, .captures[1].offset]]', '[match("é|👋"; "g") | .offset]',
  'select(test("^[ -~]*$")) | [match(""; "g") | .offset]', '[scan("\\\\w+")]', '[scan("(\\\\w)(\\\\w)")]', '[scan("c"; "i")]',
  // replacements and splits
  'sub("\\\\w+"; "<\\(.)>")', 'gsub("(?<w>\\\\w+)"; "<\\(.w)>")', 'gsub("\\\\s+"; "_")', 'select(test("^[ -~]*$")) | gsub(""; "-")', 'gsub("^"; ">")', 'gsub("$"; "<")',
  'sub("(?<a>.)(?<b>.)"; "\\(.b)\\(.a)")', '[sub("(?<x>a)"; "1", "2")]', 'gsub("a"; "A"; "i")', 'split(", *"; null)', '[splits("\\\\s")]', 'split("a"; "gi")',
  'ascii_downcase | test("^[a-z ,👋ö]+$")',
  // what RE2 cannot express: these run on jq-wasm
  'test("(a)\\\\1")', '[match("(\\\\w)\\\\1"; "g") | .string]', 'test("a(?=b)")', 'test("(?<!a)b")', '[match("a++"; "g") | .string]', 'test("(?>a+)b")',
  '[match("a"; "gl") | .offset]', 'test("\\\\v")', 'test("\\\\xc3\\\\xa9")', 'test("(")', 'test("[a")', 'test("a"; "q")', 'test("\\\\k<x>(?<x>a)")',
];

export const REGEX_PROGRAMS: string[] = RAW.map((p) => `${p}?`);
