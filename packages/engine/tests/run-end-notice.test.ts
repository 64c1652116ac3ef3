// A run's `runs.ended` notice carries its end (RunEndedNotice.end) when the runner knew all of it:
// the fields a read of the run right after the commit gives — what `POST /api/v1/runs` with `wait`
// answers with instead of reading the run again.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RUN_END_NOTICE_MAX_BYTES, Topics, type RunEndedNotice, type RunRecord } from '@baton/core';
import { startBench, type EngineBench } from './harness.ts';

let b: EngineBench;
const notices = new Map<string, RunEndedNotice>();
let unsubscribe: (() => Promise<void>) | undefined;

beforeAll(async () => {
  b = await startBench();
  await b.define('echo', [{ done: { set: { echoed: '${ .text }' } } }]);
  await b.define('boom', [{ fail: { raise: { error: { type: 'https://example.com/errors/boom', status: 418, title: 'Boom', detail: '${ .why }' } } } }]);
  await b.define('hold', [{ wait: { listen: { to: { one: { with: { type: 'com.example.never' } } } } } }]);
  unsubscribe = await b.bus.subscribe<RunEndedNotice>(Topics.ended, (entries) => {
    for (const entry of entries) notices.set(entry.body.runId, entry.body);
  });
}, 60_000);
afterEach(async () => {
  await b?.stopRunners();
});
afterAll(async () => {
  await unsubscribe?.();
  await b?.close();
});

async function noticeOf(runId: string): Promise<RunEndedNotice> {
  await b.until(`the runs.ended notice of ${runId}`, async () => notices.has(runId));
  return notices.get(runId)!;
}

/** The fields of a read of the run that its end sets, as the notice's end carries them. */
function endOf(run: RunRecord): Record<string, unknown> {
  const { status, output, error, usage, startedAt, endedAt, updatedAt } = run;
  return Object.fromEntries(Object.entries({ status, output, error, usage, startedAt, endedAt, updatedAt }).filter(([, value]) => value !== undefined));
}

describe('the runs.ended notice carries the run as a read after its end gives it', () => {
  it('a completed run: status, output, started, ended and updated times', async () => {
    await b.runner();
    const id = await b.create('echo', { text: 'héllo "quoted" \\ \u2028' });
    const notice = await noticeOf(id);
    const run = await b.run(id);
    expect(run.status).toBe('completed');
    expect(notice.type).toBe('io.serverlessworkflow.workflow.completed.v1');
    expect(notice.end).toEqual(endOf(run));
    expect(notice.end?.output).toEqual({ echoed: 'héllo "quoted" \\ \u2028' });
  });

  it("a runner whose clock is ahead of the database's: the run is not updated before it started or ended, and the notice says so too", async () => {
    // The lock reads the transaction's time (PostgreSQL's clock), the decision stamps the start and
    // the end with the runner's: a minute later here.
    await b.runner({}, undefined, () => Date.now() + 60_000);
    const id = await b.create('echo', { text: 'later' });
    const notice = await noticeOf(id);
    const run = await b.run(id);
    expect(run.status).toBe('completed');
    expect(Date.parse(run.startedAt!)).toBeGreaterThan(Date.now() + 30_000);
    expect(Date.parse(run.updatedAt)).toBeGreaterThanOrEqual(Date.parse(run.endedAt!));
    expect(Date.parse(run.endedAt!)).toBeGreaterThanOrEqual(Date.parse(run.startedAt!));
    expect(notice.end).toEqual(endOf(run));
  });

  it('a faulted run: its error', async () => {
    await b.runner();
    const id = await b.create('boom', { why: 'no tea' });
    const notice = await noticeOf(id);
    const run = await b.run(id);
    expect(run.status).toBe('faulted');
    expect(notice.end).toEqual(endOf(run));
    expect(notice.end?.error).toMatchObject({ status: 418, detail: 'no tea' });
  });

  it('a run cancelled while it waited: its usage and times as they were, the cancel stamped', async () => {
    await b.runner();
    const id = await b.create('hold');
    await b.status(id, 'waiting');
    await b.sql(`UPDATE runs SET usage = '{"tokens": 12, "model": "m"}'::jsonb WHERE id = $1`, [id]);
    await b.bus.enqueue('runner', [{ type: 'cancel', runId: id, reason: 'changed my mind' }]);
    const notice = await noticeOf(id);
    const run = await b.run(id);
    expect(run.status).toBe('cancelled');
    expect(run.usage).toEqual({ tokens: 12, model: 'm' });
    expect(notice.end).toEqual(endOf(run));
  });

  it('an output larger than a notice carries: the notice comes without it (the waiters read the run)', async () => {
    await b.runner();
    const id = await b.create('echo', { text: 'x'.repeat(RUN_END_NOTICE_MAX_BYTES) });
    const notice = await noticeOf(id);
    expect((await b.run(id)).status).toBe('completed');
    expect(notice).toEqual({ runId: id, type: 'io.serverlessworkflow.workflow.completed.v1' });
  });

  it('the notices of many runs ended by one batch each carry their own run', async () => {
    await b.runner({ batchSize: 50 });
    const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => b.create('echo', { text: `run ${i}` })));
    for (const [i, id] of ids.entries()) {
      const notice = await noticeOf(id);
      expect(notice.end).toEqual(endOf(await b.run(id)));
      expect(notice.end?.output).toEqual({ echoed: `run ${i}` });
    }
  });
});
