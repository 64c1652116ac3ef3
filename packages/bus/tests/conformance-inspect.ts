// Bus.inspect: both adapters report a queue's depth, ages and consumers in the same shape.
// Bus.held: both list what a queue holds, waiting or in flight, page by page.
import { describe, expect, it } from 'vitest';
import type { ConsumeOptions } from '@baton/core';
import { compareIds, range, sleep, uniqueName, type BusPool } from './support.ts';

const take = (max: number, more: Partial<ConsumeOptions> = {}): ConsumeOptions => ({ max, blockMs: 0, visibilityMs: 60_000, ...more });

export function inspectConformance(pool: BusPool): void {
  describe('inspect', () => {
    it('an empty queue: no messages, no ages, no consumers', async () => {
      const bus = pool.create();
      const queue = uniqueName('inspect-empty');
      expect(await bus.inspect(queue)).toEqual({ queue, waiting: 0, inFlight: 0, consumers: [] });
    });

    it('counts waiting and held messages, ages them, and lists each consumer with what it holds', async () => {
      const bus = pool.create();
      const queue = uniqueName('inspect');
      await bus.enqueue(queue, [{ n: 1 }, { n: 2 }]);
      await sleep(60);
      await bus.enqueue(queue, [{ n: 3 }]);
      const [held] = await bus.consume(queue, 'worker-a', take(1));
      expect(await bus.consume(queue, 'worker-b', take(0))).toEqual([]); // max 0: not a read
      await bus.consume(queue, 'idle-c', take(1, { blockMs: 1 })); // takes n: 2

      const report = await bus.inspect(queue);
      expect(report).toMatchObject({ queue, waiting: 1, inFlight: 2 });
      expect(report.oldestAgeMs).toBeGreaterThanOrEqual(50);
      expect(report.oldestWaitingAgeMs).toBeLessThan(report.oldestAgeMs!);
      expect(report.consumers.map((c) => c.name)).toEqual(['idle-c', 'worker-a']);
      const a = report.consumers.find((c) => c.name === 'worker-a')!;
      expect(a.pending).toBe(1);
      expect(a.idleMs).toBeLessThan(5_000);
      expect(a.held).toEqual([{ id: held!.id, body: { n: 1 }, deliveries: 1, ageMs: expect.any(Number), idleMs: expect.any(Number) }]);
      expect(a.held[0]!.ageMs).toBeGreaterThanOrEqual(50);
    });

    it("a consumer's idle time grows while it does nothing, and resets when it reads", async () => {
      const bus = pool.create();
      const queue = uniqueName('inspect-idle');
      await bus.consume(queue, 'sleeper', take(1));
      await sleep(150);
      const idle = (await bus.inspect(queue)).consumers[0]!;
      expect(idle).toMatchObject({ name: 'sleeper', pending: 0, held: [] });
      expect(idle.idleMs).toBeGreaterThanOrEqual(120);
      await bus.consume(queue, 'sleeper', take(1));
      expect((await bus.inspect(queue)).consumers[0]!.idleMs).toBeLessThan(100);
    });

    it('an acked message leaves its consumer; an expired lease stays its holder\'s until reclaimed', async () => {
      const bus = pool.create();
      const queue = uniqueName('inspect-leases');
      await bus.enqueue(queue, ['done', 'lost']);
      const [done, lost] = await bus.consume(queue, 'dies', take(2, { visibilityMs: 50 }));
      await bus.ack(queue, [done!.id]);
      await sleep(100);
      let report = await bus.inspect(queue);
      expect(report).toMatchObject({ waiting: 0, inFlight: 1 });
      expect(report.consumers).toEqual([{ name: 'dies', pending: 1, idleMs: expect.any(Number), held: [expect.objectContaining({ id: lost!.id, body: 'lost', deliveries: 1 })] }]);
      expect(report.consumers[0]!.held[0]!.idleMs).toBeGreaterThanOrEqual(80);

      const [reclaimed] = await bus.consume(queue, 'survivor', take(1, { visibilityMs: 50 }));
      expect(reclaimed?.id).toBe(lost!.id);
      report = await bus.inspect(queue);
      expect(report.consumers.map((c) => [c.name, c.pending])).toEqual([['dies', 0], ['survivor', 1]]);
      expect(report.consumers[1]!.held[0]).toMatchObject({ id: lost!.id, deliveries: 2 });
    });

    it('lists at most heldLimit held messages per consumer, oldest first, and counts them all', async () => {
      const bus = pool.create();
      const queue = uniqueName('inspect-limit');
      await bus.enqueue(queue, [1, 2, 3, 4, 5]);
      await bus.consume(queue, 'busy', take(5));
      const [busy] = (await bus.inspect(queue, { heldLimit: 2 })).consumers;
      expect(busy?.pending).toBe(5);
      expect(busy?.held.map((m) => m.body)).toEqual([1, 2]);
      expect((await bus.inspect(queue, { heldLimit: 0 })).consumers[0]?.held).toEqual([]);
    });
  });

  describe('held', () => {
    it('an empty or unknown queue holds nothing', async () => {
      const bus = pool.create();
      expect(await bus.held(uniqueName('held-none'), undefined, 10)).toEqual([]);
    });

    it('lists waiting, leased and expired messages in queue order, a page at a time; acked ones are gone', async () => {
      const bus = pool.create();
      const queue = uniqueName('held');
      await bus.enqueue(queue, [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
      const [one, two] = await bus.consume(queue, 'holder', take(2));
      await bus.consume(queue, 'expires', take(1, { visibilityMs: 30 })); // n: 3, its lease runs out
      await bus.ack(queue, [two!.id]);
      await sleep(60);

      const all = await bus.held(queue, undefined, 100);
      expect(all.map((m) => m.body)).toEqual([{ n: 1 }, { n: 3 }, { n: 4 }, { n: 5 }]);
      expect(all[0]!.id).toBe(one!.id);
      const ids = all.map((m) => m.id);
      expect([...ids].sort(compareIds)).toEqual(ids);

      const first = await bus.held(queue, undefined, 2);
      expect(first.map((m) => m.body)).toEqual([{ n: 1 }, { n: 3 }]);
      const second = await bus.held(queue, first.at(-1)!.id, 2);
      expect(second.map((m) => m.body)).toEqual([{ n: 4 }, { n: 5 }]);
      expect(await bus.held(queue, second.at(-1)!.id, 2)).toEqual([]);
      expect(await bus.held(queue, undefined, 0)).toEqual([]);
    });

    it('a message enqueued or acked between pages: the pages still hold every message that stayed', async () => {
      const bus = pool.create();
      const queue = uniqueName('held-moving');
      await bus.enqueue(queue, range(6));
      const first = await bus.held(queue, undefined, 3);
      const [taken] = await bus.consume(queue, 'worker', take(1)); // 0, on the first page
      await bus.ack(queue, [taken!.id]);
      const fourth = (await bus.held(queue, first.at(-1)!.id, 1))[0]!;
      await bus.ack(queue, [fourth.id]); // 3, already listed
      await bus.enqueue(queue, [6]);
      const rest = await bus.held(queue, fourth.id, 100);
      expect([...first, fourth, ...rest].map((m) => m.body)).toEqual(range(7));
    });
  });
}
