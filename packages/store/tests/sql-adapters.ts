// The two SQL adapters (db/pglite.ts, db/postgres.ts) opened fresh for a test file: PGlite in
// memory, and the machine's PostgreSQL in a throwaway database dropped on close.
import { openPglite, openPostgres } from '../src/index.ts';
import type { Db } from '../src/db/types.ts';
import { createTestDatabase, type TestDatabase } from './postgres-database.ts';

export interface SqlAdapter {
  name: 'pglite' | 'postgres';
  open(): Promise<{ db: Db; close: () => Promise<void> }>;
}

export const SQL_ADAPTERS: readonly SqlAdapter[] = [
  {
    name: 'pglite',
    async open() {
      const db = await openPglite();
      return { db, close: () => db.close() };
    },
  },
  {
    name: 'postgres',
    async open() {
      const database: TestDatabase = await createTestDatabase();
      const db = openPostgres({ connectionString: database.url, poolSize: 2 });
      return {
        db,
        async close() {
          await db.close();
          await database.drop();
        },
      };
    },
  },
];
