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

  /** A runner transaction on a one-connection pool: the settings inside it, the set_config statements sent, the settings after it. */
  async function runnerTransaction(keyLookups: boolean) {
    const { db, sql, handles } = recording(openPostgres({ connectionString: database.url, poolSize: 1, keyLookups }));
    const store = new SqlStore(db);
    try {
      let inside: unknown;
      await store.transaction(async () => {
        inside = await settings(handles[0]!);
      });
      // The same (only) session, after the transaction.
      return { inside, sent: sql.filter((text) => text.includes('set_config')), after: await settings(db) };
    } finally {
      await store.close();
    }
  }

  it('a default pool: each runner transaction turns sequential scans and JIT off for itself only', async () => {
    const { inside, sent, after } = await runnerTransaction(false);
    expect(inside).toEqual({ seqscan: 'off', jit: 'off' });
    expect(sent).toHaveLength(1);
    expect(after).toEqual({ seqscan: 'on', jit: 'on' });
  });

  it('a keyLookups pool: every session plans so, and a transaction sends no settings', async () => {
    const { inside, sent, after } = await runnerTransaction(true);
    expect(inside).toEqual({ seqscan: 'off', jit: 'off' });
    expect(sent).toEqual([]);
    expect(after).toEqual({ seqscan: 'off', jit: 'off' });
  });
});
