// Throwaway folders for tests, under the system's temporary folder, removed when they are no
// longer needed: the test that made one has ended, or (made while a file's tests are collected,
// at its top level or in a describe) the file's tests have. Not for a hook (beforeAll, afterEach):
// vitest takes an afterAll registered while the tests run without running it — a hook removes
// what it made itself. A subpath of its own (`@baton/testkit/scratch`), so that a unit test takes
// it without the rest of the kit (clients of PostgreSQL and Redis).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

/** A new empty folder named `<prefix>XXXXXX`, removed with what is in it when its test (or file) ends. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    onTestFinished(remove);
  } catch {
    // Not inside a test: vitest refuses onTestFinished there, and the file's end is the bound.
    afterAll(remove);
  }
  return dir;
}
