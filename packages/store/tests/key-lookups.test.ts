// A runner transaction plans for key lookups (SqlStore.transaction): sequential scans and JIT off
// for that transaction, or for every session of a pool opened with `keyLookups` (the
// workflow-runner's), whose transactions then do not send the settings again. Outside a
// transaction a default pool keeps the server's planning (API listings and searches).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, SqlStore } from '../src/index.ts';
import type { Db, Queryable, Row } from '../src/db/types.ts';
import { createTestDatabase, type TestDatabase } from './postgres-database.ts';

/** The Db with every statement's text recorded, and the transactions' handles kept (to ask them the settings). */
function recording(db: Db): { db: Db; sql: string[]; handles: Queryable[] } {
  const sql: string[] = [];
  const handles: Queryable[] = [];
  const wrap = (q: Queryable): Queryable => ({
    query: <R extends Row = Row>(text: string, params?: readonly unknown[]) => (sql.push(text), q.query<R>(text, params)),
    write: (text: string, params?: readonly unknown[]) => (sql.push(text), q.write(text, params)),
    exec: (script: string) => (sql.push(script), q.exec(script)),
  });
  const recorded: Db = {
    ...wrap(db),
    ...(db.keyLookups !== undefined && { keyLookups: db.keyLookups }),
    transaction: (fn) => db.transaction((tx) => (handles.push(tx), fn(wrap(tx)))),
    close: () => db.close(),
  };
  return { db: recorded, sql, handles };
}

const settings = async (q: Queryable) => (await q.query<{ seqscan: string; jit: string }>(`SELECT current_setting('enable_seqscan') AS seqscan, current_setting('jit') AS jit`))[0];

describe('key-lookup planning of runner transactions', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('a default pool: each runner transaction turns sequential scans and JIT off for itself only', async () => {
    const { db, sql, handles } = recording(openPostgres({ connectionString: database.url, poolSize: 1 }));
    const store = new SqlStore(db);
    try {
      let inside: unknown;
      await store.transaction(async () => {
        inside = await settings(handles[0]!);
      });
      expect(inside).toEqual({ seqscan: 'off', jit: 'off' });
      expect(sql.filter((text) => text.includes('set_config'))).toHaveLength(1);
      // The same (only) session, after the transaction: the server's own planning again.
      expect(await settings(db)).toEqual({ seqscan: 'on', jit: 'on' });
    } finally {
      await store.close();
    }
  });

  it('a keyLookups pool: every session plans so, and a transaction sends no settings', async () => {
    const { db, sql, handles } = recording(openPostgres({ connectionString: database.url, poolSize: 1, keyLookups: true }));
    const store = new SqlStore(db);
    try {
      let inside: unknown;
      await store.transaction(async () => {
        inside = await settings(handles[0]!);
      });
      expect(inside).toEqual({ seqscan: 'off', jit: 'off' });
      expect(sql.filter((text) => text.includes('set_config'))).toEqual([]);
      expect(await settings(db)).toEqual({ seqscan: 'off', jit: 'off' });
    } finally {
      await store.close();
    }
  });
});
