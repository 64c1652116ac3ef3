// jq's regex builtins on a linear-time engine: patterns are translated from Oniguruma to RE2
// syntax (regex-syntax.ts) and run on re2js, so no pattern and input can make matching slow.
// A regex RE2 cannot express raises UnsupportedError: the program re-runs on the real jq
// (jq-wasm, Oniguruma) in its worker thread, which is terminated at the evaluation's deadline —
// a JavaScript RegExp could not be interrupted. Match offsets and lengths count code points.
import { RE2JS } from 're2js';
import { JqRuntimeError, UnsupportedError } from './errors.ts';
import { NeedsBacktracking, stripExtended, toRe2 } from './regex-syntax.ts';
import { tick } from './runtime.ts';
import { describe } from './values.ts';

export interface MatchObject {
  offset: number;
  length: number;
  string: string;
  captures: { offset: number; length: number; string: string | null; name: string | null }[];
}

/** A match with its span in UTF-16 units, for slicing (sub, gsub, split). */
export interface Found {
  match: MatchObject;
  start: number;
  end: number;
}

interface Compiled {
  pattern: string;
  /** Undefined when the regex needs a backtracking engine (`reason` says why). */
  re: RE2JS | undefined;
  reason: string;
  global: boolean;
  skipEmpty: boolean;
  names: (string | null)[];
  endSensitive: boolean;
  asciiOnly: boolean;
}

const CACHE_LIMIT = 500;
const cache = new Map<string, Compiled>();

interface Flags {
  global: boolean;
  skipEmpty: boolean;
  extended: boolean;
  prefix: string;
  longest: boolean;
}

/**
 * jq's flags: g global, i case-insensitive, x extended, n skip empty matches, p dot matches
 * newline (and s), s single line (Oniguruma's default in jq's syntax already), l longest match.
 */
function parseFlags(flags: string | null): Flags {
  const f: Flags = { global: false, skipEmpty: false, extended: false, prefix: '', longest: false };
  let insensitive = false;
  let dotAll = false;
  for (const c of flags ?? '') {
    switch (c) {
      case 'g': f.global = true; break;
      case 'i': insensitive = true; break;
      case 'x': f.extended = true; break;
      case 'n': f.skipEmpty = true; break;
      case 's': break;
      case 'p': dotAll = true; break;
      case 'l': f.longest = true; break;
      default: throw new JqRuntimeError(`${flags} is not a valid modifier string`);
    }
  }
  f.prefix = `${insensitive ? '(?i)' : ''}${dotAll ? '(?s)' : ''}`;
  return f;
}

function compileRegex(pattern: unknown, flags: unknown): Compiled {
  if (typeof pattern !== 'string') throw new JqRuntimeError(`${describe(pattern)} cannot be matched, as it is not a string`);
  if (flags !== null && typeof flags !== 'string') throw new JqRuntimeError(`${describe(flags)} is not a string`);
  const key = `${flags ?? ''}/${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const f = parseFlags(flags);
  const entry: Compiled = {
    pattern, re: undefined, reason: '', global: f.global, skipEmpty: f.skipEmpty, names: [], endSensitive: false, asciiOnly: false,
  };
  try {
    if (f.longest) throw new NeedsBacktracking('the flag l (longest match)');
    const t = toRe2(f.extended ? stripExtended(pattern) : pattern);
    Object.assign(entry, { names: t.names, endSensitive: t.endSensitive, asciiOnly: t.asciiOnly });
    entry.re = RE2JS.compile(f.prefix + t.source);
  } catch (e) {
    // Not RE2: either Oniguruma-only syntax or an invalid regex; the real jq tells which.
    entry.reason = e instanceof NeedsBacktracking ? e.message : `RE2 does not take it: ${(e as Error).message}`;
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, entry);
  return entry;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** The RE2 program for this input, or UnsupportedError when only Oniguruma answers like jq. */
function engineFor(c: Compiled, input: string): RE2JS {
  let reason = c.reason;
  if (c.re) {
    if (c.endSensitive && input.endsWith('\n')) reason = '`$`, `\\Z` or multi-line `^` on a string ending in a newline';
    else if (c.asciiOnly && !isAscii(input)) reason = '`\\b`, `\\B` or a POSIX bracket on non-ASCII text';
    else return c.re;
  }
  throw new UnsupportedError(`regex ${c.pattern} needs a backtracking engine (${reason})`);
}

function needString(input: unknown): string {
  if (typeof input !== 'string') throw new JqRuntimeError(`${describe(input)} cannot be matched, as it is not a string`);
  return input;
}

/** Code points in s[from, to). */
function codePoints(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

export function findMatches(input: unknown, pattern: unknown, flags: unknown, forceGlobal = false): Found[] {
  const s = needString(input);
  const c = compileRegex(pattern, flags);
  const m = engineFor(c, s).matcher(s);
  const out: Found[] = [];
  // Match starts only move forward: their code-point offsets are counted incrementally.
  let at = 0;
  let atCp = 0;
  let from = 0;
  while (from <= s.length && m.find(from)) {
    tick();
    const start = m.start();
    const end = m.end();
    atCp += codePoints(s, at, start);
    at = start;
    if (!(c.skipEmpty && start === end)) out.push({ match: matchObject(s, m, c.names, start, end, atCp), start, end });
    if (!(c.global || forceGlobal) || start >= s.length) break;
    from = end > start ? end : start + (s.codePointAt(start)! > 0xffff ? 2 : 1);
  }
  return out;
}

type Matcher = ReturnType<RE2JS['matcher']>;

function matchObject(s: string, m: Matcher, names: (string | null)[], start: number, end: number, startCp: number): MatchObject {
  const captures: MatchObject['captures'] = [];
  const groups = m.groupCount();
  for (let g = 1; g <= groups; g++) {
    const name = names[g - 1] ?? null;
    const a = m.start(g);
    const b = m.end(g);
    // jq's key order for a group that did not take part in the match.
    if (a < 0) captures.push({ offset: -1, string: null, length: 0, name } as MatchObject['captures'][number]);
    else captures.push({ offset: startCp + codePoints(s, start, a), length: codePoints(s, a, b), string: s.slice(a, b), name });
  }
  return { offset: startCp, length: codePoints(s, start, end), string: s.slice(start, end), captures };
}

export function matchAll(input: unknown, pattern: unknown, flags: unknown, forceGlobal = false): MatchObject[] {
  return findMatches(input, pattern, flags, forceGlobal).map((f) => f.match);
}

export function testRegex(input: unknown, pattern: unknown, flags: unknown): boolean {
  const s = needString(input);
  return engineFor(compileRegex(pattern, flags), s).test(s);
}

/** The object of named captures that `capture` returns and `sub` passes to the replacement. */
export function captureObject(m: MatchObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of m.captures) if (c.name !== null) out[c.name] = c.string;
  return out;
}
