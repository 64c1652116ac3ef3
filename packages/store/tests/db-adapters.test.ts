// The two SQL adapters (db/postgres.ts, db/pglite.ts) behind the Store: what a transaction's
// pipelined statements must keep on both — order, each statement's own parameters, and the first
// failure reported — however the adapter batches them on the wire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/types.ts';
import { SQL_ADAPTERS } from './sql-adapters.ts';

for (const adapter of SQL_ADAPTERS) {
  describe(`SQL adapter: ${adapter.name}`, () => {
    let db: Db;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ db, close } = await adapter.open());
      await db.exec('CREATE TABLE t (n int PRIMARY KEY, a text[], j json)');
    });
    afterAll(async () => close());

    it('writes issued together, each a statement never seen before, run in the order issued with their own parameters', async () => {
      const rows = await db.transaction(async (tx) => {
        // Not awaited one by one: the runner issues a batch's writes this way.
        void tx.write('INSERT INTO t (n, a, j) SELECT u.n, u.a::text[], u.j FROM unnest($1::int[], $2::text[], $3::text[]::json[]) AS u(n, a, j)', [[1, 2], ['{x,y}', '{z}'], ['{"k":1}', 'null']]);
        void tx.write('UPDATE t SET a = a || $2::text WHERE n = $1', [1, 'w']);
        void tx.write('DELETE FROM t WHERE n = ANY($1::int[])', [[2]]);
        void tx.write('INSERT INTO t (n, a) VALUES ($1, $2)', [3, ['only']]);
        return tx.query<{ n: number; a: string[]; j: string | null }>('SELECT n, a, j FROM t WHERE n = ANY($1::int[]) ORDER BY n', [[1, 2, 3]]);
      });
      expect(rows).toEqual([
        { n: 1, a: ['x', 'y', 'w'], j: '{"k":1}' },
        { n: 3, a: ['only'], j: null },
      ]);
    });

    it('queries issued together run in the order issued and inside the transaction, whichever needs preparing first', async () => {
      await db.query('SELECT count(*)::int AS n FROM t WHERE n = $1', [30]); // prepared already
      const error = await db
        .transaction(async (tx) => {
          // The first statement is new (it is prepared first), the second is not: not awaited in between.
          const inserted = tx.query<{ n: number }>('INSERT INTO t (n) VALUES ($1) RETURNING n /* new text */', [30]);
          const counted = tx.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE n = $1', [30]);
          expect(await Promise.all([inserted, counted])).toEqual([[{ n: 30 }], [{ n: 1 }]]);
          const deleted = tx.query('DELETE FROM t WHERE n = $1 RETURNING n /* another new text */', [1]);
          const left = tx.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE n = $1', [1]);
          expect(await Promise.all([deleted, left])).toEqual([[{ n: 1 }], [{ n: 0 }]]);
          throw new Error('roll back');
        })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ message: 'roll back' });
      // Nothing ran outside the transaction: the insert and the delete are both rolled back.
      expect(await db.query<{ n: number }>('SELECT n FROM t WHERE n IN (1, 30) ORDER BY n')).toEqual([{ n: 1 }]);
    });

    it('queries and writes issued together: each query answers its own rows, seeing the writes issued before it only', async () => {
      const counts = await db.transaction(async (tx) => {
        const count = (label: string) => tx.query<{ n: number; label: string }>('SELECT count(*)::int AS n, $2::text AS label FROM t WHERE n = $1', [40, label]);
        const before = count('before');
        void tx.write('INSERT INTO t (n) VALUES ($1)', [40]);
        const between = count('between');
        void tx.write('DELETE FROM t WHERE n = $1', [40]);
        void tx.write('INSERT INTO t (n, a) VALUES ($1, $2)', [41, ['kept']]);
        const after = count('after');
        const kept = tx.query<{ a: string[] }>('SELECT a FROM t WHERE n = $1', [41]);
        return Promise.all([before, between, after, kept]);
      });
      expect(counts).toEqual([[{ n: 0, label: 'before' }], [{ n: 1, label: 'between' }], [{ n: 0, label: 'after' }], [{ a: ['kept'] }]]);
      await db.query('DELETE FROM t WHERE n = $1', [41]);
    });

    it('the first write that fails is what the next statement throws, and nothing of the transaction stays', async () => {
      const error = await db
        .transaction(async (tx) => {
          void tx.write('INSERT INTO t (n) VALUES ($1)', [10]);
          void tx.write('INSERT INTO t (n) VALUES ($1)', [10]); // duplicate key
          void tx.write('INSERT INTO t (n) VALUES ($1)', [11]);
          return tx.query('SELECT 1 AS one');
        })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: '23505' });
      expect(await db.query('SELECT n FROM t WHERE n >= 10')).toEqual([]);
      // The session is usable afterwards.
      expect(await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).toEqual([{ n: 2 }]);
    });

    it('a statement the server refuses fails its transaction once, and is refused again next time', async () => {
      for (let i = 0; i < 2; i += 1) {
        const error = await db.transaction((tx) => tx.query('SELECT no_such_column FROM t')).catch((caught: unknown) => caught);
        expect(error).toMatchObject({ code: '42703' });
      }
      expect(await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE n = $1', [1])).toEqual([{ n: 1 }]);
    });

    it('statements behind a failed one in the same batch, never used before, work the next time', async () => {
      const insert = 'INSERT INTO t (n) VALUES ($1) /* used before the failure */';
      await db.transaction(async (tx) => tx.write(insert, [50]));
      const error = await db
        .transaction(async (tx) => {
          void tx.write(insert, [50]); // duplicate key: what follows is not run
          void tx.write('UPDATE t SET a = $2 WHERE n = $1 /* new, behind the failure */', [50, ['x']]);
          return tx.query<{ n: number }>('SELECT n FROM t WHERE n = $1 /* new too */', [50]);
        })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: '23505' });
      for (let i = 0; i < 3; i += 1) {
        const rows = await db.transaction(async (tx) => {
          void tx.write('UPDATE t SET a = $2 WHERE n = $1 /* new, behind the failure */', [50, [`y${i}`]]);
          return tx.query<{ n: number; a: string[] }>('SELECT n, a FROM t WHERE n = $1 /* new too */', [50]);
        });
        expect(rows).toEqual([{ n: 50, a: [`y${i}`] }]);
      }
      await db.query('DELETE FROM t WHERE n = $1', [50]);
    });

    it('a statement that fails the first time it is used works the next time, with the statements issued beside it', async () => {
      const insert = 'INSERT INTO t (n) VALUES ($1) /* first use fails */';
      await db.query('INSERT INTO t (n) VALUES ($1)', [60]);
      const error = await db
        .transaction(async (tx) => {
          void tx.write(insert, [60]); // duplicate key on its first use
          return tx.query('SELECT n FROM t WHERE n = $1 /* beside a first use that fails */', [60]);
        })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: '23505' });
      for (let i = 0; i < 3; i += 1) {
        const rows = await db.transaction(async (tx) => {
          void tx.write(insert, [61 + i]);
          return tx.query<{ n: number }>('SELECT n FROM t WHERE n = $1 /* beside a first use that fails */', [61 + i]);
        });
        expect(rows).toEqual([{ n: 61 + i }]);
      }
      await db.query('DELETE FROM t WHERE n >= $1 AND n < $2', [60, 70]);
    });

    it('a commit after a swallowed failure throws instead of reporting the rolled-back transaction as committed', async () => {
      const error = await db
        .transaction(async (tx) => {
          await tx.query('INSERT INTO t (n) VALUES ($1)', [20]);
          await tx.query('INSERT INTO t (n) VALUES ($1)', [20]).catch(() => undefined);
          return 'ok';
        })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Error);
      expect(await db.query('SELECT n FROM t WHERE n = 20')).toEqual([]);
    });
  });
}
