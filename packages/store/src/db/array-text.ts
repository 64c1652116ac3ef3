// The text of an array parameter (PostgreSQL's array literal): each element in double quotes, a
// backslash before each backslash and double quote in it. The runner's array parameters carry JSON
// texts (a run's state, events' data) full of quotes: escaped in one pass of one regular
// expression instead of node-postgres's and PGlite's two replaces (2–3 % of the runner's and of
// `npm start`'s main thread in the sequential peer workload, V8 profiles).

const NEEDS_ESCAPE = /[\\"]/;
const TO_ESCAPE = /[\\"]/g;

/** An element's text as it goes between the double quotes of an array literal. */
export function escapeArrayElement(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(TO_ESCAPE, '\\$&') : text;
}

/**
 * node-postgres's text of a parameter (its utils.prepareValue), but a flat array of strings,
 * numbers, booleans and nulls written here in one pass per element; anything else (nested arrays,
 * Dates, Buffers, objects) as node-postgres writes it. The same text either way.
 */
export function pgParamText(prepareValue: (value: unknown) => string | Buffer | null): (value: unknown) => string | Buffer | null {
  return (value) => {
    if (!Array.isArray(value)) return prepareValue(value);
    let text = '{';
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      if (i > 0) text += ',';
      if (item === null || item === undefined) text += 'NULL';
      else if (typeof item === 'string') text += `"${escapeArrayElement(item)}"`;
      else if (typeof item === 'number' || typeof item === 'boolean') text += `"${String(item)}"`;
      else return prepareValue(value);
    }
    return `${text}}`;
  };
}
