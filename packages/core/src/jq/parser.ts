// Recursive-descent parser for jq 1.8, following the precedence of jq's own grammar (parser.y):
//   '|'  <  ','  <  '//' (right)  <  '=' '|=' '+=' … (nonassoc)  <  or  <  and
//   <  == != < <= > >= (nonassoc)  <  + -  <  * / %  <  unary -  <  postfix (. [] ?)
// `try`, `reduce`, `foreach`, `if`, `label`, `def` are terms. A binding `E as $p | body` takes
// as its source the whole expression E before it, up to the nearest ',' or '|' (jq 1.8:
// `1 + 2 as $x | -$x` is -3), and its body extends right to the end of the pipe; `reduce` and
// `foreach` take such an expression as their source too.
import type { Ast, BinaryOp, FuncDef, UpdateOp } from './ast.ts';
import { lineColumn, tokenize } from './lexer.ts';
import { StructureParser } from './parser-structures.ts';
import { JqCompileError } from './errors.ts';

const UPDATE_OPS = new Set(['=', '|=', '+=', '-=', '*=', '/=', '%=', '//=']);
const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);

export function parse(src: string): Ast {
  const parser = new Parser(src, tokenize(src));
  const ast = parser.parseProgram();
  parser.expectEnd();
  return ast;
}

class Parser extends StructureParser {

  parseProgram(): Ast {
    if (this.isKw('import') || this.isKw('include')) throw new JqCompileError('modules are not supported');
    if (this.tok.kind === 'eof') return { type: 'identity' };
    return this.parsePipe();
  }

  /** Exp at the lowest precedence: definitions, bindings, labels and '|'. */
  parsePipe(): Ast {
    if (this.isKw('def')) {
      const def = this.parseFuncDef();
      const rest = this.tok.kind === 'eof' ? { type: 'identity' as const } : this.parsePipe();
      return { type: 'funcDef', def, rest };
    }
    const left = this.parseComma();
    if (this.isOp('|')) {
      this.i++;
      return { type: 'pipe', left, right: this.parsePipe() };
    }
    return left;
  }

  private parseComma(): Ast {
    let left = this.parseBindable();
    while (this.isOp(',')) {
      this.i++;
      left = { type: 'comma', left, right: this.parseBindable() };
    }
    return left;
  }

  /** An operand of ',': an expression, or `expression as $p | body` (the body ends the pipe). */
  private parseBindable(): Ast {
    const source = this.parseAlternative();
    if (!this.isKw('as')) return source;
    this.i++;
    const patterns = this.parsePatterns();
    this.expectOp('|');
    return { type: 'bind', source, patterns, body: this.parsePipe() };
  }

  protected parseAlternative(): Ast {
    const left = this.parseUpdate();
    if (!this.isOp('//')) return left;
    this.i++;
    return { type: 'alternative', left, right: this.parseAlternative() };
  }

  private parseUpdate(): Ast {
    const target = this.parseOr();
    if (this.tok.kind !== 'op' || !UPDATE_OPS.has(this.tok.text)) return target;
    const op = this.tok.text as UpdateOp;
    this.i++;
    const value = this.parseOr();
    if (this.tok.kind === 'op' && UPDATE_OPS.has(this.tok.text)) this.fail();
    return { type: 'update', op, target, value };
  }

  private parseOr(): Ast {
    let left = this.parseAnd();
    while (this.isKw('or')) {
      this.i++;
      left = { type: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Ast {
    let left = this.parseCompare();
    while (this.isKw('and')) {
      this.i++;
      left = { type: 'and', left, right: this.parseCompare() };
    }
    return left;
  }

  private parseCompare(): Ast {
    const left = this.parseAdditive();
    if (this.tok.kind !== 'op' || !COMPARE_OPS.has(this.tok.text)) return left;
    const op = this.tok.text as BinaryOp;
    this.i++;
    const right = this.parseAdditive();
    if (this.tok.kind === 'op' && COMPARE_OPS.has(this.tok.text)) this.fail();
    return { type: 'binary', op, left, right };
  }

  private parseAdditive(): Ast {
    let left = this.parseMultiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.tok.text as BinaryOp;
      this.i++;
      left = { type: 'binary', op, left, right: this.parseMultiplicative() };
    }
    return left;
  }

  private parseMultiplicative(): Ast {
    let left = this.parseUnary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.tok.text as BinaryOp;
      this.i++;
      left = { type: 'binary', op, left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): Ast {
    if (this.isOp('-')) {
      this.i++;
      return { type: 'neg', operand: this.parseUnary() };
    }
    return this.parsePostfix();
  }

  /** A term followed by any number of suffixes: `.a`, `."a"`, `[e]`, `[]`, `[a:b]`, `?`. */
  private parsePostfix(): Ast {
    const startsWithPath = this.tok.kind === 'field' || (this.isOp('.') && (this.tokens[this.i + 1]?.kind === 'str' || this.tokens[this.i + 1]?.text === '['));
    let term = this.parsePrimary();
    // jq: `?` right after an index step (`.a?`, `.[e]?`, `.[]?`) makes only that step optional;
    // after any other term it is `try term`.
    let lastIsStep = startsWithPath && (term.type === 'index' || term.type === 'slice' || term.type === 'iterate');
    for (;;) {
      const t = this.tok;
      if (t.kind === 'field') {
        this.i++;
        term = { type: 'index', target: term, index: { type: 'literal', value: t.text } };
        lastIsStep = true;
      } else if (this.isOp('.') && this.tokens[this.i + 1]?.kind === 'str') {
        this.i++;
        term = { type: 'index', target: term, index: this.parseString(undefined) };
        lastIsStep = true;
      } else if (this.isOp('.') && this.tokens[this.i + 1]?.text === '[' && this.tokens[this.i + 1]?.kind === 'op') {
        this.i++;
        term = this.parseBracketSuffix(term);
        lastIsStep = true;
      } else if (this.isOp('[')) {
        term = this.parseBracketSuffix(term);
        lastIsStep = true;
      } else if (this.isOp('?')) {
        this.i++;
        if (lastIsStep && (term.type === 'index' || term.type === 'slice' || term.type === 'iterate') && !term.opt) term = { ...term, opt: true };
        else term = { type: 'try', body: term, handler: undefined };
        lastIsStep = false;
      } else {
        return term;
      }
    }
  }

  private parseBracketSuffix(target: Ast): Ast {
    this.expectOp('[');
    if (this.isOp(']')) {
      this.i++;
      return { type: 'iterate', target };
    }
    if (this.isOp(':')) {
      this.i++;
      const to = this.parsePipe();
      this.expectOp(']');
      return { type: 'slice', target, from: undefined, to };
    }
    const index = this.parsePipe();
    if (this.isOp(':')) {
      this.i++;
      const to = this.isOp(']') ? undefined : this.parsePipe();
      this.expectOp(']');
      return { type: 'slice', target, from: index, to };
    }
    this.expectOp(']');
    return { type: 'index', target, index };
  }

  private parsePrimary(): Ast {
    const t = this.tok;
    switch (t.kind) {
      case 'num':
        this.i++;
        return { type: 'literal', value: t.num };
      case 'str':
        return this.parseString(undefined);
      case 'format':
        this.i++;
        if (this.tok.kind === 'str') return this.parseString(t.text);
        return { type: 'format', name: t.text };
      case 'field':
        this.i++;
        return { type: 'index', target: { type: 'identity' }, index: { type: 'literal', value: t.text } };
      case 'var':
        this.i++;
        return { type: 'var', name: t.text };
      case 'ident':
        return this.parseCall();
      case 'kw':
        return this.parseKeywordTerm();
      case 'op':
        return this.parseOpTerm();
      default:
        return this.fail();
    }
  }

  private parseOpTerm(): Ast {
    const t = this.tok;
    this.i++;
    switch (t.text) {
      case '.':
        if (this.tok.kind === 'str') return { type: 'index', target: { type: 'identity' }, index: this.parseString(undefined) };
        return { type: 'identity' };
      case '..':
        return { type: 'recurseDefault' };
      case '(': {
        const inner = this.parsePipe();
        this.expectOp(')');
        return inner;
      }
      case '[': {
        if (this.isOp(']')) {
          this.i++;
          return { type: 'array', body: undefined };
        }
        const body = this.parsePipe();
        this.expectOp(']');
        return { type: 'array', body };
      }
      case '{':
        return this.parseObject();
      default:
        this.i--;
        return this.fail();
    }
  }

  private parseKeywordTerm(): Ast {
    const t = this.tok;
    switch (t.text) {
      case '$__loc__':
        this.i++;
        return { type: 'loc', line: lineColumn(this.src, t.pos).line };
      case 'def': {
        const def = this.parseFuncDef();
        return { type: 'funcDef', def, rest: this.parsePipe() };
      }
      case 'if':
        return this.parseIf();
      case 'try': {
        this.i++;
        const body = this.parsePostfixOrNeg();
        if (!this.isKw('catch')) return { type: 'try', body, handler: undefined };
        this.i++;
        return { type: 'try', body, handler: this.parsePostfixOrNeg() };
      }
      case 'reduce':
      case 'foreach':
        return this.parseFold(t.text);
      case 'label': {
        this.i++;
        const name = this.tok;
        if (name.kind !== 'var') this.fail();
        this.i++;
        this.expectOp('|');
        return { type: 'label', name: name.text, body: this.parsePipe() };
      }
      default:
        return this.fail();
    }
  }

  private parsePostfixOrNeg(): Ast {
    if (this.isOp('-')) {
      this.i++;
      return { type: 'neg', operand: this.parsePostfix() };
    }
    return this.parsePostfix();
  }

  private parseIf(): Ast {
    this.expectKw('if');
    const cond = this.parsePipe();
    this.expectKw('then');
    const then = this.parsePipe();
    if (this.isKw('elif')) {
      this.tokens[this.i] = { ...this.tok, text: 'if' };
      return { type: 'if', cond, then, else: this.parseIf() };
    }
    let otherwise: Ast | undefined;
    if (this.isKw('else')) {
      this.i++;
      otherwise = this.parsePipe();
    }
    this.expectKw('end');
    return { type: 'if', cond, then, else: otherwise };
  }

  private parseFold(kind: string): Ast {
    this.i++;
    const source = this.parseAlternative();
    this.expectKw('as');
    const patterns = this.parsePatterns();
    this.expectOp('(');
    const init = this.parsePipe();
    this.expectOp(';');
    const update = this.parsePipe();
    let extract: Ast | undefined;
    if (kind === 'foreach' && this.isOp(';')) {
      this.i++;
      extract = this.parsePipe();
    }
    this.expectOp(')');
    if (kind === 'reduce') return { type: 'reduce', source, patterns, init, update };
    return { type: 'foreach', source, patterns, init, update, extract };
  }

  private parseCall(): Ast {
    const name = this.tok.text;
    this.i++;
    if (name.includes('::')) throw new JqCompileError(`${name}: modules are not supported`);
    if (name === 'break') {
      if (this.tok.kind !== 'var') this.fail();
      const label = this.tok.text;
      this.i++;
      return { type: 'break', name: label };
    }
    if (!this.isOp('(') && (name === 'null' || name === 'true' || name === 'false')) {
      return { type: 'literal', value: name === 'null' ? null : name === 'true' };
    }
    const args: Ast[] = [];
    if (this.isOp('(')) {
      this.i++;
      args.push(this.parsePipe());
      while (this.isOp(';')) {
        this.i++;
        args.push(this.parsePipe());
      }
      this.expectOp(')');
    }
    return { type: 'call', name, args };
  }

  private parseFuncDef(): FuncDef {
    this.expectKw('def');
    const nameTok = this.tok;
    if (nameTok.kind !== 'ident') this.fail();
    this.i++;
    const params: string[] = [];
    if (this.isOp('(')) {
      this.i++;
      for (;;) {
        const p = this.tok;
        if (p.kind === 'var') params.push(`$${p.text}`);
        else if (p.kind === 'ident') params.push(p.text);
        else this.fail();
        this.i++;
        if (this.isOp(')')) break;
        this.expectOp(';');
      }
      this.i++;
    }
    this.expectOp(':');
    const body = this.parsePipe();
    this.expectOp(';');
    return { name: nameTok.text, params, body };
  }

  protected parseString(format: string | undefined): Ast {
    const t = this.tok;
    this.i++;
    const parts: (string | Ast)[] = [];
    for (const part of t.parts ?? []) {
      if (typeof part === 'string') {
        if (part !== '') parts.push(part);
        continue;
      }
      const sub = new Parser(this.src, part);
      const ast = sub.parsePipe();
      sub.expectEnd();
      parts.push(ast);
    }
    if (format === undefined && parts.every((p) => typeof p === 'string')) {
      return { type: 'literal', value: parts.join('') };
    }
    return { type: 'string', format, parts };
  }
}
