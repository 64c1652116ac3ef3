// PGlite's backend runs in a worker thread (db/pglite.ts): what callers get when that thread stops
// under them, and that the thread never outlives the database or keeps a process alive.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DatabaseError } from 'pg-protocol';
import { describe, expect, it } from 'vitest';
import { openPglite, pgliteWorker } from '../src/db/pglite.ts';

const ADAPTER = fileURLToPath(new URL('../src/db/pglite.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Runs `script` (an ES module with `openPglite` in scope) in a process of its own, which must end by itself; its output. */
async function inProcess(script: string): Promise<{ stdout: string }> {
  const source = `import { openPglite } from ${JSON.stringify(ADAPTER)};\n${script}`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', source], { cwd: ROOT, timeout: 60_000 });
  return { stdout };
}

describe('pglite worker thread', () => {
  it('fails a statement pending when the thread is terminated, and every later one, without hanging', async () => {
    const db = await openPglite();
    const worker = pgliteWorker(db);
    expect(worker).toBeDefined();
    const pending = db.query('SELECT pg_sleep(30)');
    setTimeout(() => void worker?.terminate(), 200);
    const started = Date.now();
    await expect(pending).rejects.toThrow(/the embedded database's thread \(PGlite\) stopped/);
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(db.query('SELECT 1')).rejects.toThrow(/thread \(PGlite\) stopped/);
    await expect(db.transaction((tx) => tx.query('SELECT 1'))).rejects.toThrow(/thread \(PGlite\) stopped/);
    await db.close(); // nothing left to close: it does not throw
  });

  it('fails a statement pending when the thread crashes', async () => {
    const db = await openPglite();
    const worker = pgliteWorker(db)!;
    const pending = db.query('SELECT pg_sleep(30)');
    // What an uncaught exception in the thread does: an error event, then the exit.
    setTimeout(() => {
      worker.emit('error', new Error('out of memory'));
      void worker.terminate();
    }, 200);
    await expect(pending).rejects.toThrow("the embedded database's thread (PGlite) failed: out of memory");
    await expect(db.query('SELECT 1')).rejects.toThrow('failed: out of memory');
    await db.close();
  });

  it('reports a statement error as node-postgres does on PostgreSQL (DatabaseError, SQLSTATE in code) and goes on; close() ends the thread', async () => {
    const db = await openPglite();
    const worker = pgliteWorker(db)!;
    const exited = once(worker, 'exit');
    await db.exec('CREATE TABLE u (n int PRIMARY KEY)');
    await db.write('INSERT INTO u VALUES ($1)', [1]);
    const error = await db.write('INSERT INTO u VALUES ($1)', [1]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ code: '23505', constraint: 'u_pkey' });
    expect(await db.query('SELECT n FROM u')).toEqual([{ n: 1 }]);

    await db.close();
    await exited;
    expect(worker.threadId).toBe(-1);
    await expect(db.query('SELECT 1')).rejects.toThrow('the embedded database (PGlite) is closed');
  });

  it('refuses to open as PGlite.create does (the thread ends)', async () => {
    await expect(openPglite('/proc/baton-no-such-folder/pg')).rejects.toThrow("ENOENT: no such file or directory, mkdir '/proc/baton-no-such-folder/pg'");
  });

  it('keeps a process alive only while a statement is pending: it ends by itself after close(), and without it', async () => {
    const [closed, open] = await Promise.all([
      inProcess(`const db = await openPglite();
        const [row] = await db.query('SELECT 41 + 1 AS n');
        await db.close();
        console.log(row.n);`),
      // Nothing else keeps this one alive while the statement runs in the thread.
      inProcess(`const db = await openPglite();
        const [row] = await db.query('SELECT pg_sleep(0.5), 7 AS n');
        console.log(row.n);`),
    ]);
    expect(closed.stdout).toBe('42\n');
    expect(open.stdout).toBe('7\n');
  }, 90_000);
});
