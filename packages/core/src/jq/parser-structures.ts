// Object construction `{…}` and destructuring patterns (`$x`, `[…]`, `{…}`), the parts of the
// grammar that only the parser's terms use.
import type { Ast, ObjectEntry, Pattern } from './ast.ts';
import { JqCompileError } from './errors.ts';
import { lineColumn } from './lexer.ts';
import { binary } from './operators.ts';
import { TokenCursor } from './parser-cursor.ts';
import { describe } from './values.ts';

/** The value of an expression jq folds at compile time (literals, [..], {}, arithmetic on them). */
function constant(ast: Ast): { value: unknown } | undefined {
  switch (ast.type) {
    case 'literal':
      return { value: ast.value };
    case 'array': {
      if (!ast.body) return { value: [] };
      const items: unknown[] = [];
      const collect = (a: Ast): boolean => {
        if (a.type === 'comma') return collect(a.left) && collect(a.right);
        const c = constant(a);
        if (c) items.push(c.value);
        return c !== undefined;
      };
      return collect(ast.body) ? { value: items } : undefined;
    }
    case 'object':
      return ast.entries.length === 0 ? { value: {} } : undefined;
    case 'binary': {
      const l = constant(ast.left);
      const r = constant(ast.right);
      if (!l || !r) return undefined;
      try {
        return { value: binary(ast.op, l.value, r.value) };
      } catch {
        return undefined;
      }
    }
    default:
      return undefined;
  }
}

/** jq refuses a constant object key that is not a string when it compiles the program. */
function checkKey(key: Ast): Ast {
  const c = constant(key);
  if (c && typeof c.value !== 'string') throw new JqCompileError(`Cannot use ${describe(c.value)} as object key`);
  return key;
}

export abstract class StructureParser extends TokenCursor {
  abstract parsePipe(): Ast;
  protected abstract parseAlternative(): Ast;
  protected abstract parseString(format: string | undefined): Ast;

  protected parseObject(): Ast {
    const entries: ObjectEntry[] = [];
    while (!this.isOp('}')) {
      entries.push(this.parseObjectEntry());
      if (!this.isOp(',')) break;
      this.i++;
    }
    this.expectOp('}');
    return { type: 'object', entries };
  }

  private parseObjectEntry(): ObjectEntry {
    const t = this.tok;
    if (t.kind === 'kw' && t.text === '$__loc__') {
      this.i++;
      return { key: { type: 'literal', value: '__loc__' }, value: { type: 'loc', line: lineColumn(this.src, t.pos).line } };
    }
    if (t.kind === 'var') {
      this.i++;
      // `{$x}` is `{x: $x}`; `{$x: v}` takes its key from the value of $x (jq 1.8).
      if (!this.isOp(':')) return { key: { type: 'literal', value: t.text }, value: { type: 'var', name: t.text } };
      this.i++;
      return { key: { type: 'var', name: t.text }, value: this.parseObjectValue() };
    }
    let key: Ast;
    if (t.kind === 'ident' || t.kind === 'kw') {
      this.i++;
      key = { type: 'literal', value: t.text };
    } else if (t.kind === 'str') {
      key = this.parseString(undefined);
    } else if (t.kind === 'format' && this.tokens[this.i + 1]?.kind === 'str') {
      this.i++;
      key = this.parseString(t.text);
    } else if (this.isOp('(')) {
      this.i++;
      key = checkKey(this.parsePipe());
      this.expectOp(')');
      this.expectOp(':');
      return { key, value: this.parseObjectValue() };
    } else {
      return this.fail();
    }
    if (!this.isOp(':')) return { key, value: { type: 'index', target: { type: 'identity' }, index: key } };
    this.i++;
    return { key, value: this.parseObjectValue() };
  }

  /** Object values are pipes of alternatives: no ',' (it separates entries) and no `as`. */
  private parseObjectValue(): Ast {
    let value = this.parseAlternative();
    while (this.isOp('|')) {
      this.i++;
      value = { type: 'pipe', left: value, right: this.parseAlternative() };
    }
    return value;
  }

  /** `$p`, or alternatives `$p ?// [$p] ?// …` (destructuring alternatives). */
  protected parsePatterns(): Pattern[] {
    const patterns = [this.parsePattern()];
    while (this.isOp('?//')) {
      this.i++;
      patterns.push(this.parsePattern());
    }
    return patterns;
  }

  protected parsePattern(): Pattern {
    const t = this.tok;
    if (t.kind === 'var') {
      this.i++;
      return { type: 'var', name: t.text };
    }
    if (this.isOp('[')) {
      this.i++;
      const elements: Pattern[] = [this.parsePattern()];
      while (this.isOp(',')) {
        this.i++;
        elements.push(this.parsePattern());
      }
      this.expectOp(']');
      return { type: 'array', elements };
    }
    if (this.isOp('{')) return this.parseObjectPattern();
    return this.fail();
  }

  private parseObjectPattern(): Pattern {
    this.expectOp('{');
    const entries: { key: Ast; keyVar: string | undefined; value: Pattern | undefined }[] = [];
    for (;;) {
      const t = this.tok;
      if (t.kind === 'var') {
        this.i++;
        let value: Pattern | undefined;
        if (this.isOp(':')) {
          this.i++;
          value = this.parsePattern();
        }
        entries.push({ key: { type: 'literal', value: t.text }, keyVar: t.text, value });
      } else {
        let key: Ast;
        if (t.kind === 'ident' || t.kind === 'kw') {
          this.i++;
          key = { type: 'literal', value: t.text };
        } else if (t.kind === 'str') {
          key = this.parseString(undefined);
        } else if (this.isOp('(')) {
          this.i++;
          key = checkKey(this.parsePipe());
          this.expectOp(')');
        } else {
          return this.fail();
        }
        this.expectOp(':');
        entries.push({ key, keyVar: undefined, value: this.parsePattern() });
      }
      if (!this.isOp(',')) break;
      this.i++;
    }
    this.expectOp('}');
    return { type: 'object', entries };
  }
}
