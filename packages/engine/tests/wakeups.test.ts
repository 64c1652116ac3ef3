// The runner's wake-ups on real PostgreSQL and Redis:
// - the timer loop (loops/timers.ts): a batch that writes a timer while the loop is awake — between
//   reading the next timer and going to sleep — still wakes it at that timer, not a poll interval later;
// - the deferred attempts' sweeps (loops/deferred.ts): a slot weeks away (a tokens limit overdrawn
//   by a turn's usage) is waited for, not swept every millisecond; one past PostgreSQL's timestamps
//   is a wait of 100 years (rate-limits.ts applyDeferrals), not a batch that fails.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { Queues, type RunnerMessage } from '@baton/core';
import { RATE_LIMITED_EVENT } from '../src/rate-limits.ts';
import { attemptOf, startBench, TWO_CALLS, type EngineBench } from './harness.ts';

let b: EngineBench;

beforeAll(async () => {
  b = await startBench();
  await b.define('nap', [{ nap: { wait: { milliseconds: 300 } } }, { done: { set: { slept: true } } }]);
  await b.define('calls', TWO_CALLS);
}, 60_000);
afterEach(async () => {
  await b?.stopRunners();
});
afterAll(async () => {
  await b?.close();
});

it('fires a timer written while the loop read the database before that commit, at its time', async () => {
  // The loop's reads of the next timer are held until the test lets them go: the loop reads
  // "no timer", the run's batch writes its 300 ms timer and commits meanwhile, then the loop sleeps.
  const read = b.store.nextTimerAt.bind(b.store);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let reads = 0;
  b.store.nextTimerAt = async () => {
    const next = await read();
    reads += 1;
    await held;
    return next;
  };
  try {
    // A poll interval far longer than the nap: a loop that slept it would fire the timer seconds late.
    await b.runner({ timerPollMs: 10_000 });
    await b.until('the timer loop to read the next timer', async () => reads > 0);
    const id = await b.create('nap', {}, true);
    await b.until('the run to write its timer', async () => (await b.sql('SELECT 1 FROM timers WHERE run_id = $1', [id])).length > 0);
    // The batch's commit is followed by its wake-up call (afterCommit); give it time to be made.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const releasedAt = Date.now();
    release();
    const run = await b.status(id, 'completed');
    expect(run.output).toEqual({ slept: true });
    expect(Date.now() - releasedAt, 'ms from the loop going to sleep to the run completing').toBeLessThan(3_000);
  } finally {
    release();
    b.store.nextTimerAt = read;
  }
}, 30_000);

/**
 * Starts a run of `calls`, and once its first call is dispatched hands it back as a worker does
 * over a tokens limit, due at `until`; returns once the runner has logged the wait.
 */
async function deferFirstCall(until: number): Promise<{ id: string; attemptId: string }> {
  const id = await b.create('calls', {}, true);
  await b.until('the first call to be dispatched', async () => (await b.store.listAttempts(id)).length > 0);
  const attemptId = await attemptOf(b, id, 'first');
  await b.bus.enqueue(Queues.runner, [{ type: 'deferred', runId: id, attemptId, until, limit: 'tokens', deferral: 0, reserved: [], task: '/do/0/first' } satisfies RunnerMessage]);
  await b.until('the wait to be logged', async () => (await b.events(id)).some((e) => e.type === RATE_LIMITED_EVENT));
  return { id, attemptId };
}

it('waits for a deferred attempt\'s slot weeks away without sweeping the outbox meanwhile', async () => {
  const claim = b.store.claimOutbox.bind(b.store);
  let claims = 0;
  b.store.claimOutbox = async (limit) => {
    claims += 1;
    return claim(limit);
  };
  try {
    // Its periodic sweep every 10 s: in the second measured below it claims once at most.
    await b.runner({ sweepIntervalMs: 10_000 });
    // What an agent-runner hands back when a turn's usage put a tokens limit 30 days in debt.
    const { id } = await deferFirstCall(Date.now() + 30 * 86_400_000);
    // Past 2^31 - 1 ms a timer fires after 1 ms: the sweeper would claim every millisecond.
    await new Promise((resolve) => setTimeout(resolve, 100));
    claims = 0;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(claims, 'outbox claims in the second after the wait was written').toBeLessThanOrEqual(1);
    expect((await b.run(id)).status).toBe('running');
  } finally {
    b.store.claimOutbox = claim;
  }
}, 30_000);

it('keeps a deferral to a slot past PostgreSQL\'s timestamps as a wait of 100 years, the longest Baton keeps', async () => {
  await b.runner();
  // A tokens limit overdrawn by ~10^14 tokens (a usage only a broken or hostile provider reports).
  const sentAt = Date.now();
  const { id, attemptId } = await deferFirstCall(1e16);
  const wait = (await b.events(id)).find((e) => e.type === RATE_LIMITED_EVENT)!.data as { until: string; waitMs: number };
  const years = (Date.parse(wait.until) - sentAt) / (365.25 * 86_400_000);
  expect(years).toBeGreaterThan(99.9);
  expect(years).toBeLessThanOrEqual(100.01);
  expect((await b.run(id)).status).toBe('running');
  const [attempt] = await b.sql<{ status: string; dispatched_at: Date }>('SELECT status, dispatched_at FROM task_attempts WHERE id = $1', [attemptId]);
  expect(attempt!.status).toBe('scheduled');
  expect(attempt!.dispatched_at.getTime()).toBe(Date.parse(wait.until));
}, 30_000);
