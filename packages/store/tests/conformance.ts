// The Store conformance suite: every adapter runs exactly this (postgres.test.ts, pglite.test.ts).
import { afterAll, beforeAll, describe } from 'vitest';
import type { SqlStore } from '../src/index.ts';
import { approvalConformance } from './conformance/approvals.ts';
import { apiKeyConformance, definitionConformance, migrationConformance, runConformance } from './conformance/catalog.ts';
import type { StoreHarness } from './conformance/harness.ts';
import { operationsConformance } from './conformance/operations.ts';
import { replayConformance } from './conformance/replays.ts';
import { outboxConformance } from './conformance/outbox.ts';
import { retentionConformance } from './conformance/retention.ts';
import { runnerTxConformance } from './conformance/runner.ts';
import { runnerWritesConformance } from './conformance/runner-writes.ts';
import { sweepConformance } from './conformance/sweeps.ts';
import { systemConformance } from './conformance/system.ts';

export interface StoreFactory {
  /** A store on a database of its own (not migrated yet); closed by the suite. */
  open(): Promise<SqlStore>;
  /** `count` stores on one new, empty database, and how to get rid of them. */
  openFresh(count: number): Promise<{ stores: SqlStore[]; dispose(): Promise<void> }>;
}

export function storeConformance(adapter: string, factory: StoreFactory): void {
  describe(`Store conformance: ${adapter}`, () => {
    let store: SqlStore | undefined;
    let openError: unknown;
    // An adapter that cannot open (e.g. PostgreSQL unreachable) fails every test with its reason,
    // rather than leaving them skipped behind a failed hook.
    beforeAll(async () => {
      try {
        store = await factory.open();
        await store.migrate();
      } catch (error) {
        openError = error;
      }
    });
    afterAll(async () => {
      await store?.close();
    });

    const harness: StoreHarness = {
      store: () => {
        if (openError !== undefined) throw openError;
        if (!store) throw new Error('the store did not open');
        return store;
      },
      openFresh: (count) => factory.openFresh(count),
    };
    migrationConformance(harness);
    definitionConformance(harness);
    runConformance(harness);
    apiKeyConformance(harness);
    runnerTxConformance(harness);
    runnerWritesConformance(harness);
    sweepConformance(harness);
    outboxConformance(harness);
    approvalConformance(harness);
    retentionConformance(harness);
    operationsConformance(harness);
    replayConformance(harness);
    systemConformance(harness);
  });
}
