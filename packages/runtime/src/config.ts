// Where state and transport live, from the environment (ARCHITECTURE.md §1):
//   DB_HOST DB_PORT DB_USER DB_PASSWORD DB_NAME  → PostgreSQL (user/password/name default "orchestrator")
//   REDIS_URL                                   → Redis
// In the all-in-one process (`npm start`), a missing DB_HOST means embedded PGlite in
// BATON_DATA_DIR (default ./data) and a missing REDIS_URL means the in-process bus. A service
// started alone always uses PostgreSQL and Redis (defaults: localhost).
import { join, resolve } from 'node:path';
import { readEnv, readInt, type Env } from './env.ts';

export type StoreConfig =
  | { kind: 'postgres'; host: string; port: number; user: string; password: string; database: string; poolSize: number; keyLookups?: boolean }
  | { kind: 'pglite'; dataDir?: string };

export type BusConfig = { kind: 'redis'; url: string; prefix?: string } | { kind: 'memory' };

export function dataDir(env: Env): string {
  return resolve(readEnv(env, 'BATON_DATA_DIR') ?? 'data');
}

export function storeConfig(env: Env, embedded: boolean): StoreConfig {
  const host = readEnv(env, 'DB_HOST');
  if (embedded && !host) return { kind: 'pglite', dataDir: join(dataDir(env), 'pg') };
  return {
    kind: 'postgres',
    host: host ?? 'localhost',
    port: readInt(env, 'DB_PORT', 5432, 1),
    user: readEnv(env, 'DB_USER') ?? 'orchestrator',
    password: readEnv(env, 'DB_PASSWORD') ?? 'orchestrator',
    database: readEnv(env, 'DB_NAME') ?? 'orchestrator',
    poolSize: readInt(env, 'DB_POOL_SIZE', 10, 1),
  };
}

export function busConfig(env: Env, embedded: boolean): BusConfig {
  const url = readEnv(env, 'REDIS_URL');
  if (embedded && !url) return { kind: 'memory' };
  const prefix = readEnv(env, 'REDIS_PREFIX');
  return prefix ? { kind: 'redis', url: url ?? 'redis://localhost:6379', prefix } : { kind: 'redis', url: url ?? 'redis://localhost:6379' };
}
