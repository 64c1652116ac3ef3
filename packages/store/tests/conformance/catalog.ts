// Conformance: migrations, definitions, runs (creation, reads, listing) and API keys.
import { describe, expect, it } from 'vitest';
import { InvalidCursorError } from '@baton/core';
import type { NewRun, PickedRunsStart, RunRecord } from '@baton/core';
import { loadMigrations } from '../../src/index.ts';
import { SEARCH_WINDOW } from '../../src/sql/run-search.ts';
import { createRuns, definedRun, definitionFixture, newId, uniqueNamespace } from './harness.ts';
import type { StoreHarness } from './harness.ts';

export function migrationConformance(h: StoreHarness): void {
  describe('migrate', () => {
    it('is idempotent and records every migration once', async () => {
      const store = h.store();
      await store.migrate();
      await store.migrate();
      const rows = await store.db.query<{ id: number }>('SELECT id FROM baton_migrations ORDER BY id');
      const files = await loadMigrations();
      expect(rows.map((r) => r.id)).toEqual(files.map((m) => m.id));
      expect(await store.db.query('SELECT COUNT(*)::int AS n FROM runs')).toEqual([{ n: expect.any(Number) }]);
    });

    it('is safe when three stores migrate one fresh database at once', async () => {
      const { stores, dispose } = await h.openFresh(3);
      try {
        await Promise.all(stores.map((s) => s.migrate()));
        const first = stores[0]!;
        const rows = await first.db.query<{ id: number }>('SELECT id FROM baton_migrations ORDER BY id');
        expect(rows.map((r) => r.id)).toEqual((await loadMigrations()).map((m) => m.id));
        expect(await first.ping()).toBe(true);
      } finally {
        await dispose();
      }
    });
  });
}

/** A store with workflow `w` 1.0.0 in a namespace of its own, its pick, and new runs of it (createAndStartPickedRun's tests). */
async function pickedWorkflow(h: StoreHarness) {
  const store = h.store();
  const ns = uniqueNamespace();
  await store.putDefinition(definitionFixture(ns, 'w', '1.0.0'));
  const w = (await store.findDefinition(ns, 'w'))!;
  const runOf = (overrides: Partial<NewRun> = {}): NewRun => ({ id: newId(), definitionId: w.id, namespace: ns, name: 'w', version: w.version, input: { n: 1 }, ...overrides });
  return { store, ns, w, runOf };
}

export function definitionConformance(h: StoreHarness): void {
  describe('definitions', () => {
    it('creates, then reports unchanged for the same content and conflict for other content', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const created = await store.putDefinition(definitionFixture(ns));
      expect(created.outcome).toBe('created');
      expect(created.definition).toMatchObject({ namespace: ns, name: 'greet', version: '1.0.0' });
      expect(created.definition.document).toEqual(definitionFixture(ns).document);
      const again = await store.putDefinition(definitionFixture(ns));
      expect(again).toEqual({ outcome: 'unchanged', definition: created.definition });
      const other = await store.putDefinition(definitionFixture(ns, 'greet', '1.0.0', { say: 'bye' }));
      expect(other.outcome).toBe('conflict');
      expect(other.definition).toEqual(created.definition);
      expect(await store.getDefinitionById(created.definition.id)).toEqual(created.definition);
    });

    it('is race-safe: concurrent puts of one version create it once', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const results = await Promise.all(Array.from({ length: 8 }, () => store.putDefinition(definitionFixture(ns))));
      expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
      expect(new Set(results.map((r) => r.definition.id)).size).toBe(1);
    });

    it('without a version returns the highest semantic version', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      for (const v of ['1.2.0', '1.10.0', '1.9.3', '1.10.0-rc.1', '0.9.0']) await store.putDefinition(definitionFixture(ns, 'w', v));
      expect((await store.getDefinition(ns, 'w'))?.version).toBe('1.10.0');
      expect((await store.getDefinition(ns, 'w', '1.9.3'))?.version).toBe('1.9.3');
      expect(await store.getDefinition(ns, 'w', '7.0.0')).toBeUndefined();
      expect(await store.getDefinition(ns, 'missing')).toBeUndefined();
      expect(await store.getDefinitionById(newId())).toBeUndefined();
      const latest = await store.findDefinition(ns, 'w');
      expect(latest).toEqual({ id: (await store.getDefinition(ns, 'w'))!.id, namespace: ns, name: 'w', version: '1.10.0', contentHash: expect.any(String), createdAt: expect.any(String), latest: true, versions: expect.any(String) });
      expect(latest).not.toHaveProperty('document');
      expect((await store.findDefinition(ns, 'w', '1.9.3'))?.version).toBe('1.9.3');
      expect(await store.findDefinition(ns, 'w', '7.0.0')).toBeUndefined();
      expect(await store.findDefinition(ns, 'missing')).toBeUndefined();
    });

    it('createPickedRun creates a run of a picked definition only while the pick holds', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      await store.putDefinition(definitionFixture(ns, 'w', '1.0.0'));
      const latest = (await store.findDefinition(ns, 'w'))!;
      const exact = (await store.findDefinition(ns, 'w', '1.0.0'))!;
      expect(exact).toMatchObject({ version: '1.0.0', latest: false });
      const runOf = (pick: typeof latest, overrides: Partial<NewRun> = {}): NewRun => ({ id: newId(), definitionId: pick.id, namespace: ns, name: 'w', version: pick.version, input: { n: 1 }, ...overrides });
      const first = await store.createPickedRun(runOf(latest, { priority: 3 }), latest);
      expect(first).toMatchObject({ status: 'pending', version: '1.0.0', definitionId: latest.id, input: { n: 1 }, priority: 3 });
      expect(await store.getRun(first!.id)).toMatchObject({ id: first!.id, version: '1.0.0' });
      // A run that conflicts (its idempotency key) is not created: undefined, the first run stands.
      const keyed = await store.createPickedRun(runOf(latest, { idempotencyKey: 'k' }), latest);
      expect(keyed).toBeDefined();
      expect(await store.createPickedRun(runOf(latest, { idempotencyKey: 'k' }), latest)).toBeUndefined();
      // A version applied since (by any process): the latest pick no longer holds; the exact one does.
      await store.putDefinition(definitionFixture(ns, 'w', '1.1.0'));
      const stale = runOf(latest);
      expect(await store.createPickedRun(stale, latest)).toBeUndefined();
      expect(await store.getRun(stale.id)).toBeUndefined();
      expect(await store.createPickedRun(runOf(exact), exact)).toMatchObject({ version: '1.0.0' });
      const fresh = (await store.findDefinition(ns, 'w'))!;
      expect(fresh).toMatchObject({ version: '1.1.0', latest: true });
      expect(fresh.versions).not.toBe(latest.versions);
      expect(await store.createPickedRun(runOf(fresh), fresh)).toMatchObject({ version: '1.1.0', definitionId: fresh.id });
      // A pick of another name's versions does not hold for this one.
      await store.putDefinition(definitionFixture(ns, 'other', '1.0.0'));
      const other = (await store.findDefinition(ns, 'other'))!;
      expect(await store.createPickedRun(runOf(fresh), { ...fresh, versions: other.versions })).toBeUndefined();
    });

    it('createPickedRun calls of one turn share a statement and each gets what its own would have', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      await store.putDefinition(definitionFixture(ns, 'w', '1.0.0'));
      await store.putDefinition(definitionFixture(ns, 'v', '1.0.0'));
      const w = (await store.findDefinition(ns, 'w'))!;
      const v = (await store.findDefinition(ns, 'v', '1.0.0'))!;
      const runOf = (pick: typeof w, overrides: Partial<NewRun> = {}): NewRun => ({ id: newId(), definitionId: pick.id, namespace: ns, name: pick.name, version: pick.version, input: { n: overrides.id ?? 1 }, ...overrides });
      // Made in one turn: 20 runs of one pick, 3 of another, two that share an idempotency key.
      const plain = Array.from({ length: 20 }, (_, i) => runOf(w, { input: { i }, ...(i % 5 === 0 && { priority: i }) }));
      const others = Array.from({ length: 3 }, () => runOf(v));
      const keyed = [runOf(w, { idempotencyKey: 'same' }), runOf(w, { idempotencyKey: 'same' })];
      const made = await Promise.all([...plain, ...others, ...keyed].map((run) => store.createPickedRun(run, run.name === 'w' ? w : v)));
      for (const [i, run] of [...plain, ...others].entries()) {
        expect(made[i]).toMatchObject({ id: run.id, name: run.name, status: 'pending', input: run.input, ...(run.priority ? { priority: run.priority } : {}) });
        const { priority: _priority, ...stored } = made[i]!;
        expect(await store.getRun(run.id)).toMatchObject(stored);
      }
      // Of the two with one key, the first in the turn is created; the other is not (as if it came second).
      expect(made[23]).toMatchObject({ id: keyed[0]!.id, idempotencyKey: 'same' });
      expect(made[24]).toBeUndefined();
      expect(await store.getRun(keyed[1]!.id)).toBeUndefined();
      // A row the database refuses (a definition that does not exist) fails its own request only.
      const refused = runOf(w, { definitionId: newId() });
      const fine = [runOf(w), runOf(w)];
      const outcomes = await Promise.allSettled([fine[0]!, refused, fine[1]!].map((run) => store.createPickedRun(run, w)));
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      for (const run of fine) expect(await store.getRun(run.id)).toMatchObject({ id: run.id });
      expect(await store.getRun(refused.id)).toBeUndefined();
      // A pick that no longer holds creates none of its turn's runs.
      await store.putDefinition(definitionFixture(ns, 'w', '2.0.0'));
      const stale = [runOf(w), runOf(w)];
      expect(await Promise.all(stale.map((run) => store.createPickedRun(run, w)))).toEqual([undefined, undefined]);
      for (const run of stale) expect(await store.getRun(run.id)).toBeUndefined();
    });

    it('createAndStartPickedRun decides the starts in the transaction that inserts the runs of one turn, and creates them alone when that fails', async () => {
      const { store, ns, w, runOf } = await pickedWorkflow(h);
      const calls: { locked: string[]; asked: string[] }[] = [];
      const committed: string[][] = [];
      const failures: unknown[] = [];
      let refuse: string | undefined;
      const start: PickedRunsStart = {
        async decide(tx, runs) {
          // Runs just inserted are there to lock; an id not inserted (a conflict) is not.
          const locked = await tx.lockRuns(runs.map((run) => run.id));
          calls.push({ locked: locked.map((run) => run.id), asked: runs.map((run) => run.id) });
          await tx.saveRuns(locked.map((run) => ({ id: run.id, status: 'running', eventSeq: 0, state: { status: 'running' }, startedAt: new Date().toISOString() })));
          if (refuse !== undefined) throw new Error(refuse);
          return async () => void committed.push(locked.map((run) => run.id));
        },
        failed: (error) => void failures.push(error),
      };
      // One turn: four runs, two of them with one idempotency key (the second is not created).
      const runs = [runOf(), runOf(), runOf({ idempotencyKey: 'k' }), runOf({ idempotencyKey: 'k' })];
      const made = await Promise.all(runs.map((run) => store.createAndStartPickedRun(run, w, start)));
      expect(made.map((m) => m?.started)).toEqual([true, true, true, undefined]);
      expect(made[0]!.run).toMatchObject({ id: runs[0]!.id, status: 'pending', input: { n: 1 } });
      expect(calls).toEqual([{ asked: runs.map((run) => run.id), locked: runs.slice(0, 3).map((run) => run.id).sort() }]);
      expect(committed).toEqual([runs.slice(0, 3).map((run) => run.id).sort()]);
      for (const run of runs.slice(0, 3)) expect(await store.getRun(run.id)).toMatchObject({ status: 'running' });
      expect(await store.getRun(runs[3]!.id)).toBeUndefined();
      // A start that throws rolls back what it wrote with the insert; the runs are created alone.
      refuse = 'declined';
      const alone = [runOf(), runOf()];
      const again = await Promise.all(alone.map((run) => store.createAndStartPickedRun(run, w, start)));
      expect(again.map((m) => m?.started)).toEqual([false, false]);
      expect(failures).toEqual([new Error('declined')]);
      expect(committed).toHaveLength(1);
      for (const run of alone) expect(await store.getRun(run.id)).toMatchObject({ status: 'pending' });
      // A pick that no longer holds creates nothing, and the start is asked about ids it cannot lock.
      refuse = undefined;
      await store.putDefinition(definitionFixture(ns, 'w', '2.0.0'));
      const stale = runOf();
      expect(await store.createAndStartPickedRun(stale, w, start)).toBeUndefined();
      expect(calls.at(-1)).toEqual({ asked: [stale.id], locked: [] });
      expect(await store.getRun(stale.id)).toBeUndefined();
    });

    it('createAndStartPickedRun inserts the runs as the start decided them when its writes are its first statement; a conflict or a rate limit still rolls the start back', async () => {
      const { store, ns, w, runOf } = await pickedWorkflow(h);
      const startedAt = '2026-12-06T05:00:00.000Z';
      const failures: unknown[] = [];
      const savedBy: string[] = [];
      // As the engine's inline start: the check that the runs are this transaction's (held with the
      // INSERT), then the decision's writes, nothing read in between.
      const start: PickedRunsStart = {
        async decide(tx, runs) {
          void tx.lockInsertedRuns(runs.map((run) => run.id));
          const [first, ...rest] = runs;
          await tx.saveTransitions({
            // The first ended at once; the others are running; a run of another batch is not touched.
            updates: [
              { id: first!.id, status: 'completed', eventSeq: 2, output: { done: true }, state: { status: 'completed' }, startedAt, endedAt: startedAt, updatedAt: startedAt },
              ...rest.map((run) => ({ id: run.id, status: 'running' as const, eventSeq: 1, state: { status: 'running' as const, at: run.id }, startedAt, updatedAt: startedAt })),
            ],
            events: runs.map((run) => ({ runId: run.id, seq: 1, id: `${run.id}.1`, type: 'io.serverlessworkflow.workflow.started.v1', time: startedAt, data: {} })),
            attempts: [],
            applied: [],
          });
          const xid = tx.transactionId();
          xid.catch(() => undefined); // a rolled-back start's: the transaction's failure is what counts
          return async () => void savedBy.push(await xid);
        },
        failed: (error) => void failures.push(error),
      };
      const runs = [runOf(), runOf(), runOf()];
      const made = await Promise.all(runs.map((run) => store.createAndStartPickedRun(run, w, start)));
      expect(failures).toEqual([]);
      expect(made.map((m) => m?.started)).toEqual([true, true, true]);
      // The records the INSERT returned are the runs as decided: no pending row was written first.
      expect(made[0]!.run).toMatchObject({ id: runs[0]!.id, status: 'completed', output: { done: true }, input: { n: 1 }, startedAt, endedAt: startedAt, updatedAt: startedAt });
      for (const m of made.slice(1)) expect(m!.run).toMatchObject({ status: 'running', startedAt, updatedAt: startedAt });
      // Not created after its start: created_at is no later than the decision's stamp.
      for (const m of made) expect(Date.parse(m!.run.createdAt)).toBeLessThanOrEqual(Date.parse(startedAt));
      for (const run of runs) expect(await store.getRun(run.id)).toMatchObject({ status: run === runs[0] ? 'completed' : 'running', startedAt });
      const locked = await store.transaction((tx) => tx.lockRuns(runs.slice(1).map((run) => run.id)));
      expect(locked.map((run) => [run.eventSeq, run.state])).toEqual(runs.slice(1).map((run) => [1, { status: 'running', at: run.id }]).sort((a, b) => ((a[1] as { at: string }).at < (b[1] as { at: string }).at ? -1 : 1)));
      expect(await store.listEvents(runs[1]!.id, 0, 10)).toHaveLength(1);
      // The rows are this transaction's: a later batch may be decided on them (lockRunsUnchanged).
      expect(savedBy).toHaveLength(1);
      await store.transaction((tx) => tx.lockRunsUnchanged([{ id: runs[1]!.id, savedBy: savedBy[0]! }]));
      // A run of the turn not inserted (its idempotency key taken): the check fails, nothing of the
      // start stays, and the runs are created alone (pending) — the one with the key is not.
      const keyed = await store.createAndStartPickedRun(runOf({ idempotencyKey: 'k' }), w, { ...start, failed: () => undefined });
      expect(keyed?.run.status).toBe('completed');
      const turn = [runOf(), runOf({ idempotencyKey: 'k' })];
      const again = await Promise.all(turn.map((run) => store.createAndStartPickedRun(run, w, start)));
      expect(again.map((m) => m?.started)).toEqual([false, undefined]);
      expect(failures).toHaveLength(1);
      expect(await store.getRun(turn[0]!.id)).toMatchObject({ status: 'pending' });
      expect(await store.listEvents(turn[0]!.id, 0, 10)).toEqual([]);
      // A rate limit in the namespace: the start (decided without it) is rolled back as well.
      await store.putRateLimit({ namespace: ns, name: 'api', kind: 'requests', per: 'second', limit: 5 });
      const limited = runOf();
      expect((await store.createAndStartPickedRun(limited, w, start))?.started).toBe(false);
      expect(await store.getRun(limited.id)).toMatchObject({ status: 'pending' });
      expect(failures).toHaveLength(2);
    });

    it('lists with filters and keyset pagination', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      for (const name of ['a', 'b', 'c']) for (const v of ['1.0.0', '2.0.0']) await store.putDefinition(definitionFixture(ns, name, v));
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listDefinitions({ namespace: ns, limit: 4, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(4);
        expect(page.items[0]).not.toHaveProperty('document');
        seen.push(...page.items.map((d) => `${d.name}@${d.version}`));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['a@1.0.0', 'a@2.0.0', 'b@1.0.0', 'b@2.0.0', 'c@1.0.0', 'c@2.0.0']);
      const onlyB = await store.listDefinitions({ namespace: ns, name: 'b', limit: 10 });
      expect(onlyB.items.map((d) => d.version)).toEqual(['1.0.0', '2.0.0']);
      expect(onlyB.nextCursor).toBeUndefined();
      await expect(store.listDefinitions({ limit: 2, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
    });
  });
}

export function runConformance(h: StoreHarness): void {
  describe('runs', () => {
    it('creates a pending run and reads it back with JSON values intact', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const input = { text: 'héllo "quoted" \\ {braces}, [1]', n: 0.1, big: 1e21, neg: -3, list: [null, true, 'x'], nested: { a: [] } };
      const newRun = await definedRun(store, ns, { input, parentRunId: 'p1', parentEffectId: 'e3' });
      const { run, created } = await store.createRun(newRun);
      expect(created).toBe(true);
      expect(run).toMatchObject({ id: newRun.id, status: 'pending', namespace: ns, input, parentRunId: 'p1', parentEffectId: 'e3' });
      expect(run).not.toHaveProperty('output');
      expect(run).not.toHaveProperty('startedAt');
      expect(new Date(run.createdAt).toISOString()).toBe(run.createdAt);
      expect(await store.getRun(run.id)).toEqual(run);
      expect(await store.getRun(newId())).toBeUndefined();
    });

    it('round-trips scalar inputs: a string, a number, null', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      for (const input of ['just text', '{"looks":"like json"}', 42, null, false]) {
        const { run } = await store.createRun(await definedRun(store, ns, { input }));
        expect((await store.getRun(run.id))?.input).toEqual(input);
      }
    });

    it('returns the first run for a repeated idempotency key, even under a race of 10', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const template = await definedRun(store, ns, { idempotencyKey: 'order-42' });
      const results = await Promise.all(Array.from({ length: 10 }, () => store.createRun({ ...template, id: newId() })));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.run.id)).size).toBe(1);
      expect(results[0]?.run.idempotencyKey).toBe('order-42');
      const other = await store.createRun({ ...template, id: newId(), namespace: uniqueNamespace() });
      expect(other.created).toBe(true);
      const runs = await store.listRuns({ namespace: ns, limit: 100 });
      expect(runs.items).toHaveLength(1);
    });

    it('returns the existing run when the same id is created again (a retried request)', async () => {
      const store = h.store();
      const newRun = await definedRun(store, uniqueNamespace());
      const first = await store.createRun(newRun);
      const again = await store.createRun({ ...newRun, input: 'different' });
      expect(again).toEqual({ run: first.run, created: false });
    });

    it('lists newest first with filters and keyset pagination across pages', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const ids = await createRuns(store, ns, 7);
      const seen: RunRecord[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listRuns({ namespace: ns, limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      const expected = [...seen].sort((a, b) => (b.createdAt === a.createdAt ? (b.id < a.id ? -1 : 1) : b.createdAt < a.createdAt ? -1 : 1));
      expect(seen.map((r) => r.id)).toEqual(expected.map((r) => r.id));
      expect(new Set(seen.map((r) => r.id))).toEqual(new Set(ids));
      expect((await store.listRuns({ namespace: ns, status: 'pending', limit: 100 })).items).toHaveLength(7);
      expect((await store.listRuns({ namespace: ns, status: 'running', limit: 100 })).items).toHaveLength(0);
      expect((await store.listRuns({ namespace: ns, name: 'greet', limit: 100 })).items).toHaveLength(7);
      expect((await store.listRuns({ namespace: ns, name: 'other', limit: 100 })).items).toHaveLength(0);
    });

    it('finds runs by id and by a value in their input (strings contain it, numbers equal it; keys do not count), a bounded window at a time', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const template = await definedRun(store, ns);
      const make = async (input: unknown, extra: Partial<NewRun> = {}) => (await store.createRun({ ...template, id: newId(), input, ...extra })).run.id;
      const acme = await make({ customer: { name: 'ACME Corp', orders: [{ total: 1200 }] } });
      const other = await make({ customer: { name: 'Globex' }, note: 'AC ME, not it' });
      const keyOnly = await make({ acme: true });
      const withNul = await make({ text: 'acme\u0000' });
      const quoted = await make({ path: 'C:\\temp\\"x".*' });
      const child = await make({ from: acme }, { parentRunId: acme, parentEffectId: 'e1' });
      const ids = (page: { items: RunRecord[] }) => page.items.map((r) => r.id);
      expect(ids(await store.listRuns({ namespace: ns, search: 'acme', limit: 100 }))).toEqual([acme]);
      expect(ids(await store.listRuns({ namespace: ns, search: '1200', limit: 100 }))).toEqual([acme]);
      expect(ids(await store.listRuns({ namespace: ns, search: '"x".*', limit: 100 }))).toEqual([quoted]);
      expect(ids(await store.listRuns({ namespace: ns, search: 'nothing like it', limit: 100 }))).toEqual([]);
      // By id: that run first, then runs whose input holds the id (the child names its parent).
      expect(ids(await store.listRuns({ namespace: ns, search: acme, limit: 100 }))).toEqual([acme, child]);
      expect(ids(await store.listRuns({ namespace: ns, search: other, status: 'running', limit: 100 }))).toEqual([]);
      expect(ids(await store.listRuns({ namespace: ns, parentRunId: acme, limit: 100 }))).toEqual([child]);
      expect(keyOnly && withNul).toBeTruthy();
      // Pages: keyset on the matches.
      const many: string[] = [];
      for (let i = 0; i < 5; i += 1) many.push(await make({ tag: 'paged' }));
      const first = await store.listRuns({ namespace: ns, search: 'PAGED', limit: 3 });
      expect(ids(first)).toEqual(many.slice(2).reverse());
      const second = await store.listRuns({ namespace: ns, search: 'PAGED', limit: 3, cursor: first.nextCursor! });
      expect(ids(second)).toEqual(many.slice(0, 2).reverse());
    });

    it('searches a bounded window per page and continues below it with nextCursor', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const template = await definedRun(store, ns);
      const needle = (await store.createRun({ ...template, id: newId(), input: { find: 'needle' } })).run.id;
      const hay: string[] = [];
      for (let i = 0; i < SEARCH_WINDOW; i += 50) {
        const batch = await Promise.all(Array.from({ length: 50 }, () => store.createRun({ ...template, id: newId(), input: { hay: true } })));
        hay.push(...batch.map((created) => created.run.id));
      }
      // The newest runs fill the window: the first page finds nothing and says where to go on.
      const first = await store.listRuns({ namespace: ns, search: 'needle', limit: 10 });
      expect(first.items).toEqual([]);
      expect(first.nextCursor).toBeDefined();
      const second = await store.listRuns({ namespace: ns, search: 'needle', limit: 10, cursor: first.nextCursor! });
      expect(second.items.map((r) => r.id)).toEqual([needle]);
      expect(second.nextCursor).toBeUndefined();
      // The id is found whatever the window.
      expect((await store.listRuns({ namespace: ns, search: needle, limit: 10 })).items.map((r) => r.id)).toEqual([needle]);
      // A thousand pending runs would be the oldest the sweeps of the tests that follow claim.
      await store.transaction((tx) => tx.saveRuns([...hay, needle].map((id) => ({ id, status: 'completed', state: { status: 'completed' }, eventSeq: 0 }))));
    });

    it('rejects a malformed cursor with InvalidCursorError', async () => {
      const store = h.store();
      const foreign = (await store.listDefinitions({ limit: 1 })).nextCursor;
      const bad = ['%%%', 'bm90IGpzb24', Buffer.from('["runs","yesterday","x"]').toString('base64url'), ...(foreign ? [foreign] : [])];
      for (const cursor of bad) await expect(store.listRuns({ limit: 5, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    });
  });
}

export function apiKeyConformance(h: StoreHarness): void {
  describe('api keys', () => {
    it('creates, verifies, lists and revokes; the secret is never stored in clear', async () => {
      const store = h.store();
      const ns = uniqueNamespace();
      const { record, secret } = await store.createApiKey({ name: 'ci', role: 'user', namespace: ns });
      expect(secret).toMatch(/^bt_[A-Za-z0-9_-]{40,}$/);
      expect(secret.startsWith(record.prefix)).toBe(true);
      expect(record).toMatchObject({ name: 'ci', role: 'user', namespace: ns });
      expect(record).not.toHaveProperty('revokedAt');
      expect(await store.verifyApiKey(secret)).toEqual(record);
      expect(await store.verifyApiKey(`${secret}x`)).toBeUndefined();
      const stored = JSON.stringify(await store.db.query('SELECT * FROM api_keys WHERE id = $1', [record.id]));
      expect(stored).not.toContain(secret);
      expect((await store.listApiKeys()).map((k) => k.id)).toContain(record.id);
      expect(await store.revokeApiKey(record.id)).toBe(true);
      expect(await store.revokeApiKey(record.id)).toBe(false);
      expect(await store.verifyApiKey(secret)).toBeUndefined();
      expect((await store.listApiKeys()).find((k) => k.id === record.id)?.revokedAt).toEqual(expect.any(String));
    });

    it('accepts a given secret and keys without a namespace', async () => {
      const store = h.store();
      const given = `bt_given_${newId()}`;
      const { record, secret } = await store.createApiKey({ name: 'admin', role: 'admin', secret: given });
      expect(secret).toBe(given);
      expect(record).not.toHaveProperty('namespace');
      expect((await store.verifyApiKey(given))?.role).toBe('admin');
      expect(await store.revokeApiKey(newId())).toBe(false);
    });
  });
}
