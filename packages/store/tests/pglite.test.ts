// The Store conformance suite against embedded PGlite in memory, and what only PGlite has: a data
// directory that survives the process.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStore } from '../src/index.ts';
import { storeConformance } from './conformance.ts';
import { definitionFixture } from './conformance/harness.ts';

storeConformance('pglite (memory)', {
  open: () => createStore({ kind: 'pglite' }),
  async openFresh(count) {
    // One in-memory database can only be reached through one PGlite instance: the "several
    // stores" share it, which still exercises concurrent migrate() calls through the mutex.
    const store = await createStore({ kind: 'pglite' });
    return { stores: Array.from({ length: count }, () => store), dispose: () => store.close() };
  },
});

describe('pglite data directory', () => {
  it('keeps definitions, runs and applied migrations across a close and a reopen', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-pglite-'));
    try {
      const first = await createStore({ kind: 'pglite', dataDir });
      await first.migrate();
      const { definition } = await first.putDefinition(definitionFixture('persist'));
      await first.createRun({ id: 'run-1', definitionId: definition.id, namespace: 'persist', name: definition.name, version: definition.version, input: { a: 1 } });
      await first.close();

      const second = await createStore({ kind: 'pglite', dataDir });
      await second.migrate();
      expect(await second.getDefinition('persist', definition.name)).toEqual(definition);
      expect((await second.getRun('run-1'))?.input).toEqual({ a: 1 });
      await second.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
