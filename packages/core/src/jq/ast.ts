// The syntax tree of a jq program, as the parser builds it and the compiler consumes it.

export type Ast =
  | { type: 'identity' }
  | { type: 'recurseDefault' } // `..`
  | { type: 'literal'; value: unknown }
  | { type: 'string'; format: string | undefined; parts: (string | Ast)[] }
  | { type: 'format'; name: string } // `@base64` used as a filter
  | { type: 'index'; target: Ast; index: Ast; opt?: boolean } // `.a`, `.[e]`, `.a?` (opt: only this step may fail)
  | { type: 'slice'; target: Ast; from: Ast | undefined; to: Ast | undefined; opt?: boolean }
  | { type: 'iterate'; target: Ast; opt?: boolean } // `.[]`, `.[]?`
  | { type: 'try'; body: Ast; handler: Ast | undefined } // `try a catch b`, `a?`
  | { type: 'pipe'; left: Ast; right: Ast }
  | { type: 'comma'; left: Ast; right: Ast }
  | { type: 'neg'; operand: Ast }
  | { type: 'binary'; op: BinaryOp; left: Ast; right: Ast }
  | { type: 'and' | 'or' | 'alternative'; left: Ast; right: Ast }
  | { type: 'update'; op: UpdateOp; target: Ast; value: Ast }
  | { type: 'array'; body: Ast | undefined }
  | { type: 'object'; entries: ObjectEntry[] }
  | { type: 'if'; cond: Ast; then: Ast; else: Ast | undefined }
  | { type: 'bind'; source: Ast; patterns: Pattern[]; body: Ast } // `src as $x ?// [$x] | body`
  | { type: 'reduce'; source: Ast; patterns: Pattern[]; init: Ast; update: Ast }
  | { type: 'foreach'; source: Ast; patterns: Pattern[]; init: Ast; update: Ast; extract: Ast | undefined }
  | { type: 'label'; name: string; body: Ast }
  | { type: 'break'; name: string }
  | { type: 'funcDef'; def: FuncDef; rest: Ast }
  | { type: 'call'; name: string; args: Ast[] }
  | { type: 'var'; name: string }
  | { type: 'loc'; line: number };

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=';
export type UpdateOp = '|=' | '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '//=';

export interface ObjectEntry {
  key: Ast; // evaluates to the key string
  value: Ast;
}

export interface FuncDef {
  name: string;
  /** Parameter names; a `$name` parameter is stored with its '$'. */
  params: string[];
  body: Ast;
}

export type Pattern =
  | { type: 'var'; name: string }
  | { type: 'array'; elements: Pattern[] }
  | { type: 'object'; entries: { key: Ast; keyVar: string | undefined; value: Pattern | undefined }[] };
