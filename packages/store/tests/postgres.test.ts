// The Store conformance suite against a real PostgreSQL server (a database of this file's own).
import { afterAll } from 'vitest';
import { createStore } from '../src/index.ts';
import type { SqlStore } from '../src/index.ts';
import { storeConformance } from './conformance.ts';
import { createTestDatabase } from './postgres-database.ts';
import type { TestDatabase } from './postgres-database.ts';

const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

async function openOn(db: TestDatabase, count: number): Promise<SqlStore[]> {
  return Promise.all(Array.from({ length: count }, () => createStore({ kind: 'postgres', connectionString: db.url, poolSize: 4 })));
}

storeConformance('postgres', {
  async open() {
    const db = await createTestDatabase();
    databases.push(db);
    const [store] = await openOn(db, 1);
    return store!;
  },
  async openFresh(count) {
    const db = await createTestDatabase();
    const stores = await openOn(db, count);
    return {
      stores,
      async dispose() {
        await Promise.all(stores.map((s) => s.close()));
        await db.drop();
      },
    };
  },
});
