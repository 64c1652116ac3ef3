// Bus benchmark (not a test): npx tsx bench/bus.ts   (env TEST_REDIS_URL, default redis://127.0.0.1:6379)
// Prints one JSON document:
//   roundTrip   enqueue → a consumer already blocked in consume() has it (p50/p99, ms), for the
//               bus and for raw ioredis doing the same XADD / XREADGROUP BLOCK (the floor), so
//               `overheadMs` is what the adapter adds on top of Redis itself;
//   abortWake   abort() → the blocked consume() returns (CLIENT UNBLOCK);
//   throughput  enqueue + consume + ack, batches of 100, 1 and 4 consumers (msgs/s), and the same
//               traffic on raw ioredis with one consumer (the floor);
//   appendCpu   what a batch of entries costs to publish, client and Redis CPU µs per entry (20
//               callers, batches of 3 and 30 events): the bus's append script against the pipeline
//               of XADDs it replaced (raw ioredis).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { InProcessBus, RedisBus, type ObservableBus } from '../packages/bus/src/index.ts';

const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `baton-bench:${randomUUID().slice(0, 8)}:`;
const ROUND_TRIPS = 2_000;
const ABORTS = 300;
const THROUGHPUT_MESSAGES = 50_000;
const THROUGHPUT_ROUNDS = 3;
const BATCH = 100;
const LEASE_MS = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function summary(samples: number[]): { p50: number; p99: number; max: number; n: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
  return { p50: at(0.5), p99: at(0.99), max: round(sorted.at(-1) ?? NaN), n: samples.length };
}

const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

/** One sample of: a consumer is parked in consume(); enqueue one message; time until it is back. */
async function busRoundTrip(bus: ObservableBus, queue: string): Promise<number> {
  const received = bus.consume(queue, 'bench', { max: 1, blockMs: 5_000, visibilityMs: LEASE_MS });
  await sleep(1); // let the consumer block
  const started = performance.now();
  await bus.enqueue(queue, [{ at: started }]);
  const [message] = await received;
  const elapsed = performance.now() - started;
  await bus.ack(queue, [message!.id]);
  return elapsed;
}

/** The same on raw ioredis (XADD on one connection, XREADGROUP BLOCK on another): the floor. */
async function rawRoundTrip(writer: Redis, reader: Redis, key: string): Promise<number> {
  const received = reader.call('XREADGROUP', ['GROUP', 'g', 'c', 'COUNT', 1, 'BLOCK', 5_000, 'STREAMS', key, '>']);
  await sleep(1);
  const started = performance.now();
  await writer.xadd(key, '*', 'b', JSON.stringify({ at: started }));
  const reply = (await received) as [string, [string, string[]][]][];
  const elapsed = performance.now() - started;
  const id = reply[0]![1][0]![0];
  await writer.pipeline().xack(key, 'g', id).xdel(key, id).exec();
  return elapsed;
}

/** Raw and bus samples alternate, so both see the same machine load. */
async function roundTrips(bus: ObservableBus): Promise<{ raw: number[]; bus: number[] }> {
  const writer = new Redis(url, { protocol: 2 });
  const reader = writer.duplicate();
  const rawKey = `${prefix}raw`;
  await writer.xgroup('CREATE', rawKey, 'g', '0', 'MKSTREAM');
  const queue = `rt-${randomUUID()}`;
  await bus.depth(queue); // create the group before timing
  const samples = { raw: [] as number[], bus: [] as number[] };
  for (let i = 0; i < ROUND_TRIPS; i += 1) {
    samples.raw.push(await rawRoundTrip(writer, reader, rawKey));
    samples.bus.push(await busRoundTrip(bus, queue));
  }
  writer.disconnect();
  reader.disconnect();
  return samples;
}

async function inProcessRoundTrips(bus: ObservableBus): Promise<number[]> {
  const queue = `rt-${randomUUID()}`;
  const samples: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i += 1) samples.push(await busRoundTrip(bus, queue));
  return samples;
}

async function abortWake(bus: ObservableBus): Promise<number[]> {
  const queue = `abort-${randomUUID()}`;
  await bus.depth(queue);
  const samples: number[] = [];
  for (let i = 0; i < ABORTS; i += 1) {
    const controller = new AbortController();
    const pending = bus.consume(queue, 'bench', { max: 1, blockMs: 10_000, visibilityMs: LEASE_MS, signal: controller.signal });
    await sleep(2);
    const started = performance.now();
    controller.abort();
    await pending;
    samples.push(performance.now() - started);
  }
  return samples;
}

/** A producer enqueues batches of 100 while `consumers` consume up to 100 and ack each batch. */
async function throughput(bus: ObservableBus, consumers: number): Promise<number> {
  const queue = `tp-${randomUUID()}`;
  await bus.depth(queue);
  const started = performance.now();
  let done = 0;
  const produce = async (): Promise<void> => {
    for (let sent = 0; sent < THROUGHPUT_MESSAGES; sent += BATCH) {
      await bus.enqueue(queue, Array.from({ length: BATCH }, (_, i) => ({ n: sent + i, payload: 'x'.repeat(64) })));
    }
  };
  const consume = async (name: string): Promise<void> => {
    while (done < THROUGHPUT_MESSAGES) {
      const messages = await bus.consume(queue, name, { max: BATCH, blockMs: 200, visibilityMs: LEASE_MS });
      if (messages.length === 0) continue;
      await bus.ack(queue, messages.map((message) => message.id));
      done += messages.length;
    }
  };
  await Promise.all([produce(), ...Array.from({ length: consumers }, (_, i) => consume(`c${i}`))]);
  return Math.round(THROUGHPUT_MESSAGES / ((performance.now() - started) / 1_000));
}

/** The floor for `throughput`: the same traffic on raw ioredis (pipelined XADD, XREADGROUP, XACK+XDEL). */
async function rawThroughput(): Promise<number> {
  const writer = new Redis(url, { protocol: 2 });
  const reader = writer.duplicate();
  const key = `${prefix}raw-tp-${randomUUID()}`;
  await writer.xgroup('CREATE', key, 'g', '0', 'MKSTREAM');
  const started = performance.now();
  let done = 0;
  const produce = async (): Promise<void> => {
    for (let sent = 0; sent < THROUGHPUT_MESSAGES; sent += BATCH) {
      const pipeline = writer.pipeline();
      for (let i = 0; i < BATCH; i += 1) pipeline.xadd(key, '*', 'b', JSON.stringify({ n: sent + i, payload: 'x'.repeat(64) }));
      await pipeline.exec();
    }
  };
  const consume = async (): Promise<void> => {
    while (done < THROUGHPUT_MESSAGES) {
      const reply = (await reader.call('XREADGROUP', ['GROUP', 'g', 'c', 'COUNT', BATCH, 'BLOCK', 200, 'STREAMS', key, '>'])) as [string, [string, string[]][]][] | null;
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) continue;
      for (const [, fields] of entries) JSON.parse(fields[1]!);
      const ids = entries.map(([id]) => id);
      await writer.pipeline().xack(key, 'g', ...ids).xdel(key, ...ids).exec();
      done += entries.length;
    }
  };
  await Promise.all([produce(), consume()]);
  writer.disconnect();
  reader.disconnect();
  return Math.round(THROUGHPUT_MESSAGES / ((performance.now() - started) / 1_000));
}

/** Raw and bus runs alternate (THROUGHPUT_ROUNDS each) and the median is kept: the machine's
 *  load drifts during a run, and alternating lets both see the same drift. */
async function redisThroughputs(bus: ObservableBus): Promise<Record<string, Record<string, number>>> {
  const runs = { raw: [] as number[], bus1: [] as number[], bus4: [] as number[] };
  for (let round = 0; round < THROUGHPUT_ROUNDS; round += 1) {
    runs.raw.push(await rawThroughput());
    runs.bus1.push(await throughput(bus, 1));
    runs.bus4.push(await throughput(bus, 4));
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { rawIoredis: { consumers1: median(runs.raw) }, redisBus: { consumers1: median(runs.bus1), consumers4: median(runs.bus4) } };
}

const APPEND_CALLS = 6_000;
const APPEND_CALLERS = 20;
const APPEND_ROUNDS = 3;

/** Redis's own CPU seconds (INFO cpu: main thread and its helpers). */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  return Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? NaN) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? NaN);
}

/** Client and Redis CPU µs per entry of APPEND_CALLS publishes of `size` events each (encoding included). */
async function appendCost(admin: Redis, publish: (events: unknown[]) => Promise<unknown>, size: number): Promise<{ clientUs: number; redisUs: number }> {
  const event = { runId: randomUUID(), seq: 1, type: 'io.serverlessworkflow.task.completed.v1', time: new Date().toISOString(), data: { output: { ok: true, text: 'x'.repeat(120) } } };
  const events = Array.from({ length: size }, () => event);
  const cpu = process.cpuUsage();
  const redisBefore = await redisCpuSeconds(admin);
  let next = 0;
  await Promise.all(Array.from({ length: APPEND_CALLERS }, async () => {
    while (next++ < APPEND_CALLS) await publish(events);
  }));
  const used = process.cpuUsage(cpu);
  const redisUsed = (await redisCpuSeconds(admin)) - redisBefore;
  const entries = APPEND_CALLS * size;
  return { clientUs: round((used.user + used.system) / entries, 2), redisUs: round((redisUsed * 1e6) / entries, 2) };
}

/** The append script (RedisBus.publish) against a pipeline of XADDs on raw ioredis, alternated; medians of APPEND_ROUNDS. */
async function appendCpu(bus: RedisBus): Promise<Record<string, Record<string, { clientUs: number; redisUs: number }>>> {
  const admin = new Redis(url, { protocol: 2 });
  const raw = new Redis(url, { protocol: 2, enableAutoPipelining: true });
  const topic = `append-${randomUUID()}`;
  const rawKey = `${prefix}raw-append`;
  const result: Record<string, Record<string, { clientUs: number; redisUs: number }>> = {};
  for (const size of [3, 30]) {
    const runs = { pipelineOfXadds: [] as { clientUs: number; redisUs: number }[], appendScript: [] as { clientUs: number; redisUs: number }[] };
    for (let i = 0; i < APPEND_ROUNDS; i += 1) {
      runs.pipelineOfXadds.push(await appendCost(admin, async (events) => {
        const pipeline = raw.pipeline();
        for (const event of events) pipeline.xadd(rawKey, 'MAXLEN', '~', 10_000, '*', 'b', JSON.stringify(event));
        await pipeline.exec();
      }, size));
      runs.appendScript.push(await appendCost(admin, (events) => bus.publish(topic, events), size));
    }
    const median = (values: { clientUs: number; redisUs: number }[], key: 'clientUs' | 'redisUs'): number => values.map((value) => value[key]).sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    result[`batchOf${size}`] = Object.fromEntries(Object.entries(runs).map(([name, values]) => [name, { clientUs: median(values, 'clientUs'), redisUs: median(values, 'redisUs') }]));
  }
  admin.disconnect();
  raw.disconnect();
  return result;
}

async function deleteBenchKeys(): Promise<void> {
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
}

async function main(): Promise<void> {
  const redisBus = new RedisBus({ url, prefix });
  if (!(await redisBus.ping())) throw new Error(`Redis is not reachable at ${url}`);
  const memoryBus = new InProcessBus();
  try {
    const samples = await roundTrips(redisBus);
    const raw = summary(samples.raw);
    const redis = summary(samples.bus);
    const info = new Redis(url);
    const redisVersion = /redis_version:(\S+)/.exec(await info.info('server'))?.[1] ?? 'unknown';
    info.disconnect();
    const result = {
      redisVersion,
      node: process.version,
      roundTripMs: {
        rawIoredis: raw,
        redisBus: redis,
        overheadMs: { p50: round(redis.p50 - raw.p50), p99: round(redis.p99 - raw.p99) },
        inProcessBus: summary(await inProcessRoundTrips(memoryBus)),
      },
      abortWakeMs: { redisBus: summary(await abortWake(redisBus)), inProcessBus: summary(await abortWake(memoryBus)) },
      throughputMsgsPerSec: {
        batch: BATCH,
        messages: THROUGHPUT_MESSAGES,
        ...(await redisThroughputs(redisBus)),
        inProcessBus: { consumers1: await throughput(memoryBus, 1), consumers4: await throughput(memoryBus, 4) },
      },
      appendCpuPerEntry: await appendCpu(redisBus),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await redisBus.close();
    await memoryBus.close();
    await deleteBenchKeys();
  }
}

await main();
