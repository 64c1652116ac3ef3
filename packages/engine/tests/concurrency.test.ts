// Concurrency keys on real PostgreSQL and Redis (issue 14; docs/OPERATIONS.md "Concurrency"): at
// most `limit` runs per key run at once — checked from the runs' event logs — and queued runs
// start by priority, then in order of creation, across two runners; cancel-newest, cancel-oldest,
// cancelling a queued run, a key that fails, and a runner that dies after its commit.
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { RunEventRecord } from '@baton/core';
import { enqueueDurably } from '../src/outbox.ts';
import { RUN_QUEUED } from '../src/concurrency.ts';
import { NAMESPACE, startBench, type EngineBench } from './harness.ts';

let b: EngineBench;
const RUNS = Number(process.env.CONCURRENCY_RUNS ?? 1_000);
const STARTED = 'io.serverlessworkflow.workflow.started.v1';
const ENDED = new Set(['io.serverlessworkflow.workflow.completed.v1', 'io.serverlessworkflow.workflow.faulted.v1', 'io.serverlessworkflow.workflow.cancelled.v1']);
/** Holds its slot until an event `com.example.go` arrives (or it is cancelled). */
const HOLD = [{ hold: { listen: { to: { one: { with: { type: 'com.example.go' } } } } } }];

async function define(name: string, tasks: object[], concurrency: object): Promise<void> {
  const document = { document: { dsl: '1.0.0', namespace: NAMESPACE, name, version: '1.0.0', metadata: { baton: { concurrency } } }, do: tasks };
  const source = JSON.stringify(document);
  await b.store.putDefinition({ namespace: NAMESPACE, name, version: '1.0.0', document, source, contentHash: createHash('sha256').update(source).digest('hex') });
}

/** A pending run with a priority; its start is enqueued as the API does. */
async function create(name: string, input: unknown = {}, priority = 0): Promise<string> {
  const definition = (await b.store.getDefinition(NAMESPACE, name, '1.0.0'))!;
  const { run } = await b.store.createRun({ id: uuidv7(), definitionId: definition.id, namespace: NAMESPACE, name, version: '1.0.0', input, ...(priority !== 0 && { priority }) });
  await b.bus.enqueue('runner', [{ type: 'start', runId: run.id }]);
  return run.id;
}

const slot = async (runId: string) => (await b.sql<{ state: string }>('SELECT state FROM concurrency_slots WHERE run_id = $1', [runId]))[0]?.state;
const started = (events: RunEventRecord[]) => events.find((e) => e.type === STARTED);
const ticketOf = async (runId: string) => ((started(await b.events(runId))?.data as { concurrency?: { ticket?: number } } | undefined)?.concurrency?.ticket);
const cancel = (runId: string) => enqueueDurably(b.store, b.bus, [{ type: 'cancel', runId }]);
/** The workflow's key rows and slots are gone once its runs ended. */
async function noKeysLeft(name: string): Promise<void> {
  const scope = `${NAMESPACE}/${name}`;
  const count = async () => (await b.sql<{ n: number }>('SELECT ((SELECT count(*) FROM concurrency_slots WHERE scope = $1) + (SELECT count(*) FROM concurrency_keys WHERE scope = $1))::int AS n', [scope]))[0]!.n;
  await b.until(`every slot and key row of ${scope} freed`, async () => (await count()) === 0);
}
const cancelledReason = async (runId: string) => ((await b.events(runId)).find((e) => e.type === 'io.serverlessworkflow.workflow.cancelled.v1')?.data as { reason?: string } | undefined)?.reason ?? '';

beforeAll(async () => {
  b = await startBench();
  await define('burst', [{ nap: { wait: { milliseconds: 5 } } }], { limit: 5 });
  await define('ranked', [{ nap: { wait: { milliseconds: 400 } } }], { limit: 1 });
  await define('newest', HOLD, { limit: 2, key: '${ .customer }', strategy: 'cancel-newest' });
  await define('oldest', HOLD, { limit: 1, key: '${ .customer }', strategy: 'cancel-oldest' });
  await define('lined', HOLD, { limit: 1 });
  await define('broken-key', HOLD, { limit: 1, key: '${ .a.b }' });
  await define('child', [{ nap: { wait: { milliseconds: 150 } } }], { limit: 1 });
  const sub = { run: { workflow: { namespace: NAMESPACE, name: 'child', version: '1.0.0' } } };
  await b.define('parent', [{ all: { fork: { branches: [{ a: sub }, { b: sub }, { c: sub }] } } }]);
}, 60_000);
afterEach(async () => {
  await b?.stopRunners();
});
afterAll(async () => {
  await b?.close();
});

describe('a concurrency key with limit 5', () => {
  it('runs 1,000 runs through two runners: never more than 5 at once (from the event logs), admitted in order of creation', async () => {
    const ids: string[] = [];
    for (let i = 0; i < RUNS; i += 50) ids.push(...(await Promise.all(Array.from({ length: 50 }, () => create('burst')))));
    const created = await b.sql<{ id: string }>(`SELECT id FROM runs WHERE name = 'burst' ORDER BY created_at, id`);
    await b.runner({ concurrency: 2 });
    await b.runner({ concurrency: 2 });
    await b.until('1,000 runs completed', async () => (await b.sql<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE name = 'burst' AND status = 'completed'`))[0]!.n === RUNS, 60_000);

    const logs = await b.sql<{ run_id: string; seq: number; type: string; time: string; data: string }>(
      `SELECT e.run_id, e.seq, e.type, e.time, e.data FROM run_events e JOIN runs r ON r.id = e.run_id WHERE r.name = 'burst' ORDER BY e.run_id, e.seq`,
    );
    // Each run's interval, from its log: started → its terminal event.
    const points: { at: number; delta: number }[] = [];
    const tickets = new Map<string, number>();
    let queuedEvents = 0;
    for (const event of logs) {
      if (event.type === RUN_QUEUED) queuedEvents += 1;
      if (event.type === STARTED) {
        points.push({ at: new Date(event.time).getTime(), delta: +1 });
        tickets.set(event.run_id, (JSON.parse(event.data) as { concurrency: { ticket: number } }).concurrency.ticket);
      }
      if (ENDED.has(event.type)) points.push({ at: new Date(event.time).getTime(), delta: -1 });
    }
    // A slot is freed in the transaction that writes the terminal event, before the next run is
    // admitted: at one millisecond, ends come before starts.
    points.sort((x, y) => x.at - y.at || x.delta - y.delta);
    let running = 0;
    let most = 0;
    for (const p of points) most = Math.max(most, (running += p.delta));
    expect(most).toBeLessThanOrEqual(5);
    expect(most).toBe(5);
    expect(queuedEvents).toBeGreaterThanOrEqual(900);
    // FIFO: admission numbers follow the order of creation.
    expect(created.map((r) => tickets.get(r.id))).toEqual(Array.from({ length: RUNS }, (_, i) => i + 1));
    await noKeysLeft('burst');
  }, 90_000);
});

describe('queued runs', () => {
  it('start by priority, then in order of creation', async () => {
    await b.runner();
    const first = await create('ranked');
    await b.status(first, 'running', 'waiting');
    const [low1, high1, low2, high2] = [await create('ranked', {}, 0), await create('ranked', {}, 5), await create('ranked', {}, 0), await create('ranked', {}, 5)];
    for (const id of [low1, high1, low2, high2]) await b.until(`${id} queued`, async () => (await slot(id!)) === 'queued');
    // All four were queued while the first still held the slot (else this test proves nothing).
    expect((await b.run(first)).status).not.toBe('completed');
    expect((await b.store.getRun(low2!))?.concurrency).toEqual({ key: null, state: 'queued', position: 4 });
    for (const id of [first, low1, high1, low2, high2]) await b.status(id!, 'completed');
    const tickets = await Promise.all([first, high1, high2, low1, low2].map((id) => ticketOf(id!)));
    expect(tickets).toEqual([...tickets].sort((x, y) => x! - y!));
    expect(new Set(tickets).size).toBe(5);
    const queued = (await b.events(low2!)).find((e) => e.type === RUN_QUEUED);
    expect(queued?.data).toMatchObject({ key: null, limit: 1, strategy: 'queue' });
    await noKeysLeft('ranked');
  }, 30_000);

  it('leave the queue when cancelled; the next one starts when the slot frees', async () => {
    await b.runner();
    const holder = await create('lined');
    await b.status(holder, 'waiting');
    const [gone, next] = [await create('lined'), await create('lined')];
    await b.until('both queued', async () => (await slot(gone)) === 'queued' && (await slot(next)) === 'queued');
    expect(await b.store.getRun(next)).toMatchObject({ status: 'pending', concurrency: { key: null, state: 'queued', position: 2 } });
    await cancel(gone);
    await b.status(gone, 'cancelled');
    expect(await slot(gone)).toBeUndefined();
    expect((await b.store.getRun(next))?.concurrency).toMatchObject({ state: 'queued', position: 1 });
    await cancel(holder);
    await b.status(next, 'waiting');
    expect(started(await b.events(gone))).toBeUndefined();
    await cancel(next);
    await noKeysLeft('lined');
  }, 30_000);
});

describe('strategies', () => {
  it('cancel-newest: a run over the limit of its key is cancelled at once, naming the key and the limit', async () => {
    await b.runner();
    const [a, c] = [await create('newest', { customer: 'acme' }), await create('newest', { customer: 'acme' })];
    const other = await create('newest', { customer: 'globex' });
    for (const id of [a, c, other]) await b.status(id, 'waiting');
    const over = await create('newest', { customer: 'acme' });
    const refused = await b.status(over, 'cancelled');
    for (const reason of [refused.error?.detail ?? '', await cancelledReason(over)]) {
      expect(reason).toContain('"acme"');
      expect(reason).toContain('limit 2');
      expect(reason).toContain('cancel-newest');
    }
    expect(started(await b.events(over))).toBeUndefined();
    await cancel(a);
    await b.status(a, 'cancelled');
    const later = await create('newest', { customer: 'acme' });
    await b.status(later, 'waiting');
    for (const id of [c, other, later]) await cancel(id);
    await noKeysLeft('newest');
  }, 30_000);

  it('cancel-oldest: the oldest running run is cancelled and the new one takes its slot once it ended', async () => {
    await b.runner();
    const old = await create('oldest', { customer: 'acme' });
    await b.status(old, 'waiting');
    const fresh = await create('oldest', { customer: 'acme' });
    await b.status(old, 'cancelled');
    expect(await cancelledReason(old)).toContain('cancel-oldest');
    await b.status(fresh, 'waiting');
    // It waited for the slot: its start follows the old run's end.
    const [oldEnd, freshStart] = [(await b.events(old)).at(-1)!, started(await b.events(fresh))!];
    expect(new Date(freshStart.time).getTime()).toBeGreaterThanOrEqual(new Date(oldEnd.time).getTime());
    await cancel(fresh);
    await noKeysLeft('oldest');
  }, 30_000);
});

describe('the key', () => {
  it('faults the run with a clear error when it cannot be evaluated on the input', async () => {
    await b.runner();
    const run = await create('broken-key', { a: 5 });
    const faulted = await b.status(run, 'faulted');
    expect(faulted.error?.title).toBe('Concurrency key failed');
    expect(faulted.error?.detail).toContain('.a.b');
    expect(await slot(run)).toBeUndefined();
    // A good input on the same workflow still runs.
    const fine = await create('broken-key', { a: { b: 'x' } });
    await b.status(fine, 'waiting');
    await cancel(fine);
    await noKeysLeft('broken-key');
  }, 30_000);
});

describe('other starts', () => {
  it('child runs pass the same gate: three children of a limit-1 workflow run one after the other', async () => {
    await b.runner();
    const parent = await b.create('parent');
    await b.status(parent, 'completed');
    const children = await b.sql<{ id: string }>(`SELECT id FROM runs WHERE parent_run_id = $1`, [parent]);
    expect(children).toHaveLength(3);
    const spans = await Promise.all(children.map(async ({ id }) => {
      const log = await b.events(id);
      return [Date.parse(started(log)!.time), Date.parse(log.at(-1)!.time)] as const;
    }));
    spans.sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i += 1) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    await noKeysLeft('child');
  }, 30_000);

  it('a suspended run keeps its slot; the queued run starts once it ended', async () => {
    await b.runner();
    const holder = await create('lined');
    await b.status(holder, 'waiting');
    await enqueueDurably(b.store, b.bus, [{ type: 'suspend', runId: holder }]);
    await b.status(holder, 'suspended');
    const next = await create('lined');
    await b.until('queued behind the suspended run', async () => (await slot(next)) === 'queued');
    expect(await slot(holder)).toBe('running');
    await cancel(holder);
    await b.status(next, 'waiting');
    await cancel(next);
    await noKeysLeft('lined');
  }, 30_000);
});

describe('crashes', () => {
  it('a runner that dies after committing a slot freed loses no queued run; the pending-run sweep never starts a queued run', async () => {
    await b.runner();
    const holder = await create('lined');
    await b.status(holder, 'waiting');
    const queued = await create('lined');
    await b.until('queued', async () => (await slot(queued)) === 'queued');
    // The pending-run repair does not pick a queued run, however old.
    const claimed = await b.store.claimPendingRuns({ olderThanMs: 0 }, 500);
    expect(claimed).not.toContain(queued);
    await b.stopRunners();
    // The cancel is applied and committed, its effects never relayed: as if the runner died then.
    await b.commitOnly([{ type: 'cancel', runId: holder }]);
    expect((await b.run(holder)).status).toBe('cancelled');
    expect(await slot(queued)).toBe('running');
    expect((await b.run(queued)).status).toBe('pending');
    // Another runner's outbox sweep sends the start the dead one wrote: due at once, as after a new
    // transport epoch, instead of RUNNER_ROW_RESEND_MS (5 s) later (tests/outbox.test.ts waits for that).
    await b.store.makeOutboxDue();
    await b.runner();
    await b.status(queued, 'waiting');
    await cancel(queued);
    await noKeysLeft('lined');
  }, 30_000);
});
