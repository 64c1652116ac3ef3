import { describe, expect, it } from 'vitest';
import { Topics, TOPIC_MAX_LENS, type TopicEntry } from '@baton/core';
import { BadTopicPositionError } from '../src/index.ts';
import { compareIds, range, sleep, uniqueName, waitFor, type BusPool } from './support.ts';

/** Collects what a subscriber receives, and checks the handler is never called concurrently. */
class Recorder<T = unknown> {
  readonly entries: TopicEntry<T>[] = [];
  private busy = false;
  overlapped = false;

  readonly handler = async (entries: TopicEntry<T>[]): Promise<void> => {
    if (this.busy) this.overlapped = true;
    this.busy = true;
    await sleep(0);
    this.entries.push(...entries);
    this.busy = false;
  };

  get bodies(): T[] {
    return this.entries.map((entry) => entry.body);
  }
}

export function topicConformance(pool: BusPool): void {
  describe('topics', () => {
    it('delivers published entries in order, ids increasing, one handler call at a time', async () => {
      const bus = pool.create();
      const topic = uniqueName('order');
      const recorder = new Recorder<number>();
      const unsubscribe = await bus.subscribe(topic, recorder.handler);
      for (let from = 0; from < 300; from += 30) await bus.publish(topic, range(30, from));
      await waitFor('300 entries', () => recorder.entries.length === 300);
      expect(recorder.bodies).toEqual(range(300));
      const ids = recorder.entries.map((entry) => entry.id);
      expect([...ids].sort(compareIds)).toEqual(ids);
      expect(new Set(ids).size).toBe(300);
      expect(recorder.overlapped).toBe(false);
      await unsubscribe();
    });

    it('without `after` (or "$") only entries published after subscribe() are delivered', async () => {
      const bus = pool.create();
      const topic = uniqueName('new-only');
      await bus.publish(topic, ['old']);
      const implicit = new Recorder();
      const explicit = new Recorder();
      await bus.subscribe(topic, implicit.handler);
      await bus.subscribe(topic, explicit.handler, '$');
      await bus.publish(topic, ['new']);
      await waitFor('the new entry', () => implicit.entries.length > 0 && explicit.entries.length > 0);
      expect(implicit.bodies).toEqual(['new']);
      expect(explicit.bodies).toEqual(['new']);
    });

    it('subscribe with `after` replays from that point, then continues live', async () => {
      const bus = pool.create();
      const topic = uniqueName('replay');
      await bus.publish(topic, ['a', 'b', 'c']);
      const everything = new Recorder<string>();
      await bus.subscribe(topic, everything.handler, '0');
      await waitFor('a, b, c', () => everything.entries.length === 3);
      expect(everything.bodies).toEqual(['a', 'b', 'c']);

      const fromB = new Recorder<string>();
      await bus.subscribe(topic, fromB.handler, everything.entries[1]!.id);
      await bus.publish(topic, ['d']);
      await waitFor('c, d', () => fromB.entries.length === 2);
      expect(fromB.bodies).toEqual(['c', 'd']);
      expect(fromB.entries[0]!.id).toBe(everything.entries[2]!.id);
    });

    it('two subscribers both see everything', async () => {
      const bus = pool.create();
      const topic = uniqueName('fan');
      const first = new Recorder<number>();
      const second = new Recorder<number>();
      await bus.subscribe(topic, first.handler);
      await bus.subscribe(topic, second.handler);
      await bus.publish(topic, range(120));
      await waitFor('both subscribers', () => first.entries.length === 120 && second.entries.length === 120);
      expect(first.bodies).toEqual(range(120));
      expect(second.entries).toEqual(first.entries);
    });

    it('subscribers on another bus instance see the entries too', async () => {
      const publisher = pool.create();
      const topic = uniqueName('cross');
      const recorder = new Recorder<string>();
      // Same bus for the in-process adapter (one process), another connection set for Redis.
      await publisher.subscribe(topic, recorder.handler);
      await publisher.publish(topic, ['x']);
      await waitFor('x', () => recorder.entries.length === 1);
    });

    it('unsubscribe stops delivery', async () => {
      const bus = pool.create();
      const topic = uniqueName('unsub');
      const stopped = new Recorder();
      const witness = new Recorder();
      const unsubscribe = await bus.subscribe(topic, stopped.handler);
      await bus.subscribe(topic, witness.handler);
      await bus.publish(topic, ['before']);
      await waitFor('before', () => stopped.entries.length === 1 && witness.entries.length === 1);
      await unsubscribe();
      await unsubscribe(); // twice is harmless
      await bus.publish(topic, ['after']);
      await waitFor('the witness to get "after"', () => witness.entries.length === 2);
      await sleep(50);
      expect(stopped.bodies).toEqual(['before']);
    });

    it('a handler may unsubscribe itself', async () => {
      const bus = pool.create();
      const topic = uniqueName('self-unsub');
      const seen: unknown[] = [];
      const unsubscribe: () => Promise<void> = await bus.subscribe(topic, async (entries) => {
        seen.push(...entries.map((entry) => entry.body));
        await unsubscribe();
      });
      await bus.publish(topic, ['one']);
      await waitFor('one', () => seen.length === 1);
      await bus.publish(topic, ['two']);
      await sleep(50);
      expect(seen).toEqual(['one']);
    });

    it('a failing handler is reported and the subscription goes on', async () => {
      const errors: string[] = [];
      const bus = pool.create({ onError: (error) => errors.push(String(error)) });
      const topic = uniqueName('failing');
      const seen: unknown[] = [];
      await bus.subscribe(topic, (entries) => {
        seen.push(...entries.map((entry) => entry.body));
        if (seen.length === 1) throw new Error('handler broke');
      });
      await bus.publish(topic, ['first']);
      await waitFor('first', () => seen.length === 1);
      await bus.publish(topic, ['second']);
      await waitFor('second', () => seen.length === 2);
      expect(errors.some((error) => error.includes('handler broke'))).toBe(true);
    });

    it('the replay buffer is capped to roughly topicMaxLen entries, newest kept', async () => {
      const bus = pool.create({ topicMaxLen: 10 });
      const topic = uniqueName('capped');
      for (let from = 0; from < 1000; from += 100) await bus.publish(topic, range(100, from));
      const recorder = new Recorder<number>();
      await bus.subscribe(topic, recorder.handler, '0');
      await waitFor('the newest entry', () => recorder.bodies.at(-1) === 999);
      const kept = recorder.bodies;
      expect(kept.length).toBeGreaterThanOrEqual(10);
      expect(kept.length).toBeLessThan(500); // Redis trims whole stream nodes (MAXLEN ~)
      expect(kept).toEqual(range(kept.length, 1000 - kept.length));
    });

    it('a topic that keeps fewer entries (TOPIC_MAX_LENS) is capped to roughly its own length, the others to topicMaxLen', async () => {
      const bus = pool.create({ topicMaxLen: 10_000 });
      const other = uniqueName('long');
      for (let from = 0; from < 3000; from += 500) await bus.publish(Topics.started, range(500, from)).then(() => bus.publish(other, range(500, from)));
      const hints = new Recorder<number>();
      const all = new Recorder<number>();
      await bus.subscribe(Topics.started, hints.handler, '0');
      await bus.subscribe(other, all.handler, '0');
      await waitFor('the newest entries', () => hints.bodies.at(-1) === 2999 && all.bodies.at(-1) === 2999);
      const kept = hints.bodies;
      expect(TOPIC_MAX_LENS[Topics.started]).toBe(1000);
      expect(kept.length).toBeGreaterThanOrEqual(1000);
      expect(kept.length).toBeLessThan(1500); // Redis trims whole stream nodes (MAXLEN ~)
      expect(kept).toEqual(range(kept.length, 3000 - kept.length));
      expect(all.bodies).toEqual(range(3000, 0));
    });

    it('rejects an `after` that is not a position', async () => {
      const bus = pool.create();
      await expect(bus.subscribe(uniqueName('bad'), () => undefined, 'yesterday')).rejects.toBeInstanceOf(BadTopicPositionError);
    });
  });
}
