// The Redis deadline schedule on the machine's Redis: idempotent scheduling, atomic claims
// (two workers never claim one entry), re-fire of an unconfirmed claim, and the memory twin.
import { createTestRedis, type TestRedis } from '@baton/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryDeadlines, RedisDeadlines, type DeadlineSchedule } from '../src/deadlines.ts';

let testRedis: TestRedis;
beforeAll(async () => {
  testRedis = await createTestRedis();
});
afterAll(async () => {
  await testRedis?.cleanup();
});

describe.each(['redis', 'memory'])('%s deadline schedule', (kind) => {
  const open = (): DeadlineSchedule => (kind === 'redis' ? new RedisDeadlines(testRedis.url, `${testRedis.prefix}${Math.random().toString(36).slice(2)}:`) : new MemoryDeadlines());

  it('schedules once, claims when due, and forgets what is done', async () => {
    const schedule = open();
    await schedule.schedule({ runId: 'r1', approvalId: 'r1:e1', level: 0, at: 1_000 });
    await schedule.schedule({ runId: 'r1', approvalId: 'r1:e1', level: 0, at: 5_000 });
    await schedule.schedule({ runId: 'r2', approvalId: 'r2:e1', level: 1, at: 9_000 });
    expect(await schedule.size()).toBe(2);
    expect(await schedule.claimDue(999, 10, 100)).toEqual([]);
    const due = await schedule.claimDue(1_000, 10, 100);
    expect(due.map(({ member: _m, ...d }) => d)).toEqual([{ runId: 'r1', approvalId: 'r1:e1', level: 0 }]);
    // Claimed: not due again until the claim runs out; then it fires again (the worker died).
    expect(await schedule.claimDue(1_050, 10, 100)).toEqual([]);
    expect((await schedule.claimDue(1_100, 10, 100)).map((d) => d.approvalId)).toEqual(['r1:e1']);
    await schedule.done(due.map((d) => d.member));
    expect(await schedule.claimDue(10_000, 10, 100).then((d) => d.map((x) => x.approvalId))).toEqual(['r2:e1']);
    await schedule.close();
  });

  it('never hands one entry to two concurrent claimers', async () => {
    const schedule = open();
    for (let i = 0; i < 50; i += 1) await schedule.schedule({ runId: `r${i}`, approvalId: `r${i}:e1`, level: 0, at: i });
    const claims = await Promise.all(Array.from({ length: 5 }, () => schedule.claimDue(100, 20, 10_000)));
    const ids = claims.flat().map((d) => d.approvalId);
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
    await schedule.close();
  });
});
