// Building blocks of hostile input, shared by every target: strings with NUL, unpaired
// surrogates, bidi controls, path tricks and sizes around the limits; numbers JSON cannot hold
// exactly; deep and wide JSON; JSON text that is almost JSON.
import fc from 'fast-check';

/** Strings that broke (or could break) a parser, a database column or a path. */
export const NASTY_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udc00', '\udbff\udfff', '\uffff', '\ufeff', '\u202e', '\u2028', '𝕏', '👩‍👩‍👧', 'Ω'.repeat(3),
  '..', '../..', '..%2F..', '%00', '%ZZ', '%', '%E2%80', '%ED%A0%80', '/', '//', '\\', '\r\n', '\n', '\t', '*', '?', '#', '&', '=',
  '$', '${ . }', '${', '}', '{{', '@', '&a', '*a', '!!js/function', '!!binary', '<<', '~', '-', '---', '...', '|', '>',
  'null', 'true', 'false', '0', '-0', '1e400', 'NaN', 'Infinity', '9007199254740993', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  "'", '"', '`', "' OR '1'='1", '; DROP TABLE runs; --', '<script>alert(1)</script>', 'a'.repeat(100), 'a'.repeat(101), 'a'.repeat(201), 'a'.repeat(300), 'a'.repeat(301), 'a'.repeat(1001), 'a'.repeat(5001),
  'bt_forged_key_0000000000000000', 'Bearer', 'bst1.e30.AAAA', '2026-01-01T00:00:00Z', '0000-00-00', 'PT1S', 'P1Y', 'PT1e400S',
];

export const nastyString = fc.constantFrom(...NASTY_STRINGS);

/** Any string: short and printable, any code point (unpaired surrogates included), or a nasty one. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 20 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 2 },
  { arbitrary: fc.string({ unit: fc.constantFrom('\u0000', '\ud800', '\udc00', 'a', '/', '%', '.', '\\', '"', '\u202e'), maxLength: 8 }), weight: 2 },
  { arbitrary: nastyString, weight: 4 },
);

/** A big string, rarely: sizes around the limits (messages 16 KiB, values 1 MiB, bodies 1 MiB). */
export const bigString: fc.Arbitrary<string> = fc.tuple(fc.constantFrom(4_096, 16_384, 16_385, 65_536, 300_000, 1_048_577), fc.constantFrom('a', 'é', '\u0000', '𝕏')).map(([n, c]) => c.repeat(Math.ceil(n / c.length)));

export const anyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1, -1, 0.5, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53 - 1, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, 5e-324, Number.MAX_VALUE),
);

/** Number spellings in JSON text that JavaScript cannot read exactly or at all. */
export const NUMBER_TEXTS = ['1e400', '-1e400', '1e-400', '9007199254740993', '-9007199254740993', '123456789012345678901234567890', '1'.repeat(400), '0.1e999999', '-0', '0e0', '1E+2', '2147483648', '4294967296'];

/** Any JSON value, biased to small; keys and strings hostile. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    anyString,
    anyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(anyString, tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** A JSON text nested `depth` levels deep: arrays, objects, or both interleaved. */
export function deepJsonText(depth: number, kind: 'array' | 'object' | 'mixed'): string {
  if (kind === 'array') return `${'['.repeat(depth)}${']'.repeat(depth)}`;
  if (kind === 'object') return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 ? '{"x":' : '[';
    close = (i % 2 ? '}' : ']') + close;
  }
  return `${open}0${close}`;
}

export const deepJson = fc.tuple(fc.constantFrom(64, 257, 301, 513, 1_000, 10_000, 100_000), fc.constantFrom('array' as const, 'object' as const, 'mixed' as const)).map(([depth, kind]) => deepJsonText(depth, kind));

/** A JSON text of a value, sometimes broken: truncated, numbers JS cannot hold, duplicate keys, BOM, comments. */
export function jsonTextOf(value: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.tuple(value, fc.nat(), fc.constantFrom('as-is', 'as-is', 'as-is', 'truncate', 'number', 'duplicate', 'bom', 'comment', 'trailing-comma', 'garbage', 'single-quotes'), fc.constantFrom(...NUMBER_TEXTS)).map(([v, at, how, number]) => {
    const text = JSON.stringify(v) ?? 'null';
    const cut = text.length ? at % text.length : 0;
    switch (how) {
      case 'truncate':
        return text.slice(0, cut);
      case 'number':
        return /\d/.test(text) ? text.replace(/-?\d+(\.\d+)?([eE][+-]?\d+)?/, number) : `{"n":${number},"v":${text}}`;
      case 'duplicate':
        return text.startsWith('{') && text.length > 2 ? `{"dup":1,"dup":2,${text.slice(1)}` : `{"dup":1,"dup":${text}}`;
      case 'bom':
        return `\ufeff${text}`;
      case 'comment':
        return `/* c */${text}`;
      case 'trailing-comma':
        return text.endsWith('}') || text.endsWith(']') ? `${text.slice(0, -1)},${text.slice(-1)}` : `${text},`;
      case 'garbage':
        return `${text.slice(0, cut)}\u0000${text.slice(cut)}`;
      case 'single-quotes':
        return text.replace(/"/g, "'");
      default:
        return text;
    }
  });
}

/**
 * Percent-encodes every code point, an unpaired surrogate as the three bytes (invalid UTF-8)
 * that WTF-8 gives it: encodeURIComponent would throw on one.
 */
export function pct(text: string, keep = /[A-Za-z0-9_.~-]/): string {
  let out = '';
  for (const char of text) {
    if (keep.test(char)) {
      out += char;
      continue;
    }
    const code = char.codePointAt(0)!;
    const bytes = code >= 0xd800 && code <= 0xdfff ? [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)] : [...Buffer.from(char, 'utf8')];
    for (const byte of bytes) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// eslint-disable-next-line no-control-regex -- the characters that stay encoded are exactly the control ones
const PARTIAL_KEEP = /[^%\s\u0000-\u001f\u007f-\uffff]/;

/** A path or query segment: percent-encoded, raw (spaces, `//`, `%ZZ` as they are), or half encoded. */
export function segmentOf(value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(value, fc.constantFrom('encoded', 'encoded', 'encoded', 'raw', 'partial')).map(([text, how]) => (how === 'encoded' ? pct(text) : how === 'raw' ? text : pct(text, PARTIAL_KEEP)));
}
