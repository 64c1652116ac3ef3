// @baton/store: the Store port (packages/core/src/ports/store.ts) on Postgres, through
// node-postgres (a server) or PGlite (embedded). See README.md.
import type { Store } from '@baton/core';
import { openPglite } from './db/pglite.ts';
import { openPostgres } from './db/postgres.ts';
import type { PostgresConnection } from './db/postgres.ts';
import { SqlStore } from './store.ts';

export type StoreConfig =
  | ({ kind: 'postgres' } & PostgresConnection)
  | { kind: 'pglite'; /** undefined = in memory */ dataDir?: string };

/** Opens a store. It does not migrate: call `store.migrate()` (the orchestrator owns migrations). */
export async function createStore(config: StoreConfig): Promise<SqlStore> {
  if (config.kind === 'pglite') return new SqlStore(await openPglite(config.dataDir));
  const { kind: _kind, ...connection } = config;
  return new SqlStore(openPostgres(connection));
}

/** The postgres config from DB_HOST DB_PORT DB_USER DB_PASSWORD DB_NAME (defaults of the deployment guide). */
export function postgresConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  return {
    kind: 'postgres',
    host: env.DB_HOST ?? 'localhost',
    port: Number(env.DB_PORT ?? 5432),
    user: env.DB_USER ?? 'orchestrator',
    password: env.DB_PASSWORD ?? 'orchestrator',
    database: env.DB_NAME ?? 'orchestrator',
  };
}

export type { Store };
export { SqlStore, StoreReentryError } from './store.ts';
export { migrate, loadMigrations } from './migrate.ts';
export type { Migration } from './migrate.ts';
export type { Db, Queryable, Row } from './db/types.ts';
export type { PostgresConnection } from './db/postgres.ts';
export { openPglite, writePgliteTemplate } from './db/pglite.ts';
export { openPostgres } from './db/postgres.ts';
export { hashSecret } from './sql/api-keys.ts';
