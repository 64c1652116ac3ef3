// Linear-time regular expressions for JSON Schema `pattern` and `patternProperties` (approval
// forms, validated on a public page): Ajv's `code.regExp` option with RE2 (re2js) instead of
// JavaScript's backtracking RegExp, so no pattern and input can make validation slow. Patterns
// are ECMAScript syntax, translated to RE2's; one RE2 cannot express (backreferences,
// lookaround) is refused with a message naming it.
import { RE2JS } from 're2js';

export interface RegExpLike {
  test(s: string): boolean;
  toString(): string;
}

/** Raised for a pattern RE2 cannot run. */
export class UnsafePatternError extends Error {
  override readonly name = 'UnsafePatternError';
}

/** Ajv's `code.regExp`: `new Ajv({ code: { regExp: re2RegExp } })`. */
export const re2RegExp = Object.assign(
  (pattern: string, flags: string): RegExpLike => {
    let re: RE2JS;
    try {
      re = RE2JS.compile(RE2JS.translateRegExp(pattern), flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0);
    } catch (error) {
      const why = (error as Error).message.replace(/^error parsing regexp: /, '');
      throw new UnsafePatternError(`the pattern ${JSON.stringify(pattern)} is not supported (${why}): patterns run on a linear-time engine (RE2), without backreferences or lookaround`);
    }
    // Ajv keys compiled patterns by their text.
    return { test: (s: string) => re.test(s), toString: () => `/${pattern}/${flags}` };
  },
  { code: 'require("re2js").RE2JS' },
);

/**
 * Every `pattern` and `patternProperties` key of a JSON Schema that RE2 cannot run, with its
 * JSON Pointer — for checking a schema before anything validates against it.
 */
export function schemaPatternProblems(schema: unknown, at = ''): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const check = (pattern: string, path: string): void => {
    try {
      re2RegExp(pattern, 'u');
    } catch (error) {
      problems.push({ path, message: (error as Error).message });
    }
  };
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((item, i) => visit(item, `${path}/${i}`));
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      const child = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (key === 'pattern' && typeof value === 'string') check(value, child);
      if (key === 'patternProperties' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const p of Object.keys(value)) check(p, `${child}/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      }
      visit(value, child);
    }
  };
  visit(schema, at);
  return problems;
}
