// Turns source text into a plain value and remembers where each node came from, so that
// problems found later (by JSON Pointer) can be given a line and column.
import { Composer, isAlias, isMap, isScalar, isSeq, LineCounter, Parser, visit, YAMLParseError } from 'yaml';
import type { CST, Document, Node as YamlNode } from 'yaml';
import { expansionExcess, lexicalExcess, nestingExcess, type Excess } from './parse-bounds.ts';
import { pointer, pointerTokens } from './problem.ts';
import type { Problem } from './problem.ts';

export type SourceFormat = 'yaml' | 'json';

export type ParseResult =
  | { ok: true; value: unknown; locate: (path: string) => { line: number; column: number } | undefined }
  | { ok: false; problems: Problem[] };

const MAX_ALIAS_COUNT = 1000; // bounds "billion laughs" expansion of YAML aliases

/**
 * Parses YAML (a superset of JSON) or, when asked for, strict JSON. Never throws. What the text
 * may cost is bounded before it is spent (parse-bounds.ts): values and nesting on the lexer's
 * tokens, exact nesting on the parser's, the expanded size on the composed document.
 */
export function parseSource(text: string, format?: SourceFormat): ParseResult {
  if (typeof text !== 'string') return fail('', 'the document source must be a string');
  if (text.trim() === '') return fail('', 'the document is empty');
  const lineCounter = new LineCounter();
  const lexical = lexicalExcess(text);
  if (lexical) return beyond(text, lexical);
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const nesting = nestingExcess(tokens);
  if (nesting) return beyond(text, nesting);
  const doc = compose(tokens, text.length);
  const yamlProblems = doc.errors.map((error): Problem => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const message = error.code === 'MULTIPLE_DOCS' ? 'a file must hold a single workflow document, found several (separated by ---)' : firstLine(error.message);
    return { path: '', message: `${format === 'json' ? 'JSON' : 'YAML'} syntax error: ${message}`, line, column: col };
  });
  if (format === 'json') {
    const jsonError = strictJsonError(text);
    if (jsonError !== undefined) {
      return { ok: false, problems: yamlProblems.length > 0 ? yamlProblems : [{ path: '', message: `JSON syntax error: ${jsonError}` }] };
    }
  } else if (yamlProblems.length > 0) {
    return { ok: false, problems: yamlProblems };
  }
  if (doc.contents === null) return fail('', 'the document is empty');
  const duplicate = duplicateKey(doc);
  if (duplicate !== undefined) return beyond(text, { offset: duplicate, message: `${format === 'json' ? 'JSON' : 'YAML'} syntax error: Map keys must be unique` });
  const expansion = expansionExcess(doc);
  if (expansion) return beyond(text, expansion);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return fail('', `cannot read the document: ${(error as Error).message}`);
  }
  const locator = (path: string) => locate(doc, lineCounter, path);
  const notJson = nonJsonValues(value);
  if (notJson.length > 0) return { ok: false, problems: notJson.map((p) => ({ ...p, ...locator(p.path) })) };
  return { ok: true, value, locate: locator };
}

/**
 * A workflow is JSON data. YAML can say more: recursive aliases (a cycle, which would send every
 * later walk into a loop), and tags such as !!binary or !!set that build non-JSON values.
 */
export function nonJsonValues(value: unknown, path = '', ancestors = new Set<unknown>()): Problem[] {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return [];
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [{ path, message: `${String(value)} is not a JSON number` }];
  if (typeof value !== 'object') return [{ path, message: `${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`} is not a JSON value` }];
  if (ancestors.has(value)) return [{ path, message: 'a YAML alias refers to its own ancestor: the document must be a tree' }];
  const isArray = Array.isArray(value);
  if (!isArray && Object.getPrototypeOf(value) !== Object.prototype) {
    return [{ path, message: `a ${value.constructor?.name ?? 'non-JSON'} value (from a YAML tag such as !!binary or !!set) is not JSON data` }];
  }
  ancestors.add(value);
  // An object member set to undefined is absent, as in JSON.stringify.
  const entries: Array<[string | number, unknown]> = isArray ? value.map((v, i) => [i, v]) : Object.entries(value).filter(([, v]) => v !== undefined);
  const problems = entries.flatMap(([key, child]) => nonJsonValues(child, pointer(path, key), ancestors));
  ancestors.delete(value);
  return problems;
}

function fail(path: string, message: string): ParseResult {
  return { ok: false, problems: [{ path, message }] };
}

/** One document from the parser's tokens (what parseDocument does, minus its quadratic unique-key check). */
function compose(tokens: CST.Token[], length: number): Document.Parsed {
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, length)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  return doc!;
}

/**
 * The offset of the first key repeated in a mapping. The library's own check compares every key
 * with every other (a 60,000-key JSON document took 20 s); this one keeps a set per mapping.
 * Keys are compared as the JSON object would hold them (1 and "1" collide there).
 */
function duplicateKey(doc: Document.Parsed): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key)) {
          found = rangeStart(pair.key) ?? 0;
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}

/** A bound or rule the text goes beyond, at its line and column. */
function beyond(text: string, excess: Excess): ParseResult {
  const { line, col } = linePos(text, excess.offset);
  return { ok: false, problems: [{ path: '', message: excess.message, line, column: col }] };
}

function linePos(text: string, offset: number): { line: number; col: number } {
  const counter = new LineCounter();
  counter.addNewLine(0);
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) counter.addNewLine(i + 1);
  return counter.linePos(offset);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

function strictJsonError(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return firstLine((error as Error).message);
  }
}

/**
 * The position of the node a JSON Pointer designates: for an object member, the position of its
 * key; when the pointer goes past what exists (e.g. a missing property), the deepest existing node.
 */
function locate(doc: Document, lineCounter: LineCounter, path: string): { line: number; column: number } | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = rangeStart(node);
  for (const token of pointerTokens(path)) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === token);
      if (!pair) break;
      offset = rangeStart(pair.key) ?? rangeStart(pair.value) ?? offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = /^\d+$/.test(token) ? node.items[Number(token)] : undefined;
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  if (offset === undefined) return undefined;
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as YamlNode | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}
