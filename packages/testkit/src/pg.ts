// A fresh PostgreSQL database per test file or benchmark: baton_t_<random>, created through the
// maintenance database (TEST_DATABASE_URL) and dropped at the end. An unreachable server fails loudly.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const MAINTENANCE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  /** DB_* variables as the services read them. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

async function maintenance<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: MAINTENANCE_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is unreachable at ${MAINTENANCE_URL} (${(error as Error).message}). ` +
        'Start it (it is expected on 127.0.0.1:5432, user postgres, trust auth) or set TEST_DATABASE_URL.',
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(prefix = 'baton_t'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await maintenance((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(MAINTENANCE_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    env: {
      DB_HOST: url.hostname,
      DB_PORT: url.port || '5432',
      DB_USER: decodeURIComponent(url.username) || 'postgres',
      DB_PASSWORD: decodeURIComponent(url.password),
      DB_NAME: name,
    },
    drop: () => maintenance(async (client) => void (await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}
