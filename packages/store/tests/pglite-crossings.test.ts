// How many crossings into PGlite's thread a transaction makes (db/pglite.ts TransactionHandle): a
// query goes at once with what is held, and a transaction that waits for nothing before its COMMIT
// is one crossing, its queries at commit answered by it. Counted at the thread's door (the requests
// posted to it).
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, pgliteWorker } from '../src/db/pglite.ts';
import type { Db } from '../src/db/types.ts';

let db: Db;
let posted = 0;

beforeAll(async () => {
  db = await openPglite();
  const worker = pgliteWorker(db) as Worker;
  const post = worker.postMessage.bind(worker);
  worker.postMessage = (...args: Parameters<Worker['postMessage']>) => {
    posted += 1;
    post(...args);
  };
  await db.exec('CREATE TABLE items (id int PRIMARY KEY, note text)');
});

afterAll(async () => {
  await db.close();
});

const INSERT = 'INSERT INTO items (id, note) VALUES ($1, $2)';
const XID = 'SELECT pg_current_xact_id()::text AS xid, count(*)::int AS n FROM items WHERE id >= $1';
const NOTE = 'SELECT note FROM items WHERE id = $1';

/** Crossings `work` makes, with every statement it uses prepared before (a first use prepares in a crossing of its own). */
async function crossings<T>(work: () => Promise<T>): Promise<{ crossings: number; result: T }> {
  const before = posted;
  const result = await work();
  return { crossings: posted - before, result };
}

describe('PGlite transactions: crossings into the thread', () => {
  beforeAll(async () => {
    // Prepares the statements.
    await db.transaction(async (tx) => {
      await tx.write(INSERT, [0, 'warm']);
      await tx.query(XID, [0]);
      await tx.query(NOTE, [0]);
    });
  });

  it('writes, a query at commit and the COMMIT are one crossing; the COMMIT answers the query', async () => {
    const { crossings: n, result } = await crossings(() =>
      db.transaction(async (tx) => {
        await tx.write(INSERT, [1, 'one']);
        await tx.write(INSERT, [2, 'two']);
        return { seen: tx.queryAtCommit!<{ xid: string; n: number }>(XID, [1]) };
      }),
    );
    expect(n).toBe(1);
    const [row] = await result.seen;
    expect(row?.n).toBe(2); // it ran after the writes, inside the transaction
    expect(Number(row?.xid)).toBeGreaterThan(0);
    expect(await db.query(NOTE, [2])).toEqual([{ note: 'two' }]);
  });

  it('a query goes at once with what was held and the queries issued beside it; a query at commit goes with the next query', async () => {
    const { crossings: n, result } = await crossings(() =>
      db.transaction(async (tx) => {
        await tx.write(INSERT, [3, 'three']);
        const later = tx.queryAtCommit!<{ note: string }>(NOTE, [3]);
        const first = tx.query<{ note: string }>(NOTE, [3]);
        const second = tx.query<{ note: string }>(NOTE, [1]);
        const rows = [await first, await second, await later];
        await tx.write(INSERT, [4, 'four']);
        return rows;
      }),
    );
    expect(n).toBe(2);
    expect(result).toEqual([[{ note: 'three' }], [{ note: 'one' }], [{ note: 'three' }]]);
    expect(await db.query(NOTE, [4])).toEqual([{ note: 'four' }]);
  });

  it('a query at commit waited for before the commit goes alone when its turn ends', async () => {
    const { crossings: n, result } = await crossings(() =>
      db.transaction(async (tx) => {
        await tx.write(INSERT, [7, 'seven']);
        return tx.queryAtCommit!<{ note: string }>(NOTE, [7]);
      }),
    );
    expect(result).toEqual([{ note: 'seven' }]);
    expect(n).toBe(2);
  });

  it('a write that fails fails the COMMIT and the queries that went with it, with its error; nothing of the transaction stays', async () => {
    let seen: Promise<unknown> | undefined;
    const committing = db.transaction(async (tx) => {
      await tx.write(INSERT, [5, 'five']);
      await tx.write(INSERT, [1, 'a second row 1']);
      seen = tx.queryAtCommit!(XID, [1]);
      seen.catch(() => undefined);
    });
    await expect(committing).rejects.toThrow(/duplicate key/);
    await expect(seen).rejects.toThrow(/duplicate key/);
    expect(await db.query(NOTE, [5])).toEqual([]);
  });

  it('a transaction that throws fails the queries it had not sent, and sends nothing', async () => {
    let held: Promise<unknown> | undefined;
    const { crossings: n } = await crossings(async () => {
      await db
        .transaction(async (tx) => {
          await tx.write(INSERT, [6, 'six']);
          held = tx.queryAtCommit!(NOTE, [6]);
          held.catch(() => undefined);
          throw new Error('changed my mind');
        })
        .catch(() => undefined);
    });
    expect(n).toBe(0);
    await expect(held).rejects.toThrow(/ended before this statement was sent/);
    expect(await db.query(NOTE, [6])).toEqual([]);
  });
});
