// Conversions between JS values and SQL parameters / rows, identical on both drivers.
import { InvalidCursorError, TERMINAL_STATUSES } from '@baton/core';

/** The statuses a run ends in, as an SQL list: `status IN ${TERMINAL_SQL}`. */
export const TERMINAL_SQL = `(${[...TERMINAL_STATUSES].map((status) => `'${status}'`).join(', ')})`;

/** A JSON value as a json/jsonb parameter (sent as text, cast with ::text::json). undefined = SQL NULL. */
export function jsonParam(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** Between the JSON texts of a jsonList (jsonArray's SQL splits on the same character), and SQL NULL's place. */
const JSON_SEPARATOR = '\x1e';
const JSON_NULL = 'N';

/**
 * A column of JSON values as one text parameter, split back into a json[] (or jsonb[]) by the SQL
 * of jsonArray: each value's JSON text, joined by U+001E. JSON never holds that character
 * unescaped (JSON.stringify writes it as \u001e; PostgreSQL's json input refuses it raw), so no
 * element needs escaping — where a text[] literal had every quote and backslash of every JSON
 * text escaped here and unescaped again by PostgreSQL's array_in (the runner's run states, events
 * and task payloads are full of quotes). `N`, which is no JSON text, is SQL NULL (undefined).
 */
export function jsonList<T>(rows: readonly T[], value: (row: T) => unknown): string {
  let text = '';
  for (let i = 0; i < rows.length; i += 1) {
    const json = jsonParam(value(rows[i]!));
    if (i > 0) text += JSON_SEPARATOR;
    text += json ?? JSON_NULL;
  }
  return text;
}

/** The SQL that reads a jsonList parameter (`$n`) as an array of `type`. */
export function jsonArray(param: string, type: 'json' | 'jsonb' = 'json'): string {
  return `string_to_array(${param}::text, chr(${JSON_SEPARATOR.charCodeAt(0)}), '${JSON_NULL}')::${type}[]`;
}

/** A json/jsonb column (raw text from the driver) back to JS. SQL NULL = undefined, JSON null = null. */
export function fromJson(text: unknown): unknown {
  if (text === null || text === undefined) return undefined;
  return JSON.parse(text as string);
}

/** A timestamptz column as an ISO string. */
export function iso(value: unknown): string {
  return (value instanceof Date ? value : new Date(value as string)).toISOString();
}

export function isoOrUndefined(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : iso(value);
}

export function textOrUndefined(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : (value as string);
}

/** Adds `key: value` only when value is defined (exactOptionalPropertyTypes-friendly records). */
export function withOptional<T extends object, K extends string, V>(target: T, key: K, value: V | undefined): T {
  if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  return target;
}

/** Opaque keyset cursors: base64url of a JSON array of the last row's sort key. */
export function encodeCursor(kind: string, key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([kind, ...key]), 'utf8').toString('base64url');
}

/**
 * The element types of a cursor's sort key. `timestamp` is an ISO 8601 UTC instant as
 * encodeCursor writes it (PostgreSQL refuses some strings Date.parse takes, such as "1").
 */
export type CursorElement = 'string' | 'number' | 'timestamp';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
// PostgreSQL text cannot hold U+0000 and lone surrogates are not text: a forged cursor carrying
// them would reach the query as a parameter and fail there (a 500).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function fits(value: unknown, element: CursorElement): boolean {
  if (element === 'number') return typeof value === 'number' && Number.isSafeInteger(value);
  if (typeof value !== 'string' || value.length > 1000 || value.includes('\u0000') || LONE_SURROGATE.test(value)) return false;
  return element === 'string' || (ISO_INSTANT.test(value) && !Number.isNaN(Date.parse(value)));
}

/** Decodes a cursor of `kind` whose key has the given element types; throws InvalidCursorError. */
export function decodeCursor(kind: string, cursor: string, shape: readonly CursorElement[]): (string | number)[] {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length + 1 || parsed[0] !== kind) throw new InvalidCursorError();
  const key = parsed.slice(1) as unknown[];
  key.forEach((value, i) => {
    if (!fits(value, shape[i]!)) throw new InvalidCursorError();
  });
  return key as (string | number)[];
}

/** Page size bounds shared by the listings. */
export function clampLimit(limit: number, max = 1000): number {
  if (!Number.isFinite(limit)) return max;
  return Math.min(Math.max(Math.trunc(limit), 1), max);
}
