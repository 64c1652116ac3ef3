// The server may end a session at any moment (pg_terminate_backend, a restart, a failover). Inside
// a transaction that must fail the transaction — never the process: a checked-out client that
// emits 'error' with no listener ended the workflow-runner and the orchestrator.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStore, type SqlStore } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from './postgres-database.ts';

let db: TestDatabase;
let store: SqlStore;

beforeAll(async () => {
  db = await createTestDatabase();
  store = await createStore({ kind: 'postgres', connectionString: db.url, poolSize: 4 });
  await store.migrate();
});
afterAll(async () => {
  await store?.close();
  await db?.drop();
});

it('a session terminated between two statements of a transaction fails that transaction, and the store goes on', async () => {
  const uncaught: unknown[] = [];
  const record = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', record);
  try {
    const attempt = store.db.transaction(async (tx) => {
      const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const pid = row!.pid;
      await store.db.query('SELECT pg_terminate_backend($1)', [pid]);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the client learns of it while idle
      await tx.query('SELECT 2');
    });
    await expect(attempt).rejects.toThrow();
    expect(uncaught).toEqual([]);
    // The broken connection was not handed back to the pool: the next transactions work.
    for (let i = 0; i < 6; i++) expect(await store.db.transaction((tx) => tx.query<{ n: number }>('SELECT 1 AS n'))).toEqual([{ n: 1 }]);
  } finally {
    process.off('uncaughtException', record);
  }
});

it('sessions terminated again and again while transactions open new connections never end the process', async () => {
  const uncaught: unknown[] = [];
  const record = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', record);
  const until = Date.now() + 4_000;
  let committed = 0;
  let failed = 0;
  try {
    const work = async () => {
      while (Date.now() < until) {
        await store.db
          .transaction((tx) => tx.query('SELECT 1'))
          .then(() => (committed += 1), () => (failed += 1));
      }
    };
    // A new connection's first packets and the server's termination can arrive in one read.
    const terminate = async () => {
      while (Date.now() < until) {
        await store.db.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()').catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
      }
    };
    await Promise.all([work(), work(), work(), work(), terminate()]);
  } finally {
    process.off('uncaughtException', record);
  }
  expect(uncaught).toEqual([]);
  expect(failed).toBeGreaterThan(0); // the storm did reach the transactions
  expect(committed).toBeGreaterThan(0);
});
