// The PostgreSQL adapter sends a transaction's statements of one turn as ONE group with one Sync
// (db/pg-group.ts), so the server answers them in one flush. Checked on the wire: a proxy between
// the pool and the server counts the client's Sync and simple-query messages and the server's
// ReadyForQuery answers of each transaction.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { openPostgres } from '../src/index.ts';
import type { Db } from '../src/db/types.ts';
import { createTestDatabase, type TestDatabase } from './postgres-database.ts';

/** Counts the protocol messages that pass, by type byte, in each direction (after each side's first message). */
class CountingProxy {
  readonly fromClient = new Map<string, number>();
  readonly fromServer = new Map<string, number>();
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      const server = connect(this.target.port, this.target.host);
      this.#sockets.add(client).add(server);
      client.pipe(server);
      server.pipe(client);
      client.on('data', this.#counter(this.fromClient, true));
      server.on('data', this.#counter(this.fromServer, false));
      const close = () => {
        client.destroy();
        server.destroy();
      };
      client.on('error', close).on('close', close);
      server.on('error', close).on('close', close);
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as { port: number }).port;
  }

  reset(): void {
    this.fromClient.clear();
    this.fromServer.clear();
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  /** A stream's messages: [type byte][int32 length incl. itself][body]; a client's startup message has no type byte. */
  #counter(into: Map<string, number>, startsUntyped: boolean): (chunk: Buffer) => void {
    let pending = Buffer.alloc(0);
    let untyped = startsUntyped;
    return (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (untyped) {
          if (pending.length < 4) return;
          const length = pending.readInt32BE(0);
          if (pending.length < length) return;
          pending = pending.subarray(length);
          untyped = false;
          continue;
        }
        if (pending.length < 5) return;
        const length = pending.readInt32BE(1);
        if (pending.length < 1 + length) return;
        const type = String.fromCharCode(pending[0]!);
        into.set(type, (into.get(type) ?? 0) + 1);
        pending = pending.subarray(1 + length);
      }
    };
  }
}

let database: TestDatabase;
let proxy: CountingProxy;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  const url = new URL(database.url);
  proxy = new CountingProxy({ host: url.hostname, port: Number(url.port || 5432) });
  await proxy.listen();
  url.host = `127.0.0.1:${proxy.port}`;
  db = openPostgres({ connectionString: url.toString(), poolSize: 1 });
  await db.exec('CREATE TABLE t (n int PRIMARY KEY, a text[])');
  // Every statement below prepared once on the one connection.
  await db.transaction(async (tx) => {
    void tx.write('INSERT INTO t (n) VALUES ($1)', [0]);
    void tx.write('UPDATE t SET a = $2 WHERE n = $1', [0, ['x']]);
    await tx.query('SELECT n, a FROM t WHERE n = $1', [0]);
  });
});
afterAll(async () => {
  await db?.close();
  await proxy?.close();
  await database?.drop();
});
beforeEach(() => proxy.reset());

const settled = () => new Promise((resolve) => setTimeout(resolve, 50));

it('a transaction issued in one turn — BEGIN, writes, COMMIT — is one Sync and one answer', async () => {
  await db.transaction(async (tx) => {
    void tx.write('INSERT INTO t (n) VALUES ($1)', [1]);
    void tx.write('INSERT INTO t (n) VALUES ($1)', [2]);
    void tx.write('UPDATE t SET a = $2 WHERE n = $1', [2, ['y']]);
  });
  await settled();
  expect(proxy.fromClient.get('S')).toBe(1);
  expect(proxy.fromClient.get('Q')).toBeUndefined(); // BEGIN and COMMIT went in the group
  expect(proxy.fromServer.get('Z')).toBe(1);
  expect(proxy.fromClient.get('B')).toBe(5); // BEGIN, three writes, COMMIT
  expect(proxy.fromClient.get('P')).toBe(2); // BEGIN and COMMIT (unnamed, no parameters); the writes were prepared before
  expect(await db.query('SELECT n, a FROM t WHERE n IN (1, 2) ORDER BY n')).toEqual([
    { n: 1, a: null },
    { n: 2, a: ['y'] },
  ]);
});

it('a query at commit goes in the group of the COMMIT, is answered with its rows, and its failure is what the commit throws', async () => {
  const rows = await db.transaction(async (tx) => {
    void tx.write('INSERT INTO t (n) VALUES ($1)', [10]);
    const answered = tx.queryAtCommit!<{ n: number }>('SELECT n, a FROM t WHERE n = $1', [10]);
    void tx.write('UPDATE t SET a = $2 WHERE n = $1', [10, ['q']]);
    return { answered };
  });
  await settled();
  expect(await rows.answered).toEqual([{ n: 10, a: null }]); // read before the update that came after it
  expect(proxy.fromClient.get('S')).toBe(1);
  expect(proxy.fromServer.get('Z')).toBe(1);
  // A failed query at commit (a duplicate key) fails the transaction with its own error.
  const failed: { answered?: Promise<unknown> } = {};
  const error = await db
    .transaction(async (tx) => {
      failed.answered = tx.queryAtCommit!('INSERT INTO t (n) VALUES ($1) RETURNING n', [10]);
      failed.answered.catch(() => undefined);
      void tx.write('INSERT INTO t (n) VALUES ($1)', [11]);
    })
    .catch((caught: unknown) => caught);
  expect(error).toMatchObject({ code: '23505' });
  await expect(failed.answered).rejects.toMatchObject({ code: '23505' });
  expect(await db.query('SELECT n, a FROM t WHERE n IN (10, 11) ORDER BY n')).toEqual([{ n: 10, a: ['q'] }]);
});

it('a read waited for splits the transaction in two groups: one Sync per round trip', async () => {
  const count = await db.transaction(async (tx) => {
    const [row] = await tx.query<{ n: number }>('SELECT n, a FROM t WHERE n = $1', [1]);
    void tx.write('UPDATE t SET a = $2 WHERE n = $1', [row!.n, ['z']]);
    void tx.write('INSERT INTO t (n) VALUES ($1)', [3]);
    return row!.n;
  });
  await settled();
  expect(count).toBe(1);
  expect(proxy.fromClient.get('S')).toBe(2);
  expect(proxy.fromServer.get('Z')).toBe(2);
  expect(await db.query('SELECT n, a FROM t WHERE n IN (1, 3) ORDER BY n')).toEqual([
    { n: 1, a: ['z'] },
    { n: 3, a: null },
  ]);
});

it('a transaction that throws before its commit sends nothing of its last turn, and rolls back what it sent', async () => {
  const error = await db
    .transaction(async (tx) => {
      await tx.query('SELECT n, a FROM t WHERE n = $1', [1]);
      void tx.write('INSERT INTO t (n) VALUES ($1)', [4]); // issued, then the function throws in the same turn
      throw new Error('changed my mind');
    })
    .catch((caught: unknown) => caught);
  await settled();
  expect(error).toMatchObject({ message: 'changed my mind' });
  expect(proxy.fromClient.get('S')).toBe(1); // the read's group only; ROLLBACK is a simple query
  expect(proxy.fromClient.get('Q')).toBe(1);
  expect(await db.query('SELECT n FROM t WHERE n = 4')).toEqual([]);
});

it('a parameter that cannot be sent fails its transaction, runs nothing of it, and the session goes on', async () => {
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const error = await db
    .transaction(async (tx) => {
      void tx.write('INSERT INTO t (n) VALUES ($1)', [5]);
      return tx.query('SELECT $1::text AS v', [circular]);
    })
    .catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(Error);
  expect(await db.query('SELECT n FROM t WHERE n = 5')).toEqual([]);
  expect(await db.transaction((tx) => tx.query<{ v: string }>('SELECT $1::text AS v', ['fine']))).toEqual([{ v: 'fine' }]);
});

it('rows come back typed as the pool parses them: timestamptz as Date, json as its text, arrays, nulls', async () => {
  const [row] = await db.transaction((tx) =>
    tx.query<Record<string, unknown>>("SELECT '2026-12-05T06:00:00Z'::timestamptz AS at, '{\"k\": [1]}'::jsonb AS j, 'null'::json AS jn, ARRAY['a', NULL]::text[] AS arr, NULL::int AS nothing, 42::int8 AS big, true AS yes"),
  );
  expect(row).toEqual({ at: new Date('2026-12-05T06:00:00Z'), j: '{"k": [1]}', jn: 'null', arr: ['a', null], nothing: null, big: '42', yes: true });
});

it('outside a transaction, statements without parameters are not kept prepared; those with are, once', async () => {
  const prepared = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements'))[0]!.n;
  const before = await prepared();
  for (let i = 0; i < 5; i += 1) expect(await db.query(`SELECT ${i} AS literal`)).toEqual([{ literal: i }]);
  for (let i = 0; i < 5; i += 1) expect(await db.query('SELECT $1::int AS param', [i])).toEqual([{ param: i }]);
  expect(await prepared()).toBe(before + 1);
});

it('outside a transaction, a statement that fails its first use works the next time', async () => {
  const error = await db.query('INSERT INTO t (n) VALUES ($1) /* first use outside */', [0]).catch((caught: unknown) => caught);
  expect(error).toMatchObject({ code: '23505' });
  await db.write('INSERT INTO t (n) VALUES ($1) /* first use outside */', [100]);
  expect(await db.query('SELECT n FROM t WHERE n = $1', [100])).toEqual([{ n: 100 }]);
});
