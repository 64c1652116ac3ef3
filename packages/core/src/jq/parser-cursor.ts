// The token cursor shared by the parser's parts: lookahead, expectations and syntax errors.
import { syntaxError, type Token } from './lexer.ts';

export class TokenCursor {
  protected i = 0;
  constructor(protected readonly src: string, protected readonly tokens: Token[]) {}

  protected get tok(): Token {
    return this.tokens[this.i]!;
  }
  protected isOp(text: string): boolean {
    return this.tok.kind === 'op' && this.tok.text === text;
  }
  protected isKw(text: string): boolean {
    return this.tok.kind === 'kw' && this.tok.text === text;
  }
  protected fail(what?: string): never {
    const t = this.tok;
    const shown = t.kind === 'eof' ? 'end of file' : t.kind === 'str' ? 'QQSTRING_START' : t.text || t.kind;
    throw syntaxError(this.src, t.pos, what ?? `unexpected ${shown}`);
  }
  protected expectOp(text: string): void {
    if (!this.isOp(text)) this.fail();
    this.i++;
  }
  protected expectKw(text: string): void {
    if (!this.isKw(text)) this.fail();
    this.i++;
  }
  expectEnd(): void {
    if (this.tok.kind !== 'eof') this.fail();
  }
}
