// The PGlite adapter (db/pglite.ts) writes and reads the wire protocol with node-postgres's
// pg-protocol instead of the copy PGlite bundles, for speed. These tests hold it to what PGlite's
// own would do, against a real PGlite backend: the messages it sends get the same answers, and
// the answers — rows of every type Baton stores, statement errors, notices, parameter types —
// read the same through PGlite's parseResults.
import { PGlite, parse, protocol, types } from '@electric-sql/pglite';
import { DatabaseError, serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResults, serializeArray } from '../src/db/pglite-protocol.ts';

type Messages = Parameters<typeof parse.parseResults>[0];

const ours = (answer: Uint8Array): Messages => {
  const out: unknown[] = [];
  new Parser().parse(Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength), (message) => out.push(message));
  return out as Messages;
};
const theirs = (answer: Uint8Array): Messages => {
  const out: unknown[] = [];
  new protocol.Parser().parse(answer.slice().buffer, (message) => out.push(message));
  return out as Messages;
};
// As the adapter has them: PGlite's, with the array types of the columns read here.
const parsers: Record<number, (text: string) => unknown> = { ...types.parsers };
for (const [oid, typarray] of [[25, 1009], [23, 1007]] as const) parsers[typarray] = (text) => types.arrayParser(text, parsers[oid] as types.Parser, typarray);
const results = (messages: Messages) => parse.parseResults(messages, parsers);
const names = (messages: Messages) => messages.map((m) => m.name);

describe('the PGlite adapter speaks the protocol as PGlite does', () => {
  let pg: PGlite;
  const exchange = async (...messages: Uint8Array[]) => pg.execProtocolRaw(Buffer.concat(messages));
  const state = JSON.stringify({ tasks: Array.from({ length: 40 }, (_, i) => ({ name: `step/${i}`, out: { n: i, text: 'ünïcödé ✓ 𝄞' } })) });

  beforeAll(async () => {
    pg = await PGlite.create();
    await pg.exec(`CREATE TABLE t (id text PRIMARY KEY, n int, big bigint, f float8, ok boolean, at timestamptz, j json, jb jsonb, tags text[], nums int[], nothing text)`);
    await pg.exec(`INSERT INTO t VALUES ('a', 1, 9007199254740993, 1.5, true, '2026-12-05T03:00:00.123Z', '{"k": [1, "ü"]}', '{"z": null}', '{x,"y z",NULL}', '{1,2,NULL}', NULL), ('ü✓𝄞', -2, 0, -0.25, false, '1999-01-01T00:00:00Z', 'null', '[]', '{}', '{}', NULL)`);
  });
  afterAll(async () => pg.close());

  it('writes Parse, Describe, Execute, Sync and Query as the same bytes as PGlite', () => {
    const bytes = (message: Uint8Array) => [...message];
    const text = 'SELECT $1::jsonb, $2::text -- ünïcödé';
    expect(bytes(serialize.parse({ name: 'baton_7', text }))).toEqual(bytes(protocol.serialize.parse({ name: 'baton_7', text })));
    expect(bytes(serialize.describe({ type: 'S', name: 'baton_7' }))).toEqual(bytes(protocol.serialize.describe({ type: 'S', name: 'baton_7' })));
    expect(bytes(serialize.describe({ type: 'P' }))).toEqual(bytes(protocol.serialize.describe({ type: 'P' })));
    expect(bytes(serialize.execute({}))).toEqual(bytes(protocol.serialize.execute({})));
    expect(bytes(serialize.sync())).toEqual(bytes(protocol.serialize.sync()));
    for (const script of ['BEGIN', 'COMMIT', 'ROLLBACK', "SELECT 'ü'; SELECT 2"]) expect(bytes(serialize.query(script))).toEqual(bytes(protocol.serialize.query(script)));
  });

  it('writes array parameters as PGlite’s serializer does: nested, nulls, quotes, backslashes, box arrays', () => {
    const element = fc.oneof(fc.string(), fc.constantFrom('a"b', 'c\\d', '\\"', '', 'NULL', '{x}', 'ü✓𝄞'), fc.constant(null), fc.constant(undefined), fc.integer());
    const array = fc.oneof(fc.array(element, { maxLength: 8 }), fc.array(fc.array(element, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }));
    fc.assert(
      fc.property(array, fc.constantFrom(1009, 1007, 1020, 199), fc.boolean(), (value, typarray, withElement) => {
        const elementSerializer = withElement ? (v: unknown) => `<${String(v)}>` : undefined;
        expect(serializeArray(value, elementSerializer, typarray)).toEqual(types.arraySerializer(value, elementSerializer, typarray));
      }),
      { numRuns: 2_000 },
    );
    expect(serializeArray('not an array', undefined, 1009)).toBe(types.arraySerializer('not an array', undefined, 1009));
  });

  it('a Bind gets the same answer as PGlite’s (it names its one result format, text, where PGlite names none)', async () => {
    await exchange(serialize.parse({ name: 'bind', text: 'SELECT $1::jsonb AS state, $2::text AS id, $3::text AS nothing, $4::text AS empty, $5::int AS n, $6::text[] AS tags, length($7::text) AS long' }), serialize.sync());
    const values = [state, '01a24432-44b2-7357-bdde-a421b00761f8', null, '', '12', '{x,"y z",NULL}', 'x'.repeat(70_000)];
    const answer = (bind: Uint8Array) => exchange(bind, serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync());
    const mine = await answer(serialize.bind({ statement: 'bind', values }));
    expect([...mine]).toEqual([...(await answer(protocol.serialize.bind({ statement: 'bind', values })))]);
    expect(results(ours(mine))[0]!.rows).toEqual([{ state: JSON.parse(state), id: '01a24432-44b2-7357-bdde-a421b00761f8', nothing: null, empty: '', n: 12, tags: ['x', 'y z', null], long: 70_000 }]);
    expect([...(await answer(serialize.bind({ statement: 'bind', values: [] })))]).toEqual([...(await answer(protocol.serialize.bind({ statement: 'bind', values: [] })))]);
  });

  it('reads rows of every type, nulls and text that is not ASCII as PGlite does', async () => {
    const answer = await exchange(serialize.parse({ name: 'rows', text: 'SELECT * FROM t WHERE id = ANY($1::text[]) ORDER BY id' }), serialize.bind({ statement: 'rows', values: ['{a,"ü✓𝄞"}'] }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync());
    expect(names(ours(answer))).toEqual(names(theirs(answer)));
    expect(results(ours(answer))).toEqual(results(theirs(answer)));
    const [rows] = results(ours(answer));
    expect(rows!.rows).toHaveLength(2);
    expect(rows!.rows[0]).toMatchObject({ id: 'a', big: 9007199254740993n, ok: true, at: new Date('2026-12-05T03:00:00.123Z'), jb: { z: null }, tags: ['x', 'y z', null], nums: [1, 2, null] });
    expect(rows!.rows[1]).toMatchObject({ id: 'ü✓𝄞', tags: [], nothing: null });
  });

  it('reads rows and command tags as PGlite’s parseResults does (the adapter’s own reader)', async () => {
    const same = (answer: Uint8Array) => {
      const mine = readResults(ours(answer), parsers);
      const pglite = results(ours(answer)).map((r) => ({ rows: r.rows, ...(r.command !== undefined && { command: r.command }) }));
      expect(mine).toEqual(pglite);
      for (const [i, r] of mine.entries()) for (const [j, row] of r.rows.entries()) expect(Object.keys(row)).toEqual(Object.keys(pglite[i]!.rows[j]!));
      return mine;
    };
    await exchange(serialize.parse({ name: 'read', text: 'SELECT * FROM t WHERE id = ANY($1::text[]) ORDER BY id' }), serialize.sync());
    const read = same(await exchange(serialize.bind({ statement: 'read', values: ['{a,"ü✓𝄞",none}'] }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.bind({ statement: 'read', values: ['{}'] }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()));
    expect(read.map((r) => r.rows.length)).toEqual([2, 0]);
    same(await exchange(serialize.query("SELECT 1 AS a, 'x' AS a, NULL::int AS b, '{\"k\":1}'::json AS __proto__, ARRAY[1,NULL] AS arr; DO $$ BEGIN RAISE NOTICE 'hé'; END $$; UPDATE t SET n = n + 1; DELETE FROM t WHERE id = 'none'")));
    same(await exchange(serialize.query('BEGIN'), serialize.query('COMMIT')));
    expect(readResults([], parsers)).toEqual([{ rows: [] }]);
    const proto = readResults(ours(await exchange(serialize.query(`SELECT '{"k":1}'::jsonb AS __proto__`))), parsers)[0]!.rows[0]!;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value).toEqual({ k: 1 });
  });

  it('reads the parameter types of a prepared statement as PGlite does', async () => {
    const answer = await exchange(serialize.parse({ name: 'types', text: 'SELECT $1::jsonb, $2::text[], $3::int' }), serialize.describe({ type: 'S', name: 'types' }), serialize.sync());
    expect(parse.parseDescribeStatementResults(ours(answer))).toEqual([3802, 1009, 23]);
    expect(parse.parseDescribeStatementResults(ours(answer))).toEqual(parse.parseDescribeStatementResults(theirs(answer)));
  });

  it('reads a statement error — SQLSTATE, message, detail, constraint — and what follows it as PGlite does', async () => {
    const answer = await exchange(serialize.query("INSERT INTO t (id) VALUES ('a')"));
    const error = ours(answer).find((m) => m instanceof DatabaseError) as DatabaseError;
    const their = theirs(answer).find((m) => m instanceof protocol.messages.DatabaseError) as InstanceType<typeof protocol.messages.DatabaseError>;
    expect(error).toBeInstanceOf(Error);
    const fields = (e: DatabaseError | InstanceType<typeof protocol.messages.DatabaseError>) => ({ code: e.code, message: e.message, detail: e.detail, constraint: e.constraint, table: e.table, severity: e.severity, schema: e.schema });
    expect(fields(error)).toEqual(fields(their));
    expect(error.code).toBe('23505');
    expect(ours(answer).at(-1)).toMatchObject({ name: 'readyForQuery' });
  });

  it('reads notices and command tags as PGlite does', async () => {
    const answer = await exchange(serialize.query("DO $$ BEGIN RAISE NOTICE 'hé'; END $$; UPDATE t SET n = n + 1; DELETE FROM t WHERE id = 'none'"));
    expect(results(ours(answer))).toEqual(results(theirs(answer)));
    expect(results(ours(answer)).map((r) => r.command)).toEqual(['DO', 'UPDATE', 'DELETE']);
    expect(ours(answer).find((m) => m.name === 'notice')).toMatchObject({ message: 'hé' });
  });
});
