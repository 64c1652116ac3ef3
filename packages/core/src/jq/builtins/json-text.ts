// Parsing JSON text: `fromjson`, and the concatenated JSON stream the CLI reads. jq also
// accepts `nan` (and NaN) as a number.
import { JqRuntimeError } from '../errors.ts';

export function parseJsonText(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    const values = parseJsonStream(s, true);
    if (values.length !== 1) throw new JqRuntimeError(`Unexpected extra JSON values (while parsing '${s}')`);
    return values[0];
  }
}

/** Every JSON value of a whitespace-separated stream (`1 [2] {"a":3}`). */
export function parseJsonStream(text: string, forFromJson = false): unknown[] {
  const out: unknown[] = [];
  let pos = 0;
  const fail = (what: string): never => {
    const suffix = forFromJson ? ` (while parsing '${text}')` : '';
    throw new JqRuntimeError(`${what} at line 1, column ${pos}${suffix}`);
  };
  const ws = (): void => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const value = (): unknown => {
    ws();
    const c = text[pos];
    if (c === undefined) return fail('Unfinished JSON term at EOF');
    if (c === '{') {
      pos++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[pos] === '}') { pos++; return obj; }
      for (;;) {
        ws();
        if (text[pos] !== '"') return fail(pos >= text.length ? 'Unfinished JSON term at EOF' : 'Object keys must be strings');
        const k = string();
        ws();
        if (text[pos++] !== ':') return fail(pos > text.length ? 'Unfinished JSON term at EOF' : "Objects must consist of key:value pairs");
        Object.defineProperty(obj, k, { value: value(), enumerable: true, writable: true, configurable: true });
        ws();
        const d = text[pos++];
        if (d === '}') return obj;
        if (d !== ',') return fail(d === undefined ? 'Unfinished JSON term at EOF' : "Expected separator between values");
      }
    }
    if (c === '[') {
      pos++;
      const arr: unknown[] = [];
      ws();
      if (text[pos] === ']') { pos++; return arr; }
      for (;;) {
        arr.push(value());
        ws();
        const d = text[pos++];
        if (d === ']') return arr;
        if (d !== ',') return fail(d === undefined ? 'Unfinished JSON term at EOF' : 'Expected separator between values');
      }
    }
    if (c === '"') return string();
    const m = /^(?:-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|true|false|null|nan|NaN|-nan)/.exec(text.slice(pos, pos + 400));
    if (!m) return fail('Invalid literal');
    pos += m[0].length;
    if (m[0] === 'true') return true;
    if (m[0] === 'false') return false;
    if (m[0] === 'null') return null;
    if (/nan/i.test(m[0])) return NaN;
    return Number(m[0]);
  };
  const string = (): string => {
    const start = pos;
    pos++;
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1;
    if (pos >= text.length) return fail('Unfinished string at EOF');
    pos++;
    try {
      return JSON.parse(text.slice(start, pos)) as string;
    } catch {
      return fail('Invalid string');
    }
  };
  for (;;) {
    ws();
    if (pos >= text.length) return out;
    out.push(value());
  }
}
