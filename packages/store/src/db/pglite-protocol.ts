// How values cross the PGlite adapter's wire protocol (db/pglite.ts): the parsers and serializers
// of its types (PGlite's own, JSON kept as raw text, its array types'), the text of an array
// parameter, and the reading of the backend's answer — its messages, then each statement's rows and
// command tag, as PGlite's execProtocol and parseResults give them (tests/pglite-protocol.test.ts).
import { type parse, types } from '@electric-sql/pglite';
import { DatabaseError } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import { escapeArrayElement } from './array-text.ts';
import { JSON_OIDS } from './types.ts';
import type { Row } from './types.ts';

export type BackendMessage = Parameters<typeof parse.parseResults>[0][number];
export type Parsers = Parameters<typeof parse.parseResults>[1];
export type Serializers = Record<number, (value: any) => string>;

const rawText = (text: string): string => text;

/**
 * As PGlite builds its own: the default parsers and serializers, the adapter's (JSON as raw text),
 * then one for each array type, by its element's (_initArrayTypes).
 */
export function valueCodecs(arrayTypes: readonly { oid: number; typarray: number }[]): { parsers: Parsers; serializers: Serializers } {
  const parsers: Parsers = { ...types.parsers, ...Object.fromEntries(JSON_OIDS.map((oid) => [oid, rawText])) };
  const serializers: Serializers = { ...types.serializers };
  for (const { oid, typarray } of arrayTypes) {
    serializers[typarray] = (value) => serializeArray(value, serializers[oid], typarray) as string;
    // arrayParser takes an element type without a parser too (its text as is), as in PGlite.
    parsers[typarray] = (text) => types.arrayParser(text, parsers[oid] as types.Parser, typarray);
  }
  return { parsers, serializers };
}

/**
 * PGlite's types.arraySerializer (its text for an array parameter, by the element type's
 * serializer), written out: an element is scanned once for a character to escape, and escaped in
 * one pass (array-text.ts) instead of two regular-expression replaces — the run ids and keys of the
 * runner's array parameters have none, and the replaces were 2–3 % of `npm start`'s main thread.
 */
export function serializeArray(value: unknown, element: ((value: any) => string) | undefined, typarray: number): unknown {
  if (!Array.isArray(value)) return value;
  if (value.length === 0) return '{}';
  const separator = typarray === 1020 ? ';' : ',';
  if (Array.isArray(value[0])) return `{${value.map((inner) => serializeArray(inner, element, typarray)).join(separator)}}`;
  return `{${value.map((item) => (item === undefined || item === null ? 'null' : `"${escapeArrayElement(element ? element(item) : (item as { toString(): string }).toString())}"`)).join(separator)}}`;
}

/** The backend's answer as PGlite's execProtocol gives it: its messages, or its first error thrown. */
export function answerOf(answer: ArrayBuffer): BackendMessage[] {
  const messages: BackendMessage[] = [];
  let error: Error | undefined;
  new Parser().parse(Buffer.from(answer), (message) => {
    if (error !== undefined) return;
    if (message instanceof DatabaseError) error = message;
    else messages.push(message as unknown as BackendMessage);
  });
  if (error !== undefined) throw error;
  return messages;
}

export interface ReadResult {
  rows: Row[];
  command?: string;
}

/**
 * The rows and command tag of each statement in `messages` — what PGlite's parse.parseResults gives
 * (each value read by the parser of its column's type; null stays null), read with each column's
 * name and parser looked up once per statement instead of per value, and each row built in one
 * loop (PGlite's builds it with Object.fromEntries over a mapped array): its parseResults was 6 %
 * of `npm start`'s main thread in the sequential peer workload (V8 profile).
 */
export function readResults(messages: readonly BackendMessage[], parsers: Parsers): ReadResult[] {
  // `parsers` holds PGlite's defaults (valueCodecs): a type without one here has none there either.
  const results: ReadResult[] = [];
  let rows: Row[] = [];
  let names: string[] = [];
  let oids: number[] = [];
  let readers: (Parsers[number] | undefined)[] = [];
  for (const message of messages) {
    switch (message.name) {
      case 'rowDescription': {
        const fields = (message as unknown as { fields: { name: string; dataTypeID: number }[] }).fields;
        names = fields.map((f) => f.name);
        oids = fields.map((f) => f.dataTypeID);
        readers = oids.map((oid) => parsers[oid]);
        break;
      }
      case 'dataRow': {
        const values = (message as unknown as { fields: (string | null)[] }).fields;
        const row: Row = {};
        for (let i = 0; i < values.length; i += 1) {
          const text = values[i]!;
          const reader = readers[i];
          const value = text === null ? null : reader === undefined ? text : reader(text, oids[i]!);
          // A column named __proto__ is a field of the row, as Object.fromEntries makes it.
          if (names[i] === '__proto__') Object.defineProperty(row, '__proto__', { value, enumerable: true, writable: true, configurable: true });
          else row[names[i]!] = value;
        }
        rows.push(row);
        break;
      }
      case 'commandComplete': {
        const text = (message as unknown as { text: string }).text;
        const space = text.indexOf(' ');
        results.push({ rows, command: space < 0 ? text : text.slice(0, space) });
        rows = [];
        names = [];
        oids = [];
        readers = [];
        break;
      }
    }
  }
  if (results.length === 0) results.push({ rows: [] });
  return results;
}

/** `parts` as one array that owns its whole buffer (so that the buffer can be transferred). */
export function joined(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const all = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}
