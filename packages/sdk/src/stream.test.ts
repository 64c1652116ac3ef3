// The follower's loop against a scripted event source: ordering, no duplicates, the end of the
// stream, and resuming after transient failures. The real transport is exercised in tests/.
import { describe, expect, it } from 'vitest';
import { BatonApiError, BatonConnectionError } from './errors.ts';
import type { EventPage, Run, RunEvent } from './schemas.ts';
import { followRunEvents, type RunEventSource } from './stream.ts';

const event = (seq: number, type = 'io.serverlessworkflow.task.completed.v1'): RunEvent => ({
  specversion: '1.0',
  id: `e${seq}`,
  source: 'baton://demo/hello',
  type,
  time: '2026-11-27T11:00:00.000Z',
  runid: 'r1',
  seq,
});
const run = (status: string): Run => ({ id: 'r1', definitionId: 'd', namespace: 'demo', name: 'hello', version: '1', status, input: {}, createdAt: 'x', updatedAt: 'x' });

/** A log that grows as it is read: `script[i]` events are appended before the i-th read. */
function scriptedLog(script: RunEvent[][], finalStatus = 'completed', failures: Error[] = []) {
  const log: RunEvent[] = [];
  let reads = 0;
  const calls: number[] = [];
  const source: RunEventSource = {
    async listEvents(after): Promise<EventPage> {
      calls.push(after);
      const failure = failures.shift();
      if (failure) throw failure;
      log.push(...(script[reads++] ?? []));
      const items = log.filter((e) => e.seq > after).slice(0, 2);
      return { items, nextAfter: items.at(-1)?.seq ?? after };
    },
    async getRun() {
      return run(reads >= script.length ? finalStatus : 'running');
    },
  };
  return { source, calls };
}

async function collect(iterable: AsyncIterable<RunEvent>): Promise<number[]> {
  const seqs: number[] = [];
  for await (const e of iterable) seqs.push(e.seq);
  return seqs;
}

describe('followRunEvents', () => {
  it('yields every event once, in order, and ends after the terminal event', async () => {
    const { source } = scriptedLog([[event(1), event(2), event(3)], [], [event(4), event(5, 'io.serverlessworkflow.workflow.completed.v1')]]);
    expect(await collect(followRunEvents(source, { pollIntervalMs: 1 }))).toEqual([1, 2, 3, 4, 5]);
  });

  it('starts after `after`', async () => {
    const { source, calls } = scriptedLog([[event(1), event(2), event(3, 'io.serverlessworkflow.workflow.faulted.v1')]]);
    expect(await collect(followRunEvents(source, { after: 2, pollIntervalMs: 1 }))).toEqual([3]);
    expect(calls[0]).toBe(2);
  });

  it('ends when the run is terminal even if its terminal event was before `after`', async () => {
    const { source } = scriptedLog([[event(1), event(2, 'io.serverlessworkflow.workflow.cancelled.v1')]], 'cancelled');
    expect(await collect(followRunEvents(source, { after: 2, pollIntervalMs: 1 }))).toEqual([]);
  });

  it('drains events that landed with the terminal status', async () => {
    // The first read sees nothing; by the time the run reads terminal, its last events exist.
    const log: RunEvent[] = [];
    const source: RunEventSource = {
      listEvents: async (after) => ({ items: log.filter((e) => e.seq > after), nextAfter: log.at(-1)?.seq ?? after }),
      getRun: async () => {
        log.push(event(1), event(2));
        return run('completed');
      },
    };
    expect(await collect(followRunEvents(source, { pollIntervalMs: 1 }))).toEqual([1, 2]);
  });

  it('never yields a seq twice even if the transport replays', async () => {
    const replaying: RunEventSource = {
      listEvents: async (after) => (after === 0 ? { items: [event(1), event(2)], nextAfter: 2 } : after === 2 ? { items: [event(2), event(3, 'io.serverlessworkflow.workflow.completed.v1')], nextAfter: 3 } : { items: [], nextAfter: after }),
      getRun: async () => run('completed'),
    };
    expect(await collect(followRunEvents(replaying, { pollIntervalMs: 1 }))).toEqual([1, 2, 3]);
  });

  it('resumes from the last seq after transient failures', async () => {
    const refused = new BatonConnectionError('http://x', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    const unavailable = new BatonApiError({ type: 'about:blank', title: 'Service Unavailable', status: 503 });
    const { source, calls } = scriptedLog([[event(1), event(2)], [event(3, 'io.serverlessworkflow.workflow.completed.v1')]]);
    const failures = [refused, unavailable];
    const flaky: RunEventSource = {
      getRun: source.getRun,
      listEvents: async (after, signal) => {
        if (after === 2 && failures.length > 0) throw failures.shift();
        return source.listEvents(after, signal);
      },
    };
    expect(await collect(followRunEvents(flaky, { pollIntervalMs: 1 }))).toEqual([1, 2, 3]);
    expect(calls).toEqual([0, 2, 3]);
  });

  it('throws a client error at once, and a transient one after maxRetries', async () => {
    const notFound = new BatonApiError({ type: 'about:blank', title: 'Not Found', status: 404 });
    let reads = 0;
    const missing: RunEventSource = { listEvents: async () => (reads++, Promise.reject(notFound)), getRun: async () => run('running') };
    await expect(collect(followRunEvents(missing))).rejects.toBe(notFound);
    expect(reads).toBe(1);

    const down = new BatonConnectionError('http://x', new Error('down'));
    reads = 0;
    const gone: RunEventSource = { listEvents: async () => (reads++, Promise.reject(down)), getRun: async () => run('running') };
    await expect(collect(followRunEvents(gone, { maxRetries: 2 }))).rejects.toBe(down);
    expect(reads).toBe(3);
  });

  it('stops when the signal aborts', async () => {
    const stop = new AbortController();
    const idle: RunEventSource = { listEvents: async (after) => ({ items: [], nextAfter: after }), getRun: async () => run('running') };
    const pending = collect(followRunEvents(idle, { pollIntervalMs: 10_000, signal: stop.signal }));
    setTimeout(() => stop.abort(new Error('stopped')), 20);
    await expect(pending).rejects.toThrow('stopped');
  });
});
