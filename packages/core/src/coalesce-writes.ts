// Writes to one socket within a turn of the event loop, sent as one.
//
// On this kind of machine (a VM: a write that wakes a sleeping peer costs a cross-CPU interrupt)
// each socket write costs tens of µs of CPU on both ends, and the peer (PostgreSQL, Redis) wakes
// once per write. node-postgres writes each statement of a pipelined transaction, and ioredis each
// pipeline, as its own write; corking the socket until the check phase of the current turn
// (setImmediate) sends everything issued meanwhile — BEGIN and the statements behind it, the
// writes and the COMMIT, every XADD and the XACK of a batch — in one writev. Nothing waits longer
// than the turn it was issued in, and nothing is reordered (a socket keeps its order).
import type { Writable } from 'node:stream';

const corked = new WeakSet<Writable>();

/** Cork `stream` until the current turn's check phase (once per turn; later calls in it do nothing). */
export function corkUntilImmediate(stream: Writable | null | undefined): void {
  if (!stream || corked.has(stream) || stream.destroyed || stream.writableEnded) return;
  corked.add(stream);
  stream.cork();
  setImmediate(() => {
    corked.delete(stream);
    stream.uncork();
  });
}
