// The inbox loops' gate (inbox.ts InboxGate): one loop reads and applies at a time, another joins
// only beside a batch that has run SECOND_BATCH_AFTER_MS, and a stopping runner's loops are let go.
import { describe, expect, it } from 'vitest';
import { InboxGate, SECOND_BATCH_AFTER_MS } from './inbox.ts';

/** Lets pending promise callbacks and one turn of the event loop run, and tells whether `p` has resolved. */
async function resolved(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise<void>((resolve) => setImmediate(resolve));
  return done;
}

describe('InboxGate', () => {
  it('lets a loop in at once when no other holds the inbox', async () => {
    const gate = new InboxGate();
    const signal = new AbortController().signal;
    const first = await gate.enter(signal);
    expect(first).toBeDefined();
    first!.leave();
    expect(await gate.enter(signal)).toBeDefined();
  });

  it('keeps a second loop out while the first reads, and lets it in when the first leaves', async () => {
    const gate = new InboxGate();
    const signal = new AbortController().signal;
    const first = (await gate.enter(signal))!;
    const second = gate.enter(signal);
    await new Promise((resolve) => setTimeout(resolve, SECOND_BATCH_AFTER_MS * 4));
    // Reading (no batch yet) holds the inbox however long it takes: the queue wakes it at its first message.
    expect(await resolved(second)).toBe(false);
    first.leave();
    expect(await resolved(second)).toBe(true);
    expect(await second).toBeDefined();
  });

  it('lets a second loop in beside a batch once that batch has run SECOND_BATCH_AFTER_MS, not before', async () => {
    const gate = new InboxGate();
    const signal = new AbortController().signal;
    const first = (await gate.enter(signal))!;
    first.batch();
    const began = performance.now();
    const turn = await gate.enter(signal);
    expect(turn).toBeDefined();
    expect(performance.now() - began).toBeGreaterThanOrEqual(SECOND_BATCH_AFTER_MS - 1);
    // While the second reads, a third waits even though the first batch is old: one reader at a time.
    const third = gate.enter(signal);
    await new Promise((resolve) => setTimeout(resolve, SECOND_BATCH_AFTER_MS * 2));
    expect(await resolved(third)).toBe(false);
    turn!.batch();
    first.leave();
    await third;
  });

  it('a batch that ends early lets the next loop in at once', async () => {
    const gate = new InboxGate();
    const signal = new AbortController().signal;
    const first = (await gate.enter(signal))!;
    first.batch();
    const second = gate.enter(signal);
    first.leave();
    first.leave(); // twice is once
    expect(await resolved(second)).toBe(true);
  });

  it('lets waiting loops go, without a turn, when the runner stops', async () => {
    const gate = new InboxGate();
    const stop = new AbortController();
    const first = (await gate.enter(stop.signal))!;
    const second = gate.enter(stop.signal);
    stop.abort();
    expect(await second).toBeUndefined();
    first.leave();
    expect(await gate.enter(stop.signal)).toBeUndefined();
  });
});
