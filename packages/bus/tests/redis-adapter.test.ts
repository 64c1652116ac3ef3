// Redis-only behaviour the port does not describe: key layout, small streams, and recovery when
// Redis loses keys or connections (losing Redis must lose no run, so the bus must carry on).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer } from '@baton/testkit';
import { RedisBus } from '../src/index.ts';
import { connectionName } from '../src/redis/redis-bus.ts';
import { connectOrExplain, deleteKeys, redisUrl as url } from './redis-support.ts';
import { sleep, uniqueName, waitFor } from './support.ts';

const prefix = `baton-test:${randomUUID().slice(0, 8)}:`;
const lease = { visibilityMs: 60_000 };
let admin: Redis | undefined;
let opened: RedisBus | undefined;

beforeAll(async () => {
  admin = await connectOrExplain();
});
afterEach(async () => {
  await opened?.close();
});
afterAll(async () => {
  if (!admin) return;
  await deleteKeys(admin, prefix);
  admin.disconnect();
});

function openBus(options: { topicMaxLen?: number } = {}): RedisBus {
  opened = new RedisBus({ url, prefix, ...options, onError: () => undefined }); // these tests break connections on purpose
  return opened;
}

function redis(): Redis {
  if (!admin) throw new Error('no admin connection (beforeAll failed)');
  return admin;
}

/** Kill this bus's connections of one role, as a network failure or a Redis restart would. */
async function killConnections(role: 'consume' | 'subscribe'): Promise<number> {
  const list = (await redis().call('CLIENT', ['LIST'])) as string;
  const name = connectionName(prefix, role);
  const ids = list.split('\n').filter((line) => line.includes(` name=${name} `)).map((line) => /\bid=(\d+)/.exec(line)![1]!);
  for (const id of ids) await redis().call('CLIENT', ['KILL', 'ID', id]);
  return ids.length;
}

describe('RedisBus on Redis', () => {
  it('keeps a queue in <prefix>q:<name> with group "baton"; acked entries leave the stream', async () => {
    const bus = openBus();
    const queue = uniqueName('layout');
    await bus.enqueue(queue, ['a', 'b', 'c']);
    const messages = await bus.consume(queue, 'c1', { max: 10, blockMs: 0, ...lease });
    const key = `${prefix}q:${queue}`;
    expect(await redis().type(key)).toBe('stream');
    const groups = (await redis().call('XINFO', ['GROUPS', key])) as unknown[][];
    expect(groups.map((group) => group[1])).toEqual(['baton']);
    await bus.ack(queue, messages.map((message) => message.id));
    expect(await redis().xlen(key)).toBe(0);
  });

  it('keeps a topic in <prefix>t:<name>, capped', async () => {
    const bus = openBus({ topicMaxLen: 100 });
    const topic = uniqueName('layout');
    for (let i = 0; i < 20; i += 1) await bus.publish(topic, Array.from({ length: 100 }, (_, n) => n));
    const length = await redis().xlen(`${prefix}t:${topic}`);
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(500);
  });

  it('a new epoch when the data was wiped (the <prefix>epoch marker is gone, as after FLUSHALL); the same one again after', async () => {
    const bus = openBus();
    const before = await bus.epoch();
    expect(before).toMatch(/^redis:\w+\/[0-9a-f-]{36}$/);
    await redis().del(`${prefix}epoch`);
    const after = await bus.epoch();
    expect(after).not.toBe(before);
    expect(after.split('/')[0]).toBe(before.split('/')[0]); // the same Redis process (run_id)
    expect(await bus.epoch()).toBe(after);
  });

  it('recreates the group when Redis lost the stream (NOGROUP)', async () => {
    const bus = openBus();
    const queue = uniqueName('lost');
    await bus.enqueue(queue, ['before']);
    await bus.consume(queue, 'c1', { max: 10, blockMs: 0, ...lease });
    await redis().del(`${prefix}q:${queue}`);
    expect(await bus.depth(queue)).toEqual({ waiting: 0, inFlight: 0 });
    await redis().del(`${prefix}q:${queue}`);
    await bus.enqueue(queue, ['after']);
    const messages = await bus.consume(queue, 'c1', { max: 10, blockMs: 0, ...lease });
    expect(messages.map((message) => message.body)).toEqual(['after']);
  });

  it('a consume blocked while its stream is deleted still gets the next message', async () => {
    const bus = openBus();
    const queue = uniqueName('deleted-while-blocked');
    await bus.depth(queue);
    const pending = bus.consume(queue, 'c1', { max: 10, blockMs: 4_000, ...lease }).catch((error: unknown) => error);
    await sleep(50);
    await redis().del(`${prefix}q:${queue}`);
    await sleep(50);
    await bus.enqueue(queue, ['survivor']);
    expect(await pending).toMatchObject([{ body: 'survivor' }]);
  });

  it('a consume whose connection is killed while blocked still gets the next message', async () => {
    const bus = openBus();
    const queue = uniqueName('killed-consume');
    await bus.depth(queue);
    const pending = bus.consume(queue, 'c1', { max: 10, blockMs: 4_000, ...lease }).catch((error: unknown) => error);
    await sleep(50);
    expect(await killConnections('consume')).toBe(1);
    await sleep(100);
    await bus.enqueue(queue, ['survivor']);
    expect(await pending).toMatchObject([{ body: 'survivor' }]);
  });

  it('a subscription whose connection is killed resumes where it was (ioredis reconnects and resends the XREAD)', async () => {
    const bus = openBus();
    const topic = uniqueName('killed-subscription');
    const seen: unknown[] = [];
    await bus.subscribe(topic, (entries) => {
      seen.push(...entries.map((entry) => entry.body));
    });
    await bus.publish(topic, ['a']);
    await waitFor('a', () => seen.length === 1);
    expect(await killConnections('subscribe')).toBe(1);
    await bus.publish(topic, ['b', 'c']);
    await waitFor('b and c after the reconnect', () => seen.length === 3);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('enqueues, publishes and acks in batches larger than one append script call, in order', async () => {
    const bus = openBus({ topicMaxLen: 10_000 });
    const queue = uniqueName('big');
    const results = uniqueName('big-results');
    const topic = uniqueName('big');
    const bodies = Array.from({ length: 1_201 }, (_, n) => ({ n }));
    const seen: unknown[] = [];
    await bus.subscribe(topic, (entries) => {
      seen.push(...entries.map((entry) => entry.body));
    });
    await bus.publish(topic, bodies);
    await bus.enqueue(queue, bodies);
    const taken = await bus.consume(queue, 'c1', { max: 2_000, blockMs: 0, ...lease });
    expect(taken.map((message) => message.body)).toEqual(bodies);
    // More ids than the script acks in one XACK (its slices of 1,000).
    await bus.enqueueAndAck(results, bodies, queue, taken.map((message) => message.id));
    expect(await bus.depth(queue)).toEqual({ waiting: 0, inFlight: 0 });
    expect(await redis().xlen(`${prefix}q:${queue}`)).toBe(0);
    expect((await bus.consume(results, 'c1', { max: 2_000, blockMs: 0, ...lease })).map((message) => message.body)).toEqual(bodies);
    await waitFor('the published batch', () => seen.length === bodies.length);
    expect(seen).toEqual(bodies);
  });

  it('enqueueAndAck still enqueues when Redis lost the acked stream (NOGROUP: nothing left to ack)', async () => {
    const bus = openBus();
    const queue = uniqueName('lost-acked');
    const results = uniqueName('lost-results');
    await bus.enqueue(queue, ['task']);
    const [task] = await bus.consume(queue, 'c1', { max: 1, blockMs: 0, ...lease });
    await redis().del(`${prefix}q:${queue}`);
    await bus.enqueueAndAck(results, [{ done: true }], queue, [task!.id]);
    expect((await bus.consume(results, 'c1', { max: 10, blockMs: 0, ...lease })).map((message) => message.body)).toEqual([{ done: true }]);
  });

  it('goes on after Redis forgot its scripts (SCRIPT FLUSH, as after a restart)', async () => {
    const bus = openBus();
    const queue = uniqueName('flushed');
    const topic = uniqueName('flushed');
    await bus.enqueue(queue, ['before']);
    await bus.publish(topic, ['before']);
    await redis().script('FLUSH');
    await bus.enqueue(queue, ['after']);
    await bus.publish(topic, ['after']);
    const taken = await bus.consume(queue, 'c1', { max: 10, blockMs: 0, ...lease });
    expect(taken.map((message) => message.body)).toEqual(['before', 'after']);
    await redis().script('FLUSH');
    await bus.enqueueAndAck(uniqueName('flushed-results'), ['r'], queue, taken.map((message) => message.id));
    expect(await bus.depth(queue)).toEqual({ waiting: 0, inFlight: 0 });
    expect(await redis().xlen(`${prefix}t:${topic}`)).toBe(2);
  });

  it('enqueueAndAck is all or nothing when Redis is out of memory: nothing enqueued, nothing acked', async () => {
    const server = await startRedisServer({ appendfsync: 'no' });
    const bus = new RedisBus({ url: server.url, prefix, onError: () => undefined });
    try {
      const queue = uniqueName('oom');
      const results = uniqueName('oom-results');
      await bus.enqueue(queue, ['task']);
      const [task] = await bus.consume(queue, 'c1', { max: 1, blockMs: 0, ...lease });
      const admin = new Redis(server.url);
      try {
        await admin.config('SET', 'maxmemory-policy', 'noeviction');
        await admin.config('SET', 'maxmemory', '1');
        await expect(bus.enqueueAndAck(results, [{ done: true }], queue, [task!.id])).rejects.toThrow(/OOM/);
        await expect(bus.publish(uniqueName('oom'), ['event'])).rejects.toThrow(/OOM/);
        await admin.config('SET', 'maxmemory', '0');
        expect(await bus.depth(results)).toEqual({ waiting: 0, inFlight: 0 });
        expect(await bus.depth(queue)).toEqual({ waiting: 0, inFlight: 1 });
        await bus.enqueueAndAck(results, [{ done: true }], queue, [task!.id]);
        expect(await bus.depth(results)).toEqual({ waiting: 1, inFlight: 0 });
        expect(await bus.depth(queue)).toEqual({ waiting: 0, inFlight: 0 });
      } finally {
        admin.disconnect();
      }
    } finally {
      await bus.close();
      await server.stop();
    }
  });

  it("a turn's enqueues, publishes and acks reach Redis in one write (one read event there)", async () => {
    const server = await startRedisServer({ appendfsync: 'no' });
    const bus = new RedisBus({ url: server.url, prefix, onError: () => undefined });
    const admin = new Redis(server.url);
    try {
      const queue = uniqueName('one-write');
      await bus.enqueue(queue, ['a', 'b']);
      const taken = await bus.consume(queue, 'c1', { max: 2, blockMs: 0, ...lease });
      await bus.publish(uniqueName('warm'), ['loads the scripts on the connection']);
      const reads = async (): Promise<number> => Number(/total_reads_processed:(\d+)/.exec(await admin.info('stats'))![1]);
      const before = await reads();
      await Promise.all([bus.enqueue(uniqueName('tasks'), [{ t: 1 }, { t: 2 }]), bus.publish(uniqueName('events'), [{ e: 1 }]), bus.ack(queue, taken.map((m) => m.id))]);
      // The turn's write, then the INFO that reads the counter.
      expect((await reads()) - before).toBe(2);
    } finally {
      admin.disconnect();
      await bus.close();
      await server.stop();
    }
  });
});
