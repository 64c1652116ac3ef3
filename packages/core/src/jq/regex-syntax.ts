// jq's regular expressions are Oniguruma (Perl-NT syntax, UTF-8). This translates them to RE2
// syntax, which runs in linear time (re2js). What RE2 cannot express — backreferences,
// lookaround, atomic groups, possessive quantifiers, byte escapes… — is reported, and such a
// regex runs on the real jq (jq-wasm) under the evaluation's time limit instead (see regex.ts).

/** Thrown when a regex needs Oniguruma's backtracking engine; the message says why. */
export class NeedsBacktracking extends Error {
  override readonly name = 'NeedsBacktracking';
}

export interface Translation {
  /** The pattern in RE2 syntax. */
  source: string;
  /** Capture group names in order of their opening parenthesis (null for unnamed groups). */
  names: (string | null)[];
  /**
   * Oniguruma's `$` and `\Z` also match before a final newline, and its multi-line `^` not after
   * one; RE2's do not. Same answers unless the input ends with "\n".
   */
  endSensitive: boolean;
  /** `\b`, `\B` and POSIX brackets are Unicode-aware in Oniguruma, ASCII-only in RE2. */
  asciiOnly: boolean;
}

// Oniguruma's \w, \d and \s are Unicode-aware; RE2's are ASCII-only.
const WORD = '\\p{L}\\p{M}\\p{Nd}\\p{Pc}';
const SPACE = '\\t-\\r \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}';

const OUTSIDE: Record<string, string> = {
  w: `[${WORD}]`, W: `[^${WORD}]`, d: '\\p{Nd}', D: '\\P{Nd}', s: `[${SPACE}]`, S: `[^${SPACE}]`,
  A: '\\A', z: '\\z', n: '\\n', t: '\\t', r: '\\r', f: '\\f', a: '\\x{07}', e: '\\x{1b}',
};
const INSIDE: Record<string, string> = {
  w: WORD, d: '\\p{Nd}', D: '\\P{Nd}', s: SPACE, b: '\\x{08}',
  n: '\\n', t: '\\t', r: '\\r', f: '\\f', a: '\\x{07}', e: '\\x{1b}',
};

/** Removes whitespace and `#` comments outside character classes (the 'x' flag). */
export function stripExtended(src: string): string {
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

class Translator {
  private out = '';
  private i = 0;
  private inClass = false;
  private multiline = false;
  private caret = false;
  readonly result: Translation = { source: '', names: [], endSensitive: false, asciiOnly: false };

  constructor(private readonly src: string) {}

  run(): Translation {
    while (this.i < this.src.length) {
      const c = this.src[this.i]!;
      if (c === '\\') this.escape();
      else if (this.inClass) this.classChar(c);
      else this.plainChar(c);
    }
    if (this.inClass) throw new NeedsBacktracking('an unterminated character class');
    if (this.multiline && this.caret) this.result.endSensitive = true;
    this.result.source = this.out;
    return this.result;
  }

  private escape(): void {
    const cp = this.src.codePointAt(this.i + 1);
    const e = cp === undefined ? '' : String.fromCodePoint(cp);
    this.i += 1 + Math.max(1, e.length);
    const table = this.inClass ? INSIDE : OUTSIDE;
    const simple = table[e];
    if (simple !== undefined) {
      this.out += simple;
      return;
    }
    if (e === 'x') return this.hexEscape();
    if (e === '0') return this.octalEscape();
    if (e === 'p' || e === 'P') return this.property(e);
    if (!this.inClass && (e === 'b' || e === 'B')) {
      this.result.asciiOnly = true;
      this.out += `\\${e}`;
      return;
    }
    if (!this.inClass && e === 'Z') {
      this.result.endSensitive = true;
      this.out += '\\z';
      return;
    }
    if (/^[0-9A-Za-z]$/.test(e)) throw new NeedsBacktracking(`the escape \\${e}`);
    if (e === '') throw new NeedsBacktracking('a trailing backslash');
    // An escaped punctuation character is itself; RE2 accepts escapes of ASCII punctuation only.
    this.out += /^[!-/:-@[-`{-~]$/.test(e) ? `\\${e}` : `\\x{${cp!.toString(16)}}`;
  }

  /** `\xHH` is a byte in Oniguruma (a UTF-8 sequence spelled bytewise); `\x{H…}` a code point. */
  private hexEscape(): void {
    const braced = /^\{([0-9a-fA-F]{1,8})\}/.exec(this.src.slice(this.i));
    if (braced) {
      this.i += braced[0].length;
      this.out += `\\x{${braced[1]}}`;
      return;
    }
    const plain = /^[0-9a-fA-F]{1,2}/.exec(this.src.slice(this.i));
    if (!plain || parseInt(plain[0], 16) >= 0x80) throw new NeedsBacktracking('a byte escape \\x');
    this.i += plain[0].length;
    this.out += `\\x{${plain[0]}}`;
  }

  /** `\0` with up to two more octal digits. */
  private octalEscape(): void {
    const digits = /^[0-7]{0,2}/.exec(this.src.slice(this.i))![0];
    this.i += digits.length;
    this.out += `\\x{${parseInt(`0${digits}`, 8).toString(16)}}`;
  }

  private property(e: string): void {
    const m = /^\{(\^?)([A-Za-z_ ]+)\}/.exec(this.src.slice(this.i));
    if (!m) throw new NeedsBacktracking(`the escape \\${e}`);
    this.i += m[0].length;
    const negated = (e === 'P') !== (m[1] === '^');
    this.out += `\\${negated ? 'P' : 'p'}{${m[2]}}`;
  }

  private classChar(c: string): void {
    if (c === ']') {
      this.inClass = false;
      this.out += c;
      this.i++;
      return;
    }
    if (c === '[') {
      const posix = /^\[:\^?[a-z]+:\]/.exec(this.src.slice(this.i));
      if (!posix) throw new NeedsBacktracking('a nested character class');
      this.result.asciiOnly = true;
      this.out += posix[0];
      this.i += posix[0].length;
      return;
    }
    this.out += c;
    this.i++;
  }

  private plainChar(c: string): void {
    if (c === '[') {
      this.inClass = true;
      this.out += c;
      this.i++;
      if (this.src[this.i] === '^') this.out += this.src[this.i++];
      // A `]` right after `[` or `[^` is a literal member, in Oniguruma as in RE2.
      if (this.src[this.i] === ']') this.out += this.src[this.i++];
      return;
    }
    if (c === '(') return this.group();
    if (c === '$') this.result.endSensitive = true;
    if (c === '^') this.caret = true;
    this.out += c;
    this.i++;
  }

  private group(): void {
    const rest = this.src.slice(this.i);
    if (rest[1] !== '?') {
      this.result.names.push(null);
      this.out += '(';
      this.i++;
      return;
    }
    // Only `(?<name>`: jq's Oniguruma syntax rejects Python's `(?P<name>`.
    const named = /^\(\?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
    if (named) {
      this.result.names.push(named[1]!);
      this.out += `(?P<${named[1]}>`;
      this.i += named[0].length;
      return;
    }
    if (rest.startsWith('(?#')) {
      const end = rest.indexOf(')');
      if (end < 0) throw new NeedsBacktracking('an unterminated comment');
      this.i += end + 1;
      return;
    }
    const options = /^\(\?([imsx]*)(?:-([imsx]*))?([:)])/.exec(rest);
    if (!options) throw new NeedsBacktracking(`the group ${rest.slice(0, 3)}`);
    if (`${options[1]}${options[2] ?? ''}`.includes('x')) throw new NeedsBacktracking('the inline option x');
    if (options[1]!.includes('m')) this.multiline = true;
    this.out += options[0];
    this.i += options[0].length;
  }
}

/**
 * Translates an Oniguruma pattern (after the 'x' flag's stripping) to RE2 syntax.
 * Throws NeedsBacktracking when RE2 cannot express it.
 */
export function toRe2(src: string): Translation {
  return new Translator(src).run();
}
