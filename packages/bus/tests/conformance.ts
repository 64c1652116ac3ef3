import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BusMessage, ConsumeOptions } from '@baton/core';
import { BusPool, compareIds, range, sleep, uniqueName, type BusUnderTest } from './support.ts';
import { lifecycleConformance } from './conformance-lifecycle.ts';
import { topicConformance } from './conformance-topics.ts';
import { inspectConformance } from './conformance-inspect.ts';

export type { BusUnderTest } from './support.ts';

/** Long enough that no lease expires unless a test wants it to. */
const LONG_LEASE = 60_000;
const take = (max: number, more: Partial<ConsumeOptions> = {}): ConsumeOptions => ({ max, blockMs: 0, visibilityMs: LONG_LEASE, ...more });
const bodies = (messages: BusMessage[]): unknown[] => messages.map((message) => message.body);

/** The one conformance suite of the Bus port: every adapter runs it unchanged. */
export function busConformance(target: BusUnderTest): void {
  describe(`Bus conformance: ${target.name}`, () => {
    const pool = new BusPool(target);
    beforeAll(async () => {
      await target.check?.();
    });
    afterEach(() => pool.closeAll());
    afterAll(async () => {
      await target.cleanup?.();
    });

    queueConformance(pool);
    topicConformance(pool);
    inspectConformance(pool);
    lifecycleConformance(pool, target);
  });
}

function queueConformance(pool: BusPool): void {
  describe('queues', () => {
    it('delivers in FIFO order, across enqueue calls, with deliveries = 1', async () => {
      const bus = pool.create();
      const queue = uniqueName('fifo');
      for (const n of range(5)) await bus.enqueue(queue, [{ n }]);
      await bus.enqueue(queue, range(5, 5).map((n) => ({ n })));
      const messages = await bus.consume(queue, 'c1', take(100));
      expect(bodies(messages)).toEqual(range(10).map((n) => ({ n })));
      expect(messages.every((message) => message.deliveries === 1)).toBe(true);
      expect(new Set(messages.map((message) => message.id)).size).toBe(10);
    });

    it('enqueues a batch at once and hands it out in pieces of at most `max`', async () => {
      const bus = pool.create();
      const queue = uniqueName('batch');
      await bus.enqueue(queue, range(250));
      expect(await bus.depth(queue)).toEqual({ waiting: 250, inFlight: 0 });
      const sizes: number[] = [];
      const seen: unknown[] = [];
      for (;;) {
        const messages = await bus.consume(queue, 'c1', take(100));
        if (messages.length === 0) break;
        sizes.push(messages.length);
        seen.push(...bodies(messages));
      }
      expect(sizes).toEqual([100, 100, 50]);
      expect(seen).toEqual(range(250));
    });

    it('consume with max < 1 takes nothing and does not wait', async () => {
      const bus = pool.create();
      const queue = uniqueName('no-room');
      await bus.enqueue(queue, ['kept']);
      expect(await bus.consume(queue, 'c1', take(0, { blockMs: 10_000 }))).toEqual([]);
      expect(await bus.depth(queue)).toEqual({ waiting: 1, inFlight: 0 });
    });

    it('accepts fractional milliseconds and sizes (rounded, as timers do)', async () => {
      const bus = pool.create();
      const queue = uniqueName('fractions');
      await bus.enqueue(queue, ['a', 'b']);
      expect(await bus.consume(queue, 'c1', { max: 1.5, blockMs: 2.5, visibilityMs: 1_000.5 })).toHaveLength(1);
      expect(await bus.consume(queue, 'c1', { max: 2, blockMs: 0.5, visibilityMs: 1_000.5 })).toHaveLength(1);
      expect(await bus.consume(queue, 'c1', { max: 2, blockMs: 0.5, visibilityMs: 1_000.5 })).toEqual([]);
    });

    it('takes a message already there even when its sub-millisecond wait runs out before the read', async () => {
      const bus = pool.create();
      const queue = uniqueName('late-tick');
      await bus.enqueue(queue, ['a', 'b']);
      expect(bodies(await bus.consume(queue, 'c1', take(1, { blockMs: 0.5 })))).toEqual(['a']);
      // The clock ticks a millisecond at every look, as a loaded machine may between two statements.
      let clock = Date.now();
      const now = vi.spyOn(Date, 'now').mockImplementation(() => (clock += 1));
      try {
        expect(bodies(await bus.consume(queue, 'c1', take(2, { blockMs: 0.5 })))).toEqual(['b']);
      } finally {
        now.mockRestore();
      }
    });

    it('an empty batch is a no-op', async () => {
      const bus = pool.create();
      const queue = uniqueName('empty');
      await bus.enqueue(queue, []);
      expect(await bus.depth(queue)).toEqual({ waiting: 0, inFlight: 0 });
    });

    it('competing consumers share the work; no message is held by two consumers at once', async () => {
      const bus = pool.create();
      const queue = uniqueName('compete');
      const total = 200;
      await bus.enqueue(queue, range(total));
      const holder = new Map<string, string>();
      const processed: number[] = [];
      const perConsumer = new Map<string, number>();
      const work = async (consumer: string): Promise<void> => {
        for (;;) {
          const messages = await bus.consume<number>(queue, consumer, take(7, { blockMs: 50 }));
          if (messages.length === 0) return;
          for (const message of messages) {
            expect(holder.get(message.id), `message ${message.id} already held`).toBeUndefined();
            holder.set(message.id, consumer);
          }
          await sleep(1);
          for (const message of messages) holder.delete(message.id);
          processed.push(...bodies(messages) as number[]);
          perConsumer.set(consumer, (perConsumer.get(consumer) ?? 0) + messages.length);
          await bus.ack(queue, messages.map((message) => message.id));
        }
      };
      await Promise.all(['a', 'b', 'c', 'd'].map(work));
      expect(processed.sort((x, y) => x - y)).toEqual(range(total));
      expect([...perConsumer.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
      expect(await bus.depth(queue)).toEqual({ waiting: 0, inFlight: 0 });
    });

    it('ack removes messages for good', async () => {
      const bus = pool.create();
      const queue = uniqueName('ack');
      await bus.enqueue(queue, ['a', 'b', 'c']);
      const messages = await bus.consume(queue, 'c1', take(3, { visibilityMs: 100 }));
      await bus.ack(queue, [messages[0]!.id, messages[2]!.id]);
      expect(await bus.depth(queue)).toEqual({ waiting: 0, inFlight: 1 });
      await sleep(200);
      const again = await bus.consume(queue, 'c2', take(10, { visibilityMs: 100 }));
      expect(bodies(again)).toEqual(['b']);
      await bus.ack(queue, [again[0]!.id]);
      await sleep(200);
      expect(await bus.consume(queue, 'c3', take(10, { visibilityMs: 100 }))).toEqual([]);
      expect(await bus.depth(queue)).toEqual({ waiting: 0, inFlight: 0 });
    });

    it('enqueueAndAck enqueues the bodies and acks the ids; a body that cannot be encoded acks nothing', async () => {
      const bus = pool.create();
      const tasks = uniqueName('tasks');
      const results = uniqueName('results');
      await bus.enqueue(tasks, ['t1', 't2']);
      const taken = await bus.consume(tasks, 'w', take(2, { visibilityMs: 100 }));
      await expect(bus.enqueueAndAck(results, [{ r: 1 }, 2n], tasks, [taken[0]!.id])).rejects.toThrow();
      expect(await bus.depth(results)).toEqual({ waiting: 0, inFlight: 0 });
      expect(await bus.depth(tasks)).toEqual({ waiting: 0, inFlight: 2 });
      await bus.enqueueAndAck(results, [{ r: 1 }, { r: 2 }], tasks, taken.map((m) => m.id));
      expect(bodies(await bus.consume(results, 'r', take(10)))).toEqual([{ r: 1 }, { r: 2 }]);
      await sleep(200);
      expect(await bus.consume(tasks, 'w2', take(10, { visibilityMs: 100 }))).toEqual([]);
      expect(await bus.depth(tasks)).toEqual({ waiting: 0, inFlight: 0 });
    });

    it("reclaims a dead consumer's messages after visibilityMs, with deliveries = 2", async () => {
      const bus = pool.create();
      const queue = uniqueName('reclaim');
      const visibilityMs = 150;
      await bus.enqueue(queue, ['x', 'y', 'z']);
      const consumedAt = Date.now();
      const dead = await bus.consume(queue, 'dies', take(10, { visibilityMs }));
      expect(dead).toHaveLength(3);
      expect(await bus.consume(queue, 'survivor', take(10, { visibilityMs }))).toEqual([]);

      let reclaimed: BusMessage[] = [];
      while (reclaimed.length === 0) reclaimed = await bus.consume(queue, 'survivor', take(10, { visibilityMs, blockMs: 20 }));
      expect(Date.now() - consumedAt).toBeGreaterThanOrEqual(visibilityMs - 5); // timers may round down by a ms
      expect(reclaimed.map((message) => message.id)).toEqual(dead.map((message) => message.id));
      expect(bodies(reclaimed)).toEqual(['x', 'y', 'z']);
      expect(reclaimed.map((message) => message.deliveries)).toEqual([2, 2, 2]);
      expect(bus.stats().reclaimed[queue]).toBe(3);
      await bus.ack(queue, reclaimed.map((message) => message.id));
      expect(await bus.depth(queue)).toEqual({ waiting: 0, inFlight: 0 });
    });

    it('hands out reclaimed messages before new ones', async () => {
      const bus = pool.create();
      const queue = uniqueName('reclaim-first');
      await bus.enqueue(queue, ['old']);
      await bus.consume(queue, 'dies', take(1, { visibilityMs: 50 }));
      await bus.enqueue(queue, ['new']);
      await sleep(120);
      const messages = await bus.consume(queue, 'survivor', take(2, { visibilityMs: 50 }));
      expect(messages.map((message) => [message.body, message.deliveries])).toEqual([['old', 2], ['new', 1]]);
    });

    it('extend keeps a lease alive; once lost, extend no longer returns the id', async () => {
      const bus = pool.create();
      const queue = uniqueName('extend');
      const visibilityMs = 200;
      await bus.enqueue(queue, ['job']);
      const [held] = await bus.consume(queue, 'slow', take(1, { visibilityMs }));
      for (let i = 0; i < 4; i += 1) {
        await sleep(visibilityMs / 2);
        expect(await bus.extend(queue, 'slow', [held!.id])).toEqual([held!.id]);
        expect(await bus.consume(queue, 'thief', take(1, { visibilityMs }))).toEqual([]);
      }
      expect(await bus.extend(queue, 'thief', [held!.id])).toEqual([]); // not the thief's to extend
      await sleep(visibilityMs + 100);
      const [stolen] = await bus.consume(queue, 'thief', take(1, { visibilityMs }));
      expect(stolen?.id).toBe(held!.id);
      expect(stolen?.deliveries).toBe(2);
      expect(await bus.extend(queue, 'slow', [held!.id])).toEqual([]);
      expect(await bus.extend(queue, 'thief', [held!.id])).toEqual([held!.id]);
      await bus.ack(queue, [held!.id]);
      expect(await bus.extend(queue, 'thief', [held!.id])).toEqual([]);
    });

    it('a lease that ran out but was not reclaimed yet can still be extended by its holder', async () => {
      const bus = pool.create();
      const queue = uniqueName('late-extend');
      await bus.enqueue(queue, ['job']);
      const [held] = await bus.consume(queue, 'slow', take(1, { visibilityMs: 50 }));
      await sleep(120);
      expect(await bus.extend(queue, 'slow', [held!.id])).toEqual([held!.id]);
      expect(await bus.consume(queue, 'other', take(1, { visibilityMs: 1_000 }))).toEqual([]);
    });

    it('a blocked consume wakes as soon as a message is enqueued', async () => {
      const bus = pool.create();
      const queue = uniqueName('wake');
      await bus.depth(queue); // the queue exists before the consumer blocks
      const started = Date.now();
      const pending = bus.consume(queue, 'c1', take(10, { blockMs: 10_000 }));
      await sleep(50);
      await bus.enqueue(queue, ['ping']);
      const messages = await pending;
      expect(bodies(messages)).toEqual(['ping']);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('a blocked consume returns [] when aborted, and loses nothing enqueued afterwards', async () => {
      const bus = pool.create();
      const queue = uniqueName('abort');
      const controller = new AbortController();
      const started = Date.now();
      const pending = bus.consume(queue, 'c1', take(10, { blockMs: 10_000, signal: controller.signal }));
      await sleep(50);
      controller.abort();
      expect(await pending).toEqual([]);
      expect(Date.now() - started).toBeLessThan(5_000);
      await bus.enqueue(queue, ['after-abort']);
      expect(bodies(await bus.consume(queue, 'c1', take(10, { blockMs: 1_000 })))).toEqual(['after-abort']);
      const aborted = await bus.consume(queue, 'c1', take(10, { blockMs: 10_000, signal: controller.signal }));
      expect(aborted).toEqual([]); // an already aborted signal does not block
    });

    it('a blocked consume gives up after blockMs', async () => {
      const bus = pool.create();
      const queue = uniqueName('timeout');
      const started = Date.now();
      expect(await bus.consume(queue, 'c1', take(10, { blockMs: 100 }))).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    });

    it('depth counts waiting and in-flight messages', async () => {
      const bus = pool.create();
      const queue = uniqueName('depth');
      expect(await bus.depth(queue)).toEqual({ waiting: 0, inFlight: 0 });
      await bus.enqueue(queue, range(5));
      const messages = await bus.consume(queue, 'c1', take(2));
      expect(await bus.depth(queue)).toEqual({ waiting: 3, inFlight: 2 });
      await bus.ack(queue, [messages[0]!.id]);
      expect(await bus.depth(queue)).toEqual({ waiting: 3, inFlight: 1 });
    });

    it('each delivery is its own copy: mutating a body changes no later delivery', async () => {
      const bus = pool.create();
      const queue = uniqueName('copy');
      const original = { nested: { list: [1, 2] }, when: new Date(0) };
      await bus.enqueue(queue, [original]);
      original.nested.list.push(3); // the caller's object is not the message either
      const [first] = await bus.consume<{ nested: { list: number[] }; when: unknown }>(queue, 'c1', take(1, { visibilityMs: 50 }));
      expect(first!.body).toEqual({ nested: { list: [1, 2] }, when: '1970-01-01T00:00:00.000Z' }); // JSON, as on the wire
      first!.body.nested.list.push(99);
      await sleep(120);
      const [second] = await bus.consume<{ nested: { list: number[] } }>(queue, 'c2', take(1, { visibilityMs: 50 }));
      expect(second!.body.nested.list).toEqual([1, 2]);
    });

    it('ids are unique and increase in enqueue order', async () => {
      const bus = pool.create();
      const queue = uniqueName('ids');
      await bus.enqueue(queue, range(50));
      const ids = (await bus.consume(queue, 'c1', take(50))).map((message) => message.id);
      expect([...ids].sort(compareIds)).toEqual(ids);
      expect(new Set(ids).size).toBe(50);
    });
  });
}
