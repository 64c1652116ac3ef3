// The fanout scenarios, run on both backend pairs (embedded.test.ts: PGlite + in-process bus;
// servers.test.ts: PostgreSQL + Redis): ordering, resume at every boundary, the replay→live
// switch under load, workflow and namespace subscriptions, protocol errors, idle reaping.
// Auth, tokens and SSE are in auth.test.ts / sse.test.ts; replicas and slow consumers in
// replicas.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startFanoutHarness, workflows, type Backend, type FanoutHarness } from './harness.ts';
import { TestStream, range, seqs } from './stream-client.ts';

export function fanoutSuite(backend: Backend): void {
  describe(`fanout on ${backend} backends`, () => {
    let h: FanoutHarness;
    const open: TestStream[] = [];
    const connect = async () => {
      const stream = await TestStream.connect(h.baton.fanoutUrl, { key: ADMIN_KEY });
      open.push(stream);
      return stream;
    };
    const post = (type: string) => h.api('POST', '/api/v1/events', { specversion: '1.0', id: `${type}-${Math.random()}`, source: 'https://tests.example/', type });

    beforeAll(async () => {
      h = await startFanoutHarness(backend, { FANOUT_IDLE_TIMEOUT_MS: '1000', FANOUT_PING_INTERVAL_MS: '300' });
      await h.apply(workflows.ticker());
      await h.apply(workflows.gated('gate', 'com.example.gate'));
      await h.apply(workflows.gated('gate-b', 'com.example.gate-b', 'other'));
    });
    afterAll(async () => {
      for (const stream of open) stream.close();
      await h?.close();
    });

    it('says hello, then streams a finished run in seq order with CloudEvents envelopes', async () => {
      const runId = await h.start('ticker', { n: 5 });
      await h.finish(runId, 'ticker');
      const log = await h.events(runId);
      const stream = await connect();
      expect(stream.messages[0] ?? (await stream.waitFor((m) => m.hello))).toMatchObject({ hello: { protocol: 'baton.stream.v1', key: 'bootstrap-admin' } });
      expect(await stream.subscribe({ run: runId }, 'a')).toEqual({ subscribed: { run: runId, after: 0 }, id: 'a' });
      await stream.waitFor((m) => m.caughtUp?.run === runId);
      const events = stream.events(runId);
      expect(seqs(events)).toEqual(range(1, log.length));
      expect(events.map((e) => e.id)).toEqual(log.map((e) => e.id));
      for (const event of events) expect(event).toMatchObject({ specversion: '1.0', source: 'baton://fan/ticker', subject: runId, runid: runId, datacontenttype: 'application/json' });
      // The same shape as the REST API serves.
      const rest = await h.api('GET', `/api/v1/runs/${runId}/events?after=0&limit=1000`);
      expect(events).toEqual(rest.body.items);
    });

    it('resumes a finished run at every boundary: after=0, mid-run, last seq, beyond', async () => {
      const runId = await h.start('ticker', { n: 3 });
      await h.finish(runId, 'ticker');
      const last = (await h.events(runId)).length;
      const mid = Math.floor(last / 2);
      for (const after of [0, 1, mid, last - 1, last]) {
        const stream = await connect();
        await stream.subscribe({ run: runId, after });
        const caught = await stream.waitFor((m) => m.caughtUp);
        expect(caught.caughtUp).toEqual({ run: runId, seq: last });
        expect(seqs(stream.events(runId))).toEqual(range(after + 1, last));
      }
      const beyond = await connect();
      const answer = await beyond.subscribe({ run: runId, after: last + 1 }, 'x');
      expect(answer.error).toMatchObject({ status: 400, run: runId, after: last + 1 });
      expect(answer.error.detail).toMatch(/beyond the last event/);
      expect(beyond.events()).toEqual([]);
    });

    it('switches from replay to live without a gap or a duplicate (live run, last-seq resume)', async () => {
      const runId = await h.start('gate', {});
      await h.waiting(runId);
      const last = (await h.events(runId)).length;
      const atLast = await connect();
      await atLast.subscribe({ run: runId, after: last });
      expect((await atLast.waitFor((m) => m.caughtUp)).caughtUp.seq).toBe(last);
      const fromStart = await connect();
      await fromStart.subscribe({ run: runId });
      await fromStart.waitFor((m) => m.caughtUp);
      await post('com.example.gate');
      await atLast.waitForEnd(runId);
      await fromStart.waitForEnd(runId);
      const total = (await h.events(runId)).length;
      expect(seqs(atLast.events(runId))).toEqual(range(last + 1, total));
      expect(seqs(fromStart.events(runId))).toEqual(range(1, total));
    });

    it('gives every subscriber, whenever it joins and from wherever it resumes, each event exactly once in order', async () => {
      const runId = await h.start('ticker', { n: 60 });
      const joined: { stream: TestStream; after: number }[] = [];
      for (let i = 0; i < 12; i += 1) {
        const sofar = (await h.events(runId)).length;
        const after = i % 3 === 0 ? 0 : Math.floor(Math.random() * (sofar + 1));
        const stream = await connect();
        await stream.subscribe({ run: runId, after });
        joined.push({ stream, after });
        await new Promise((resolve) => setTimeout(resolve, 15 + Math.random() * 40));
      }
      await h.finish(runId, 'ticker');
      const total = (await h.events(runId)).length;
      for (const { stream, after } of joined) {
        // One that joined after the run ended, at its last seq, has nothing to receive.
        if (after === total) await stream.waitFor((m) => m.caughtUp?.run === runId);
        else await stream.waitForEnd(runId);
        expect(seqs(stream.events(runId))).toEqual(range(after + 1, total));
      }
    });

    it('streams all runs of a workflow and of a namespace, each event once per connection', async () => {
      const stream = await connect();
      expect((await stream.subscribe({ workflow: { namespace: 'fan', name: 'ticker' } })).subscribed).toEqual({ workflow: { namespace: 'fan', name: 'ticker' } });
      await stream.subscribe({ namespace: 'fan' });
      const other = await connect();
      await other.subscribe({ namespace: 'other' });
      const a = await h.start('ticker', { n: 2 });
      const b = await h.start('ticker', { n: 2 });
      await Promise.all([stream.waitForEnd(a), stream.waitForEnd(b)]);
      for (const runId of [a, b]) expect(seqs(stream.events(runId))).toEqual(range(1, (await h.events(runId)).length));
      expect(other.events()).toEqual([]);
      // A run subscription on the same connection takes over that run from where the client is.
      const c = await h.start('gate', {});
      await h.waiting(c);
      await stream.waitFor((m) => m.runid === c && m.seq === 6); // the last event before the listen (workflow started; before created, started, completed; hold created, started)
      const seen = Math.max(...seqs(stream.events(c)));
      expect((await stream.subscribe({ run: c, after: seen })).subscribed).toEqual({ run: c, after: seen });
      await post('com.example.gate');
      await stream.waitForEnd(c);
      expect(seqs(stream.events(c))).toEqual(range(1, (await h.events(c)).length));
    });

    it('unsubscribes, and answers bad messages with problems without closing', async () => {
      const stream = await connect();
      const runId = await h.start('gate', {});
      await h.waiting(runId);
      await stream.subscribe({ run: runId });
      await stream.waitFor((m) => m.caughtUp);
      stream.send({ unsubscribe: { run: runId }, id: 'u' });
      expect(await stream.waitFor((m) => m.id === 'u')).toEqual({ unsubscribed: { run: runId }, id: 'u' });
      const seen = stream.events(runId).length;
      stream.send({ unsubscribe: { run: runId }, id: 'again' });
      expect((await stream.waitFor((m) => m.id === 'again')).error.status).toBe(404);
      stream.socket.send('not json');
      stream.send({ subscribe: { run: 'x', after: -1 }, id: 'neg' });
      stream.send({ subscribe: { bogus: true }, id: 'bogus' });
      expect((await stream.waitFor((m) => m.id === 'bogus')).error.status).toBe(400);
      expect((await stream.waitFor((m) => m.id === 'neg')).error.detail).toMatch(/after/);
      expect(stream.control('error').some((e) => /not JSON/.test(e.detail))).toBe(true);
      expect((await stream.subscribe({ run: 'no-such-run' }, 'missing')).error.status).toBe(404);
      await post('com.example.gate');
      await h.finish(runId, 'gate');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(stream.events(runId).length).toBe(seen); // nothing after the unsubscribe
      expect(stream.socket.readyState).toBe(stream.socket.OPEN);
    });

    it('closes a connection without subscriptions after the idle timeout (4002) and keeps a subscribed one alive', async () => {
      const idle = await connect();
      const busy = await connect();
      await busy.subscribe({ namespace: 'fan' });
      const closed = await idle.closed;
      expect(closed.code).toBe(4002);
      await new Promise((resolve) => setTimeout(resolve, 700)); // two more keep-alive ticks
      expect(busy.socket.readyState).toBe(busy.socket.OPEN);
    });

    it('terminates a connection that stops answering pings (dead peer)', async () => {
      const metric = async (line: RegExp) => Number(line.exec(await (await fetch(`${h.baton.fanoutUrl}/metrics`)).text())?.[1] ?? 0);
      const deadBefore = await metric(/fanout_closes_total\{reason="dead"[^}]*\} (\d+)/);
      const peer = await connect();
      await peer.subscribe({ namespace: 'fan' });
      peer.socket.pause(); // neither reads pings nor answers them
      for (const deadline = Date.now() + 5_000; (await metric(/fanout_closes_total\{reason="dead"[^}]*\} (\d+)/)) <= deadBefore; ) {
        if (Date.now() > deadline) throw new Error('the silent connection was not reaped');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      peer.socket.resume();
      expect((await peer.closed).code).toBe(1006); // dropped without a close frame
    });
  });
}
