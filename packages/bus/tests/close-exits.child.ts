// Run by the conformance suite in a child process: use every part of a bus, close it, and
// then simply end. If anything the bus opened is still alive, the process does not exit and
// the parent test fails.
import { createBus, type BusConfig } from '../src/index.ts';

const config = JSON.parse(process.argv[2] ?? '') as BusConfig;
const bus = createBus(config);
const queue = `exit-${process.pid}`;

await bus.enqueue(queue, ['held']);
const [held] = await bus.consume(queue, 'c1', { max: 1, blockMs: 0, visibilityMs: 60_000 });
await bus.extend(queue, 'c1', [held!.id]); // a lease is still running when close() is called
await bus.subscribe(`${queue}-topic`, () => undefined); // left subscribed on purpose
await bus.publish(`${queue}-topic`, ['event']);
const blocked = bus.consume(`${queue}-empty`, 'c1', { max: 1, blockMs: 60_000, visibilityMs: 1_000 });
const aborted = new AbortController();
const abortable = bus.consume(`${queue}-empty2`, 'c2', { max: 1, blockMs: 60_000, visibilityMs: 1_000, signal: aborted.signal });
await new Promise((resolve) => setTimeout(resolve, 50));
aborted.abort();
await abortable;
await bus.ping();
await bus.close();
const leftover = await blocked;
process.stdout.write(`closed cleanly (blocked consume returned ${leftover.length} messages)\n`);
