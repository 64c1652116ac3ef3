// The schedule loop: starts the runs of due ticks (schedules.ts, fireDueSchedules). Each round
// claims due schedules with SKIP LOCKED, so several runners share the ticks and none is started
// twice; `after` schedules whose run ended get their next tick first. It sleeps until the
// earliest tick, at most schedulePollMs (schedules registered through another process's API
// are seen within that time).
import { fireDueSchedules } from '../schedules.ts';
import { sleep, step, type LoopContext } from './context.ts';

export async function scheduleLoop(ctx: LoopContext): Promise<void> {
  const { store, options, signal } = ctx;
  while (!signal.aborted) {
    let full = false;
    await step(ctx, 'schedules', async () => {
      await store.armAfterSchedules();
      full = (await fireDueSchedules(store, ctx.bus, ctx.clock(), options.batchSize, ctx.logger)) >= options.batchSize;
    });
    if (full || signal.aborted) continue;
    let wait = options.schedulePollMs;
    await step(ctx, 'schedules.next', async () => {
      const next = await store.nextScheduleAt();
      if (next !== undefined) wait = Math.max(1, Math.min(wait, next - ctx.clock()));
    });
    await sleep(wait, signal);
  }
}
