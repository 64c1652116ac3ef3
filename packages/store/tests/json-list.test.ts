// A column of JSON values sent as one text (sql/values.ts: jsonList on the way in, jsonArray in the
// SQL) must arrive as the same json[] / jsonb[] the text[] array literal it replaced gave, on both
// SQL adapters: SQL NULL apart from JSON null, any string (quotes, backslashes, U+001E itself,
// control characters, astral characters), no element at all, one NULL alone; and what PostgreSQL's
// json input refuses (a lone surrogate) refused the same way.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/types.ts';
import { jsonArray, jsonList, jsonParam } from '../src/sql/values.ts';
import { SQL_ADAPTERS } from './sql-adapters.ts';

const awkward = ['\x1e', 'a\x1eb', 'N', '', '"', '\\', '\\"', '{"k":"v"}', '{a,b}', 'NULL', '\x00', '\x1f\x7f', 'ü✓𝄞'];
/** JSON.stringify escapes a lone surrogate (\udxxx); PostgreSQL's json input refuses it (the API refuses such input before). */
const loneSurrogate = (v: unknown) => /\\ud[89a-f]/i.test(JSON.stringify(v ?? null));
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constantFrom(...awkward),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom(...awkward, 'k'), fc.constantFrom(...awkward), { maxKeys: 3 }),
);
const value = anyValue.filter((v) => !loneSurrogate(v));

for (const adapter of SQL_ADAPTERS) {
  describe(`JSON columns as one text: ${adapter.name}`, () => {
    let db: Db;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ db, close } = await adapter.open());
    });
    afterAll(async () => close());

    /** Each element's text (null for SQL NULL) in order, read through jsonArray and through the array literal. */
    const both = async (values: readonly unknown[], type: 'json' | 'jsonb') => {
      const [row] = await db.query<{ ours: (string | null)[] | null; literal: (string | null)[] | null }>(
        `SELECT ARRAY(SELECT j::text FROM unnest(${jsonArray('$1', type)}) WITH ORDINALITY AS u(j, n) ORDER BY n) AS ours,
                ARRAY(SELECT j::text FROM unnest($2::text[]::${type}[]) WITH ORDINALITY AS u(j, n) ORDER BY n) AS literal`,
        [jsonList(values, (v) => v), values.map(jsonParam)],
      );
      return row!;
    };

    it('gives the json[] the text[] literal gave, element for element, and the values back', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(value, { maxLength: 6 }), async (values) => {
          const { ours, literal } = await both(values, 'json');
          expect(ours).toEqual(literal);
          expect(ours!.map((text) => (text === null ? undefined : JSON.parse(text)))).toEqual(values.map((v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)))));
        }),
        { numRuns: 150 },
      );
    });

    it('gives the jsonb[] the text[] literal gave (jsonb refuses \\u0000 either way)', async () => {
      const jsonbValue = value.filter((v) => !JSON.stringify(v ?? null).includes('\\u0000'));
      await fc.assert(
        fc.asyncProperty(fc.array(jsonbValue, { maxLength: 6 }), async (values) => {
          const { ours, literal } = await both(values, 'jsonb');
          expect(ours).toEqual(literal);
        }),
        { numRuns: 100 },
      );
    });

    it('keeps the edge cases: no element, one SQL NULL, JSON null apart from SQL NULL, U+001E inside a string', async () => {
      expect(jsonList([], (v) => v)).toBe('');
      expect((await both([], 'json')).ours).toEqual([]);
      expect((await both([undefined], 'json')).ours).toEqual([null]);
      expect((await both([null, undefined, 'N'], 'json')).ours).toEqual(['null', null, '"N"']);
      expect((await both(['a\x1eb', { '\x1e': 1 }], 'jsonb')).ours).toEqual(['"a\\u001eb"', '{"\\u001e": 1}']);
    });

    it('a lone surrogate: what the array literal gave, or its error', async () => {
      for (const type of ['json', 'jsonb'] as const) {
        for (const values of [['x\udfff'], [{ a: '\ud800' }, 1]] as unknown[][]) {
          const settle = (promise: Promise<unknown>) => promise.then((rows) => ({ rows }), (error: unknown) => ({ error: (error as Error).message }));
          const ours = await settle(db.query(`SELECT ${jsonArray('$1', type)}::text AS a`, [jsonList(values, (v) => v)]));
          const literal = await settle(db.query(`SELECT $1::text[]::${type}[]::text AS a`, [values.map(jsonParam)]));
          expect(ours).toEqual(literal);
        }
      }
    });
  });
}
