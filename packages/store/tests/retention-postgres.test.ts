// Retention with several workflow-runners on one PostgreSQL server (the conformance suite has the
// single-caller cases on both adapters): runs are claimed FOR UPDATE SKIP LOCKED, so a run a
// runner holds is skipped rather than waited for, and concurrent batches never take one run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type SqlStore } from '../src/index.ts';
import { definedRun, eventFixture, newId, uniqueNamespace } from './conformance/harness.ts';
import { createTestDatabase, type TestDatabase } from './postgres-database.ts';

const CREATED = '2004-01-01T00:00:00.000Z';
const ENDED = '2004-02-01T00:00:00.000Z';
const CUTOFF = new Date('2004-07-01T00:00:00.000Z');

let db: TestDatabase;
let a: SqlStore;
let b: SqlStore;

beforeAll(async () => {
  db = await createTestDatabase();
  const open = () => createStore({ kind: 'postgres', connectionString: db.url, poolSize: 4 });
  a = await open();
  b = await open();
  await a.migrate();
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await db?.drop();
});

/** `count` runs that ended long ago, each with `events` events. */
async function expiredRuns(count: number, events = 0): Promise<string[]> {
  const template = await definedRun(a, uniqueNamespace());
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { run } = await a.createRun({ ...template, id: newId() });
    await a.db.query('UPDATE runs SET created_at = $2::timestamptz WHERE id = $1', [run.id, CREATED]);
    await a.transaction(async (tx) => {
      await tx.saveRuns([{ id: run.id, status: 'completed', state: { status: 'completed' }, eventSeq: events, endedAt: ENDED }]);
      await tx.appendEvents(Array.from({ length: events }, (_, seq) => eventFixture(run.id, seq + 1)));
    });
    ids.push(run.id);
  }
  return ids;
}

describe('retention on PostgreSQL with concurrent callers', () => {
  it('skips a run another transaction holds instead of waiting for it, and takes it once free', async () => {
    const [held, ...free] = await expiredRuns(4);
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = a.transaction(async (tx) => {
      await tx.lockRuns([held!]);
      locked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await isLocked;
    // A generous bound: it proves the call did not wait for the lock, not how fast it is.
    const batch = await Promise.race([b.deleteExpiredRuns(CUTOFF, 500), new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 10_000))]);
    expect(batch).toEqual({ runs: 3, rows: { runs: 3 } });
    for (const id of free) expect(await b.getRun(id)).toBeUndefined();
    expect(await b.getRun(held!)).toBeDefined();
    release();
    await holder;
    expect(await b.deleteExpiredRuns(CUTOFF, 500)).toEqual({ runs: 1, rows: { runs: 1 } });
  });

  it('two runners deleting in small batches at once delete every run once', async () => {
    await expiredRuns(60, 3);
    const drain = async (store: SqlStore) => {
      const total = { runs: 0, events: 0, batches: 0 };
      for (;;) {
        const batch = await store.deleteExpiredRuns(CUTOFF, 7);
        if (batch.runs === 0) return total;
        total.runs += batch.runs;
        total.events += batch.rows.run_events ?? 0;
        total.batches += 1;
      }
    };
    const [first, second] = await Promise.all([drain(a), drain(b)]);
    expect(first.runs + second.runs).toBe(60);
    expect(first.events + second.events).toBe(180);
    expect(Number((await a.db.query<{ n: unknown }>('SELECT count(*) AS n FROM run_events'))[0]?.n)).toBe(0);
  });
});
