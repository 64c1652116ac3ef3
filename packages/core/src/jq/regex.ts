// jq's regular expressions are Oniguruma (Perl-NT syntax); this translates the common subset
// to JavaScript RegExp (with the 'u' and 'd' flags) and produces jq's match objects, whose
// offsets and lengths count code points.
import { JqRuntimeError, UnsupportedError } from './errors.ts';
import { describe } from './values.ts';

export interface MatchObject {
  offset: number;
  length: number;
  string: string;
  captures: { offset: number; length: number; string: string | null; name: string | null }[];
}

const cache = new Map<string, { re: RegExp; global: boolean; skipEmpty: boolean; names: (string | null)[] }>();

/** Removes whitespace and `#` comments outside character classes (the 'x' flag). */
function stripExtended(src: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      out += c + (src[i + 1] ?? '');
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}

// Oniguruma's \w, \d and \b are Unicode-aware; JavaScript's are ASCII-only even with 'u'.
const WORD = '\\p{L}\\p{M}\\p{Nd}\\p{Pc}';
const BOUNDARY = `(?:(?<=[${WORD}])(?![${WORD}])|(?<![${WORD}])(?=[${WORD}]))`;
const NOT_BOUNDARY = `(?:(?<=[${WORD}])(?=[${WORD}])|(?<![${WORD}])(?![${WORD}]))`;

/** Oniguruma escapes that JavaScript spells differently (inside and outside [classes]). */
function translate(src: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c !== '\\') {
      if (c === '[' && !inClass) inClass = true;
      else if (c === ']' && inClass) inClass = false;
      out += c;
      continue;
    }
    const e = src[++i] ?? '';
    const inside: Record<string, string> = { w: WORD, d: '\\p{Nd}', h: '0-9a-fA-F' };
    const outside: Record<string, string> = {
      w: `[${WORD}]`, W: `[^${WORD}]`, d: '\\p{Nd}', D: '\\P{Nd}', h: '[0-9a-fA-F]', H: '[^0-9a-fA-F]',
      b: BOUNDARY, B: NOT_BOUNDARY, A: '^', z: '$', Z: '(?=\\n?$)',
    };
    const replacement = inClass ? inside[e] : outside[e];
    out += replacement ?? `\\${e}`;
  }
  return out;
}

/** The capture group names in order of their opening parenthesis (null for unnamed). */
function groupNames(src: string): (string | null)[] {
  const names: (string | null)[] = [];
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') { i++; continue; }
    if (c === '[') {
      for (i++; i < src.length && src[i] !== ']'; i++) if (src[i] === '\\') i++;
      continue;
    }
    if (c !== '(') continue;
    if (src[i + 1] !== '?') names.push(null);
    else if (src[i + 2] === '<' && src[i + 3] !== '=' && src[i + 3] !== '!') names.push(/^\(\?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(src.slice(i))?.[1] ?? null);
    else if (src[i + 2] === 'P' && src[i + 3] === '<') names.push(/^\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/.exec(src.slice(i))?.[1] ?? null);
  }
  return names;
}

function compileRegex(pattern: unknown, flags: unknown) {
  if (typeof pattern !== 'string') throw new JqRuntimeError(`${describe(pattern)} cannot be matched, as it is not a string`);
  if (flags !== null && typeof flags !== 'string') throw new JqRuntimeError(`${describe(flags)} is not a string`);
  const key = `${flags ?? ''}/${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let jsFlags = 'gud';
  let global = false;
  let skipEmpty = false;
  let src = pattern;
  for (const f of flags ?? '') {
    switch (f) {
      case 'g': global = true; break;
      case 'i': jsFlags += 'i'; break;
      case 'x': src = stripExtended(src); break;
      case 'n': skipEmpty = true; break;
      case 's': jsFlags += 's'; break;
      case 'p': jsFlags += 's'; break;
      case 'l': break; // longest match: JavaScript has no equivalent; leftmost match is used
      default: throw new JqRuntimeError(`${flags} is not a valid modifier string`);
    }
  }
  src = src.replace(/\(\?P</g, '(?<');
  let re: RegExp;
  try {
    re = new RegExp(translate(src), jsFlags);
  } catch (e) {
    // Oniguruma accepts more than JavaScript (possessive quantifiers, atomic groups, \G…):
    // let the real jq run this program rather than answer differently.
    throw new UnsupportedError(`regex ${pattern}: ${(e as Error).message}`);
  }
  const entry = { re, global, skipEmpty, names: groupNames(src) };
  if (cache.size > 500) cache.clear();
  cache.set(key, entry);
  return entry;
}

/** Code-point offset of a UTF-16 index. */
function cpOffset(s: string, index: number): number {
  let n = 0;
  for (let i = 0; i < index; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

function cpLength(s: string): number {
  return cpOffset(s, s.length);
}

export function matchAll(input: unknown, pattern: unknown, flags: unknown, forceGlobal = false): MatchObject[] {
  if (typeof input !== 'string') throw new JqRuntimeError(`${describe(input)} cannot be matched, as it is not a string`);
  const { re, global, skipEmpty, names } = compileRegex(pattern, flags);
  const out: MatchObject[] = [];
  re.lastIndex = 0;
  for (;;) {
    const m = re.exec(input);
    if (!m) break;
    if (m[0] === '') re.lastIndex = m.index + (input.codePointAt(m.index)! > 0xffff ? 2 : 1);
    if (!(skipEmpty && m[0] === '')) out.push(toMatchObject(input, m, names));
    if (!(global || forceGlobal) || m.index >= input.length) break;
  }
  return out;
}

function toMatchObject(input: string, m: RegExpExecArray, names: (string | null)[]): MatchObject {
  const captures: MatchObject['captures'] = [];
  for (let g = 1; g < m.length; g++) {
    const span = m.indices?.[g];
    const name = names[g - 1] ?? null;
    if (!span || m[g] === undefined) captures.push({ offset: -1, length: 0, string: null, name });
    else captures.push({ offset: cpOffset(input, span[0]), length: cpLength(m[g]!), string: m[g]!, name });
  }
  return { offset: cpOffset(input, m.index), length: cpLength(m[0]), string: m[0], captures };
}

export function testRegex(input: unknown, pattern: unknown, flags: unknown): boolean {
  if (typeof input !== 'string') throw new JqRuntimeError(`${describe(input)} cannot be matched, as it is not a string`);
  const { re } = compileRegex(pattern, flags);
  re.lastIndex = 0;
  return re.test(input);
}

/** The object of named captures that `capture` returns and `sub` passes to the replacement. */
export function captureObject(m: MatchObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of m.captures) if (c.name !== null) out[c.name] = c.string;
  return out;
}

/** String offsets of a match object in UTF-16 units, for slicing. */
export function utf16Span(input: string, m: MatchObject): [number, number] {
  const start = Array.from(input).slice(0, m.offset).join('').length;
  return [start, start + m.string.length];
}
