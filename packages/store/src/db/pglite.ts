// PGlite adapter. PGlite is one Postgres backend behind one connection: statements of two
// transactions must never interleave, so every statement and every transaction runs under one
// in-process mutex (statements inside a transaction use the transaction's handle, not the mutex);
// a single statement waits for the transaction that holds it, not for those queued (mutex.ts).
import { PGlite } from '@electric-sql/pglite';
import type { Transaction } from '@electric-sql/pglite';
import { Mutex } from './mutex.ts';
import { JSON_OIDS } from './types.ts';
import type { Db, Queryable, Row } from './types.ts';

const rawText = (text: string): string => text;

export async function openPglite(dataDir?: string): Promise<Db> {
  const parsers = Object.fromEntries(JSON_OIDS.map((oid) => [oid, rawText]));
  const pg = await PGlite.create({ ...(dataDir === undefined ? {} : { dataDir }), parsers });
  return new PgliteDb(pg);
}

function handle(target: PGlite | Transaction): Queryable {
  return {
    async query<R extends Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
      const result = await target.query<R>(sql, params as unknown[]);
      return result.rows;
    },
    // One backend in this process: nothing to pipeline, the statement runs before this resolves.
    async write(sql: string, params: readonly unknown[] = []): Promise<void> {
      await target.query(sql, params as unknown[]);
    },
    async exec(script: string): Promise<void> {
      await target.exec(script);
    },
  };
}

class PgliteDb implements Db {
  readonly #pg: PGlite;
  readonly #direct: Queryable;
  readonly #mutex = new Mutex();

  constructor(pg: PGlite) {
    this.#pg = pg;
    this.#direct = handle(pg);
  }

  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    return this.#mutex.run(() => this.#direct.query<R>(sql, params), true);
  }

  write(sql: string, params?: readonly unknown[]): Promise<void> {
    return this.#mutex.run(() => this.#direct.write(sql, params), true);
  }

  exec(script: string): Promise<void> {
    return this.#mutex.run(() => this.#direct.exec(script), true);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#mutex.run(() => this.#pg.transaction((tx) => fn(handle(tx))));
  }

  close(): Promise<void> {
    return this.#mutex.run(() => this.#pg.close());
  }
}
