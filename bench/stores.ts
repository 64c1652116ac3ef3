// The stores the store micro-benchmarks (store.ts, runner-tx.ts) measure: one on a throwaway
// database of the machine's PostgreSQL (TEST_DATABASE_URL's server; dropped after), one in PGlite
// in memory. Each is closed after `use`, whatever it threw.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createStore, type PostgresConnection, type SqlStore } from '@baton/store';

const MAINTENANCE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** `use` on a store of a new database (its name given too) on the machine's PostgreSQL, opened with `options`. */
export async function onThrowawayPostgres<T>(options: Omit<PostgresConnection, 'connectionString'>, use: (store: SqlStore, database: string) => Promise<T>): Promise<T> {
  const name = `baton_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: MAINTENANCE_URL });
  await admin.connect().catch((error: Error) => {
    throw new Error(`PostgreSQL is unreachable at ${MAINTENANCE_URL}: ${error.message}`);
  });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(MAINTENANCE_URL);
    url.pathname = `/${name}`;
    const store = await createStore({ kind: 'postgres', ...options, connectionString: url.toString() });
    try {
      return await use(store, name);
    } finally {
      await store.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
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
