// The timer loop's wake-ups (loops/timers.ts) on real PostgreSQL and Redis: a batch that writes a
// timer while the loop is awake — between reading the next timer and going to sleep — still wakes
// it at that timer, not a poll interval later.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBench, type EngineBench } from './harness.ts';

let b: EngineBench;

beforeAll(async () => {
  b = await startBench();
  await b.define('nap', [{ nap: { wait: { milliseconds: 300 } } }, { done: { set: { slept: true } } }]);
}, 60_000);
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
