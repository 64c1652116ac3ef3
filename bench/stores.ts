// The stores the store micro-benchmarks (store.ts, runner-tx.ts) measure: one on a throwaway
// database of the machine's PostgreSQL (testkit's createTestDatabase; dropped after), one in
// PGlite in memory. Each is closed after `use`, whatever it threw.
import { createStore, type PostgresConnection, type SqlStore } from '@baton/store';
import { createTestDatabase } from '@baton/testkit';

/** `use` on a store of a new database (its name given too) on the machine's PostgreSQL, opened with `options`. */
export async function onThrowawayPostgres<T>(options: Omit<PostgresConnection, 'connectionString'>, use: (store: SqlStore, database: string) => Promise<T>): Promise<T> {
  const database = await createTestDatabase('baton_bench');
  try {
    const store = await createStore({ kind: 'postgres', ...options, connectionString: database.url });
    try {
      return await use(store, database.name);
    } finally {
      await store.close();
    }
  } finally {
    await database.drop();
  }
}

/** `use` on a store in PGlite, in memory. */
export async function onPglite<T>(use: (store: SqlStore) => Promise<T>): Promise<T> {
  const store = await createStore({ kind: 'pglite' });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
