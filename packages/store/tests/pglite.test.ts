// The Store conformance suite against embedded PGlite, in memory.
import { createStore } from '../src/index.ts';
import { storeConformance } from './conformance.ts';

storeConformance('pglite (memory)', {
  open: () => createStore({ kind: 'pglite' }),
  async openFresh(count) {
    // One in-memory database can only be reached through one PGlite instance: the "several
    // stores" share it, which still exercises concurrent migrate() calls through the mutex.
    const store = await createStore({ kind: 'pglite' });
    return { stores: Array.from({ length: count }, () => store), dispose: () => store.close() };
  },
});
