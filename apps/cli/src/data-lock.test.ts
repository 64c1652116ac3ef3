import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { scratchDir } from '@baton/testkit/scratch';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE, StartupError, lockDataFolder } from './data-lock.ts';

const folder = () => scratchDir('baton-lock-');
const ownerFile = (dir: string, owner: object) => writeFileSync(join(dir, LOCK_FILE), JSON.stringify(owner));

describe('lockDataFolder', () => {
  it('writes this pid, refuses a second holder in this process, and is free again once released', () => {
    const dir = folder();
    const lock = lockDataFolder(dir);
    expect(JSON.parse(readFileSync(lock.file, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    expect(() => lockDataFolder(dir)).toThrow(StartupError);
    lock.release();
    expect(existsSync(lock.file)).toBe(false);
    lockDataFolder(dir).release();
  });

  it('names the live owner and what to do', () => {
    const dir = folder();
    ownerFile(dir, { pid: 4242, host: hostname(), since: '2026-12-03T10:00:00.000Z' });
    expect(() => lockDataFolder(dir, () => true)).toThrow(
      `the data folder ${dir} is in use by another Baton (pid 4242, since 2026-12-03T10:00:00.000Z): stop it first, or set BATON_DATA_DIR to another folder (delete ${join(dir, LOCK_FILE)} only if that process is gone)`,
    );
  });

  it('takes over a lock whose process is dead, or that cannot be read', () => {
    const dir = folder();
    ownerFile(dir, { pid: 4242, host: hostname(), since: 'earlier' });
    const lock = lockDataFolder(dir, (pid) => pid !== 4242);
    expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    lock.release();
    writeFileSync(join(dir, LOCK_FILE), '{"pid":');
    lockDataFolder(dir, () => true).release();
  });

  it('takes over a lock of its own pid that this process does not hold (a restarted container is pid 1 again)', () => {
    const dir = folder();
    ownerFile(dir, { pid: process.pid, host: hostname(), since: 'a previous life' });
    lockDataFolder(dir, () => true).release();
  });

  it('keeps a lock of another host (it cannot tell whether that process lives)', () => {
    const dir = folder();
    ownerFile(dir, { pid: 4242, host: 'elsewhere', since: 'earlier' });
    expect(() => lockDataFolder(dir, () => false)).toThrow(/in use by another Baton \(pid 4242 on host elsewhere/);
  });

  it('a release does not remove a lock another process took since', () => {
    const dir = folder();
    const lock = lockDataFolder(dir);
    ownerFile(dir, { pid: 4242, host: hostname(), since: 'now' });
    lock.release();
    expect(existsSync(lock.file)).toBe(true);
  });
});
