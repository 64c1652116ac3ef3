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

/** A node met by the walk; its path is rebuilt from the parent links only when there is an issue. */
interface Visit {
  value: unknown;
  depth: number;
  key: string | number | undefined;
  parent: Visit | undefined;
}

/**
 * What the store could not keep of a parsed JSON value: a number JSON cannot hold (1e400 parses
 * to Infinity and would be stored as null) or nesting deeper than MAX_JSON_DEPTH (the store's
 * JSON.stringify overflowed the stack: a 500). Walked without recursion, in memory linear in the
 * value (a path is built only for the issue found).
 */
export function jsonValueIssue(value: unknown): JsonValueIssue | undefined {
  const stack: Visit[] = [{ value, depth: 0, key: undefined, parent: undefined }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const node = item.value;
    if (typeof node === 'number' && !Number.isFinite(node)) return { path: pathOf(item), message: 'is a number JSON cannot hold (too large)' };
    if (typeof node !== 'object' || node === null) continue;
    if (item.depth >= MAX_JSON_DEPTH) return { path: pathOf(item), message: `nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep` };
    const depth = item.depth + 1;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i -= 1) stack.push({ value: node[i], depth, key: i, parent: item });
    } else {
      const keys = Object.keys(node);
      for (let i = keys.length - 1; i >= 0; i -= 1) stack.push({ value: (node as Record<string, unknown>)[keys[i]!], depth, key: keys[i], parent: item });
    }
  }
  return undefined;
}

function pathOf(visit: Visit): Array<string | number> {
  const path: Array<string | number> = [];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** A JSON Pointer (RFC 6901) under `where` (`/body/…`), as problem documents give paths. */
export function pointerUnder(where: string, path: ReadonlyArray<string | number>): string {
  return `/${[where, ...path.map((token) => String(token).replace(/~/g, '~0').replace(/\//g, '~1'))].join('/')}`;
}
