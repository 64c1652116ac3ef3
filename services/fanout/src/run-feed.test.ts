// RunFeed's replay→live switch with the timing pinned: the store is the real one (PGlite); the
// answer of each read (taken at call time, like a snapshot) is held back until the test has
// committed and offered the live events it wants to race it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEventRecord, Store } from '@baton/core';
import { createStore } from '@baton/store';
import { Frame } from './frame.ts';
import { RunFeed, type FeedHost } from './run-feed.ts';
import { SharedReads } from './shared-reads.ts';

let store: Store;
let counter = 0;

beforeAll(async () => {
  store = await createStore({ kind: 'pglite' });
  await store.migrate();
});
afterAll(async () => {
  await store?.close();
});

const TYPE = 'io.serverlessworkflow.task.completed.v1';
const record = (runId: string, seq: number, type = TYPE): RunEventRecord => ({ runId, seq, id: `${runId}.${seq}`, type, time: new Date(0).toISOString(), data: { seq } });

async function runWithEvents(count: number): Promise<string> {
  const { definition } = await store.putDefinition({ namespace: 'fan', name: 'feed', version: '1.0.0', document: {}, source: '{}', contentHash: 'feed' });
  const id = `feed-run-${(counter += 1)}`;
  await store.createRun({ id, definitionId: definition.id, namespace: 'fan', name: 'feed', version: '1.0.0', input: {} });
  await append(id, 1, count);
  return id;
}

async function append(runId: string, from: number, to: number, type = TYPE): Promise<void> {
  if (to < from) return;
  await store.transaction((tx) => tx.appendEvents(Array.from({ length: to - from + 1 }, (_, i) => record(runId, from + i, type))));
}

/** A host that records what the feed sends; store reads wait for `release()`. */
function harness() {
  let open!: () => void;
  let gate = new Promise<void>((resolve) => (open = resolve));
  const sent: number[] = [];
  const state = { held: 0, caughtUp: false, failure: undefined as unknown, reads: 0, answered: 0, regressions: 0 };
  const reads = new SharedReads(
    {
      listEvents: async (runId, after, limit) => {
        state.reads += 1;
        const page = await store.listEvents(runId, after, limit);
        state.answered += 1;
        await gate;
        return page;
      },
    },
    10,
  );
  const host: FeedHost = {
    mark: () => reads.mark(),
    page: (run, after, since) => reads.page(run, after, since),
    send: (_text, seq) => void sent.push(seq),
    hold: (bytes) => ((state.held += bytes), true),
    release: (bytes) => void (state.held -= bytes),
    behind: () => false,
    room: async () => undefined,
    caughtUp: () => void (state.caughtUp = true),
    regressed: () => void (state.regressions += 1),
    failed: (_feed, error) => void (state.failure = error),
  };
  return {
    host,
    sent,
    state,
    release: () => open(),
    /** Hold reads again (after a release). */
    block: () => {
      gate = new Promise<void>((resolve) => (open = resolve));
    },
  };
}

const offer = (feed: RunFeed, runId: string, seq: number, type = TYPE) => feed.offer(seq, type, new Frame(JSON.stringify(record(runId, seq, type))));
const settle = async (until: () => boolean) => {
  for (let i = 0; i < 200 && !until(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
};
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('RunFeed', () => {
  it('sends each event once in seq order when live events race the replay (overlapping, ahead, out of order)', async () => {
    const runId = await runWithEvents(7);
    const h = harness();
    const feed = new RunFeed(h.host, { id: runId, namespace: 'fan', name: 'feed' }, 2);
    feed.start();
    await settle(() => h.state.answered === 1); // the read has its answer: 3..7
    // Then events 8 and 9 commit and are published out of order, 6 and 7 are published again.
    await append(runId, 8, 9);
    for (const seq of [6, 9, 7, 8]) offer(feed, runId, seq);
    expect(h.sent).toEqual([]);
    h.release();
    await settle(() => h.state.caughtUp);
    expect(h.sent).toEqual(range(3, 9));
    expect(h.state.held).toBe(0);
    expect(feed.live).toBe(true);
    offer(feed, runId, 9); // a duplicate publish
    offer(feed, runId, 10);
    expect(h.sent).toEqual(range(3, 10));
  });

  it('goes back to the store for a gap in live events, holding what arrives meanwhile', async () => {
    const runId = await runWithEvents(2);
    const h = harness();
    const feed = new RunFeed(h.host, { id: runId, namespace: 'fan', name: 'feed' }, 0);
    feed.start();
    h.release();
    await settle(() => h.state.caughtUp);
    expect(h.sent).toEqual([1, 2]);
    h.block();
    await append(runId, 3, 6);
    offer(feed, runId, 5); // 3 and 4 were never published live
    expect(feed.live).toBe(false);
    expect(h.state.regressions).toBe(1);
    offer(feed, runId, 6);
    expect(h.sent).toEqual([1, 2]);
    h.release();
    await settle(() => feed.live);
    expect(h.sent).toEqual(range(1, 6));
  });

  it('resyncs a quiet unfinished run from the store, and leaves a finished one alone', async () => {
    const runId = await runWithEvents(1);
    let now = 1_000;
    const h = harness();
    h.release();
    const feed = new RunFeed(h.host, { id: runId, namespace: 'fan', name: 'feed' }, 0, () => now);
    feed.start();
    await settle(() => h.state.caughtUp);
    await append(runId, 2, 3, 'io.serverlessworkflow.workflow.completed.v1'); // published, but lost
    now += 10_000;
    feed.resyncIfQuiet(30_000);
    expect(feed.live).toBe(true); // not quiet long enough
    now += 30_000;
    feed.resyncIfQuiet(30_000);
    await settle(() => h.sent.length === 3 && feed.live);
    expect(h.sent).toEqual([1, 2, 3]);
    expect(feed.finished).toBe(true);
    const reads = h.state.reads;
    now += 60_000;
    feed.resyncIfQuiet(30_000);
    expect(h.state.reads).toBe(reads);
  });

  it('sends nothing after stop, even when a held read completes', async () => {
    const runId = await runWithEvents(3);
    const h = harness();
    const feed = new RunFeed(h.host, { id: runId, namespace: 'fan', name: 'feed' }, 0);
    feed.start();
    offer(feed, runId, 4);
    feed.stop();
    expect(h.state.held).toBe(0);
    h.release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.sent).toEqual([]);
    expect(h.state.caughtUp).toBe(false);
  });
});

describe('SharedReads', () => {
  const run = (id: string) => ({ id, namespace: 'fan', name: 'feed' });

  function counting() {
    const calls: number[] = [];
    const reads = new SharedReads(
      {
        listEvents: async (runId, after, limit) => {
          calls.push(after);
          return store.listEvents(runId, after, limit);
        },
      },
      10,
      60_000, // a finished read stays shareable for the whole test
    );
    return { reads, calls };
  }

  it('serves the feeds of one run that fall back to the store together with one read and the same frames', async () => {
    const runId = await runWithEvents(4);
    const { reads, calls } = counting();
    const since = reads.mark(); // ten feeds indexed, then all of them read from seq 0
    const pages = await Promise.all(Array.from({ length: 10 }, () => reads.page(run(runId), 0, since)));
    expect(calls).toEqual([0]);
    expect(pages[0]!.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    for (const page of pages) expect(page.events[0]!.frame).toBe(pages[0]!.events[0]!.frame);
    expect(JSON.parse(pages[0]!.events[0]!.frame.text)).toMatchObject({ specversion: '1.0', runid: runId, seq: 1, source: expect.stringContaining('fan') });
  });

  it('never serves a feed with a read that started before the feed was indexed', async () => {
    const runId = await runWithEvents(2);
    const { reads, calls } = counting();
    const early = reads.mark();
    const first = reads.page(run(runId), 0, early);
    // Nine feeds indexed while the first read is in flight, one after the other; an event
    // committed after the first read began (so maybe not in it) is in what they get.
    const later = await Promise.all(
      Array.from({ length: 9 }, async (_, i) => {
        const since = reads.mark();
        if (i === 0) await append(runId, 3, 3);
        return reads.page(run(runId), 0, since);
      }),
    );
    expect(calls).toEqual([0, 0]); // one follow-up read for all nine
    for (const page of later) expect(page.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect((await first).events.map((e) => e.seq)).toEqual([1, 2]);
  });

  it('a feed that finds an announced event missing from a shared page reads again, not the same page', async () => {
    const runId = await runWithEvents(2);
    const { reads, calls } = counting();
    const sent: number[] = [];
    let caughtUp = false;
    const host: FeedHost = {
      mark: () => reads.mark(),
      page: (r, after, since) => reads.page(r, after, since),
      send: (_frame, seq) => void sent.push(seq),
      hold: () => true,
      release: () => undefined,
      behind: () => false,
      room: async () => undefined,
      caughtUp: () => void (caughtUp = true),
      regressed: () => undefined,
      failed: (_feed, error) => {
        throw error;
      },
    };
    const feed = new RunFeed(host, run(runId), 0);
    feed.start();
    offer(feed, runId, 4); // announced live before it (and 3) are readable
    await settle(() => calls.length >= 2);
    await append(runId, 3, 4);
    await settle(() => caughtUp);
    expect(sent).toEqual([1, 2, 3, 4]);
  });
});
