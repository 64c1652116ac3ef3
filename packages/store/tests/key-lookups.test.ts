// A runner transaction plans for key lookups (SqlStore.transaction): sequential scans and JIT off
// for that transaction, or for every session of a pool opened with `keyLookups` (the
// workflow-runner's), whose transactions then do not send the settings again. Outside a
// transaction a default pool keeps the server's planning (API listings and searches). Runner
// statements bind to their generic plans (planned once per connection, not at every Bind); so does
// the API's read of one run, by `id = $1`.
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

const settings = async (q: Queryable) =>
  (await q.query<{ seqscan: string; jit: string; plans: string }>(`SELECT current_setting('enable_seqscan') AS seqscan, current_setting('jit') AS jit, current_setting('plan_cache_mode') AS plans`))[0];
const KEY_LOOKUPS = { seqscan: 'off', jit: 'off', plans: 'force_generic_plan' };
const DEFAULTS = { seqscan: 'on', jit: 'on', plans: 'auto' };

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
    expect(inside).toEqual(KEY_LOOKUPS);
    expect(sent).toHaveLength(1);
    expect(after).toEqual(DEFAULTS);
  });

  it('a keyLookups pool: every session plans so, and a transaction sends no settings', async () => {
    const { inside, sent, after } = await runnerTransaction(true);
    expect(inside).toEqual(KEY_LOOKUPS);
    expect(sent).toEqual([]);
    expect(after).toEqual(KEY_LOOKUPS);
  });

  it('a runner transaction binds its statements to their generic plan: the lock of runs by id is planned once, not at every Bind', async () => {
    for (const keyLookups of [false, true]) {
      const db = openPostgres({ connectionString: database.url, poolSize: 1, keyLookups });
      const store = new SqlStore(db);
      try {
        await store.migrate();
        for (let i = 0; i < 8; i += 1) await store.transaction((tx) => tx.lockRuns([`01a24500-0000-7000-8000-00000000000${i}`]));
        const plans = await db.query<{ generic: string; custom: string }>(
          `SELECT generic_plans::text AS generic, custom_plans::text AS custom FROM pg_prepared_statements WHERE statement LIKE '%FOR UPDATE OF runs%'`,
        );
        expect(plans).toEqual([{ generic: '8', custom: '0' }]);
      } finally {
        await store.close();
      }
    }
  });

  it('an API read of one run, outside any transaction, is planned once and then bound to its generic plan', async () => {
    const db = openPostgres({ connectionString: database.url, poolSize: 1 });
    const store = new SqlStore(db);
    try {
      await store.migrate();
      for (let i = 0; i < 12; i += 1) expect(await store.getRun(`01a24500-0000-7000-8000-0000000000${10 + i}`)).toBeUndefined();
      const plans = await db.query<{ generic: number; custom: number }>(
        `SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE statement LIKE '%run_priority%'`,
      );
      expect(plans).toHaveLength(1);
      expect(plans[0]!.custom).toBeLessThanOrEqual(5);
      expect(plans[0]!.generic).toBeGreaterThanOrEqual(7);
    } finally {
      await store.close();
    }
  });
});
