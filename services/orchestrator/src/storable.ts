// PostgreSQL text columns cannot hold U+0000, and unpaired UTF-16 surrogates are not valid text
// either. Strings that end up in text columns (names, versions, idempotency keys, filters) are
// checked at the edge so such input is a 400, not a database error (500). JSON values (run input,
// documents) are jsonb and the store keeps them as they are.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain U+0000 or unpaired surrogates';

export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

/** How deeply a JSON value (run input, event data) may nest: the store serialises it recursively. */
export const MAX_JSON_DEPTH = 512;

export interface JsonValueIssue {
  path: Array<string | number>;
  message: string;
}

/**
 * What the store could not keep of a parsed JSON value: a number JSON cannot hold (1e400 parses
 * to Infinity and would be stored as null) or nesting deeper than MAX_JSON_DEPTH (the store's
 * JSON.stringify overflowed the stack: a 500). Walked without recursion.
 */
export function jsonValueIssue(value: unknown): JsonValueIssue | undefined {
  const stack: Array<{ value: unknown; path: Array<string | number> }> = [{ value, path: [] }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value: node, path } = item;
    if (typeof node === 'number' && !Number.isFinite(node)) return { path, message: 'is a number JSON cannot hold (too large)' };
    if (typeof node !== 'object' || node === null) continue;
    if (path.length >= MAX_JSON_DEPTH) return { path, message: `nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep` };
    const entries: Array<[string | number, unknown]> = Array.isArray(node) ? node.map((child, i) => [i, child]) : Object.entries(node);
    for (const [key, child] of entries) stack.push({ value: child, path: [...path, key] });
  }
  return undefined;
}
