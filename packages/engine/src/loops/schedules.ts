// The schedule loop: starts the runs of due ticks (schedules.ts, fireDueSchedules). Each round
// claims due schedules with SKIP LOCKED, so several runners share the ticks and none is started
// twice; `after` schedules whose run ended get their next tick first. It sleeps until the
// earliest tick, at most schedulePollMs (schedules registered through another process's API
// are seen within that time); a round claims only when the earliest tick is due.
import { fireDueSchedules } from '../schedules.ts';
import { sleep, step, type LoopContext } from './context.ts';

export async function scheduleLoop(ctx: LoopContext): Promise<void> {
  const { store, options, signal } = ctx;
  while (!signal.aborted) {
    let full = false;
    let next: number | undefined;
    // Idle, a round is two statements: the claiming transaction runs only when a tick is due.
    await step(ctx, 'schedules', async () => {
      await store.armAfterSchedules();
      next = await store.nextScheduleAt();
      if (next === undefined || next > ctx.clock()) return;
      full = (await fireDueSchedules(store, ctx.bus, ctx.clock(), options.batchSize, ctx.logger)) >= options.batchSize;
      if (!full) next = await store.nextScheduleAt();
    });
    if (full || signal.aborted) continue;
    const wait = next === undefined ? options.schedulePollMs : Math.max(1, Math.min(options.schedulePollMs, next - ctx.clock()));
    await sleep(wait, signal);
  }
}
