// Turns source text into a plain value and remembers where each node came from, so that
// problems found later (by JSON Pointer) can be given a line and column.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { pointer, pointerTokens } from './problem.ts';
import type { Problem } from './problem.ts';

export type SourceFormat = 'yaml' | 'json';

export type ParseResult =
  | { ok: true; value: unknown; locate: (path: string) => { line: number; column: number } | undefined }
  | { ok: false; problems: Problem[] };

const MAX_ALIAS_COUNT = 1000; // bounds "billion laughs" expansion of YAML aliases

/** Parses YAML (a superset of JSON) or, when asked for, strict JSON. Never throws. */
export function parseSource(text: string, format?: SourceFormat): ParseResult {
  if (typeof text !== 'string') return fail('', 'the document source must be a string');
  if (text.trim() === '') return fail('', 'the document is empty');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
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
