// Runtime expressions: which strings are expressions, and checking that each one compiles.
//
// A string is a runtime expression when the whole string, trimmed, is `${ … }` (dsl.md,
// "Runtime Expressions", strict mode). A few properties hold nothing but an expression — the
// spec and its own examples write them bare (`if: .age < 18`, `for.in: .pets`, `output.as:
// .data`); a `set` given as a string is "a direct runtime expression" too. In those positions (IMPLICIT below) a bare string is read as jq too; `${ … }` is
// accepted there as well and means the same. See README.md, "Runtime expressions".
import { checkJq } from '../jq/index.ts';
import { isObject, pointer } from './problem.ts';
import type { Problem } from './problem.ts';
import { collectTasks } from './tasks.ts';
import type { TaskEntry } from './tasks.ts';

const WRAPPED = /^\s*\$\{([\s\S]*)\}\s*$/;

/** True when the whole string (trimmed) is `${ … }`. */
export function isRuntimeExpression(value: unknown): value is string {
  return typeof value === 'string' && WRAPPED.test(value);
}

/** The jq source of an expression: the inside of `${ … }`, or the string itself when bare. */
export function expressionSource(value: string): string {
  const match = WRAPPED.exec(value);
  return match ? match[1]!.trim() : value.trim();
}

export interface ExpressionSite {
  path: string;
  value: string;
}

/** Problems for every runtime expression of a document that does not compile. */
export function checkExpressions(document: unknown): Problem[] {
  const problems: Problem[] = [];
  const check = (path: string, source: string): void => {
    const error = source === '' ? 'the expression is empty' : checkJq(source);
    if (error !== undefined) problems.push({ path, message: `invalid runtime expression: ${describeJqError(source, error)}` });
  };
  visitStrings(document, '', [], (path, value) => {
    if (isRuntimeExpression(value)) check(path, expressionSource(value));
  });
  for (const site of implicitExpressions(document)) {
    if (!isRuntimeExpression(site.value)) check(site.path, expressionSource(site.value));
  }
  return problems;
}

/**
 * jq's message on one line. jq reports a filter that ends too early ('.a +') as an unexpected
 * end of file (or token on a line after the last one of the source); say what it means instead.
 */
export function describeJqError(source: string, message: string): string {
  const first = message.split('\n')[0]!.trim().replace(/:$/, '');
  const position = /^(.*) at <top-level>, line (\d+), column (\d+)$/.exec(first);
  if (!position) return first;
  const [, what, line, column] = position;
  // The source is an expression, not a file, and its end is the only place the error can be.
  if (what!.includes('unexpected end of file')) return what!.replace('unexpected end of file', 'unexpected end of the expression');
  if (Number(line) > source.split('\n').length) return `${what!.replace(/unexpected .*$/, 'unexpected end of the expression')}`;
  return `${what} (line ${line}, column ${column})`;
}

/** Free-form data, never read as expressions: document metadata and inline JSON Schemas. */
function isOpaque(tokens: string[]): boolean {
  const last = tokens[tokens.length - 1];
  if (tokens.length === 1 && last === 'document') return true;
  if (last === 'metadata') return true;
  return last === 'document' && tokens[tokens.length - 2] === 'schema';
}

function visitStrings(value: unknown, path: string, tokens: string[], visit: (path: string, value: string) => void): void {
  if (typeof value === 'string') {
    visit(path, value);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => visitStrings(item, pointer(path, index), [...tokens, String(index)], visit));
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const childTokens = [...tokens, key];
      if (!isOpaque(childTokens)) visitStrings(child, pointer(path, key), childTokens, visit);
    }
  }
}

/** Strings in positions that hold only an expression (bare jq allowed). */
export function implicitExpressions(document: unknown): ExpressionSite[] {
  const sites: ExpressionSite[] = [];
  if (!isObject(document)) return sites;
  const add = (value: unknown, path: string): void => {
    if (typeof value === 'string') sites.push({ path, value });
  };
  add(document.input?.from, '/input/from');
  add(document.output?.as, '/output/as');
  strategyExpressions(document.schedule?.on, '/schedule/on', add);
  if (isObject(document.use?.retries)) {
    for (const [name, retry] of Object.entries(document.use.retries)) retryExpressions(retry, pointer('/use/retries', name), add);
  }
  if (Array.isArray(document.use?.extensions)) {
    document.use.extensions.forEach((item: unknown, index: number) => {
      if (!isObject(item)) return;
      for (const [name, extension] of Object.entries(item)) add((extension as any)?.when, pointer('/use/extensions', index, name, 'when'));
    });
  }
  for (const entry of collectTasks(document).tasks) taskExpressions(entry, add);
  return sites;
}

type Add = (value: unknown, path: string) => void;

function taskExpressions(entry: TaskEntry, add: Add): void {
  const { task, path } = entry;
  add(task.if, pointer(path, 'if'));
  dataFlowExpressions(task, path, add);
  switch (entry.kind) {
    case 'set': // "an object or a direct runtime expression" (dsl-reference.md, "Set")
      add(task.set, pointer(path, 'set'));
      break;
    case 'for':
      add(task.for?.in, pointer(path, 'for', 'in'));
      add(task.while, pointer(path, 'while'));
      break;
    case 'switch':
      if (Array.isArray(task.switch)) {
        task.switch.forEach((item: unknown, index: number) => {
          if (!isObject(item)) return;
          for (const [name, branch] of Object.entries(item)) add((branch as any)?.when, pointer(path, 'switch', index, name, 'when'));
        });
      }
      break;
    case 'try':
      add(task.catch?.when, pointer(path, 'catch', 'when'));
      add(task.catch?.exceptWhen, pointer(path, 'catch', 'exceptWhen'));
      retryExpressions(task.catch?.retry, pointer(path, 'catch', 'retry'), add);
      break;
    case 'listen':
      strategyExpressions(task.listen?.to, pointer(path, 'listen', 'to'), add);
      if (isObject(task.foreach)) dataFlowExpressions(task.foreach, pointer(path, 'foreach'), add);
      break;
    default:
      break;
  }
}

/** input.from, output.as and export.as: a bare string is an expression; an object is a template. */
function dataFlowExpressions(holder: Record<string, any>, path: string, add: Add): void {
  add(holder.input?.from, pointer(path, 'input', 'from'));
  add(holder.output?.as, pointer(path, 'output', 'as'));
  add(holder.export?.as, pointer(path, 'export', 'as'));
}

function retryExpressions(retry: unknown, path: string, add: Add): void {
  if (!isObject(retry)) return;
  add(retry.when, pointer(path, 'when'));
  add(retry.exceptWhen, pointer(path, 'exceptWhen'));
}

/** Event consumption strategies: correlation `from`, and `any … until` when a string. */
function strategyExpressions(strategy: unknown, path: string, add: Add): void {
  if (!isObject(strategy)) return;
  for (const key of ['all', 'any'] as const) {
    if (Array.isArray(strategy[key])) strategy[key].forEach((filter: unknown, i: number) => filterExpressions(filter, pointer(path, key, i), add));
  }
  filterExpressions(strategy.one, pointer(path, 'one'), add);
  if (typeof strategy.until === 'string') add(strategy.until, pointer(path, 'until'));
  else strategyExpressions(strategy.until, pointer(path, 'until'), add);
}

function filterExpressions(filter: unknown, path: string, add: Add): void {
  if (!isObject(filter) || !isObject(filter.correlate)) return;
  for (const [name, correlation] of Object.entries(filter.correlate)) add((correlation as any)?.from, pointer(path, 'correlate', name, 'from'));
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names that become jq variables ($item, $index, $error, …) must be valid jq identifiers. */
export function checkVariableNames(document: unknown): Problem[] {
  const problems: Problem[] = [];
  const check = (value: unknown, path: string): void => {
    if (typeof value !== 'string' || VARIABLE_NAME.test(value)) return;
    const hint = value.startsWith('$') ? ` (write it without '$': ${value.slice(1)})` : '';
    problems.push({ path, message: `'${value}' is not a valid variable name: letters, digits and '_', not starting with a digit${hint}` });
  };
  for (const { task, path, kind } of collectTasks(document).tasks) {
    if (kind === 'for') {
      check(task.for?.each, pointer(path, 'for', 'each'));
      check(task.for?.at, pointer(path, 'for', 'at'));
    } else if (kind === 'try') {
      check(task.catch?.as, pointer(path, 'catch', 'as'));
    } else if (kind === 'listen') {
      check(task.foreach?.item, pointer(path, 'foreach', 'item'));
      check(task.foreach?.at, pointer(path, 'foreach', 'at'));
    }
  }
  return problems;
}
