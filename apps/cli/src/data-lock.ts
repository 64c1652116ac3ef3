// One `baton start` per data folder: two processes on the same PGlite files would both run
// migrations, sweeps and repairs against one database that PGlite does not share. The lock is a
// file holding the owner's pid, created exclusively; a lock whose pid is dead (a crash, kill -9,
// a container restarted with the same pid) is stale and taken over.
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'baton.lock';

/** The lock files this process holds (a second start in one process is refused too). */
const held = new Set<string>();

/** What `baton start` reports in one line (a folder in use, a port taken) and exits 1. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export interface DataLock {
  file: string;
  release(): void;
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

/** Takes the lock of `folder` (which must exist) or throws StartupError naming the owner. */
export function lockDataFolder(folder: string, isAlive: (pid: number) => boolean = processIsAlive): DataLock {
  const file = join(folder, LOCK_FILE);
  const mine: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; !tryCreate(file, mine); attempt++) {
    const owner = readOwner(file);
    if ((owner !== undefined && holds(owner, file, isAlive)) || attempt > 0) {
      const where = owner === undefined ? 'another process' : owner.host === mine.host ? `pid ${owner.pid}` : `pid ${owner.pid} on host ${owner.host}`;
      throw new StartupError(
        `the data folder ${folder} is in use by another Baton (${where}${owner ? `, since ${owner.since}` : ''}): stop it first, or set BATON_DATA_DIR to another folder (delete ${file} only if that process is gone)`,
      );
    }
    // Stale: its process is dead (or the file is unreadable, as after a crash while writing it).
    unlinkSync(file);
  }
  held.add(file);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    held.delete(file);
    process.off('exit', release);
    if (readOwner(file)?.pid === mine.pid) unlinkSync(file);
  };
  // A process that exits without stopping (process.exit on a second Ctrl-C) leaves no lock behind.
  process.on('exit', release);
  return { file, release };
}

/**
 * Creates the lock file if none exists (false if one does). Written aside and hard-linked into
 * place, so that no reader ever sees a half-written lock and takes it for a stale one.
 */
function tryCreate(file: string, owner: LockOwner): boolean {
  const draft = `${file}.${process.pid}.tmp`;
  writeFileSync(draft, `${JSON.stringify(owner)}\n`, { mode: 0o644 });
  try {
    linkSync(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(draft);
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid !== 'number' || !Number.isInteger(owner.pid) || owner.pid <= 0) return undefined;
    return { pid: owner.pid, host: typeof owner.host === 'string' ? owner.host : hostname(), since: typeof owner.since === 'string' ? owner.since : 'an unknown time' };
  } catch {
    return undefined;
  }
}

/**
 * Whether the recorded owner may still hold the folder. A pid on another host cannot be checked
 * (a folder shared over the network): it holds. Our own pid holds only if this process took the
 * lock; otherwise it is a previous life of the process (a container restarted as pid 1 again).
 */
function holds(owner: LockOwner, file: string, isAlive: (pid: number) => boolean): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return held.has(file);
  return isAlive(owner.pid);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
