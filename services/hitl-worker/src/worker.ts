// The hitl-worker loop: consume `tasks.approval` (a notice per approval level, from the
// workflow-runner), schedule the level's deadline, report the request, deliver notifications;
// and claim due deadlines, turning each into an `approval.deadline` runner message. It never
// decides anything: the runner checks every deadline against Postgres (still open, same level).
import { setTimeout as sleep } from 'node:timers/promises';
import { Queues, type Bus, type BusMessage, type EventDraft, type RunnerMessage } from '@baton/core';
import { ApprovalEventTypes, type ApprovalNotice } from '@baton/engine';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { z } from 'zod';
import type { DeadlineSchedule } from './deadlines.ts';
import { deliverNotifications } from './notify.ts';
import type { HitlWorkerOptions } from './options.ts';

export const APPROVAL_TASK_QUEUE = Queues.tasks('approval');

export interface HitlWorkerDeps {
  bus: Bus;
  deadlines: DeadlineSchedule;
  logger: Logger;
  metrics: Registry;
  options: HitlWorkerOptions;
  secrets: Record<string, unknown>;
}

export interface HitlWorker {
  start(): Promise<void>;
  /** Stops consuming and polling; messages in hand are left unacked (redelivered elsewhere). */
  stop(): Promise<void>;
}

const NoticeMessage = z.object({
  attemptId: z.string().min(1),
  runId: z.string().min(1),
  kind: z.literal('approval'),
  payload: z.object({
    approval: z.looseObject({
      approvalId: z.string(),
      runId: z.string(),
      level: z.number().int().min(0),
      approvers: z.array(z.string()),
      quorum: z.number(),
      title: z.string(),
      deadlineAt: z.number().optional(),
      notify: z.array(z.object({ url: z.unknown(), format: z.enum(['json', 'slack']) })),
    }),
  }),
});

export function createHitlWorker(deps: HitlWorkerDeps): HitlWorker {
  const { bus, deadlines, logger, options } = deps;
  const handled = new Counter({ name: 'hitl_requests_total', help: 'Approval notices handled', labelNames: ['level'], registers: [deps.metrics] });
  const fired = new Counter({ name: 'hitl_deadlines_fired_total', help: 'Approval deadlines sent to the runner', registers: [deps.metrics] });
  const notified = new Counter({ name: 'hitl_notifications_total', help: 'Notification attempts', labelNames: ['outcome'], registers: [deps.metrics] });
  const inHand = new Map<string, Promise<void>>();
  let abort = new AbortController();
  let loops: Promise<void>[] = [];
  let leaseTimer: NodeJS.Timeout | undefined;

  const audit = (runId: string, events: EventDraft[]) => bus.enqueue(Queues.runner, [{ type: 'events', runId, events } satisfies RunnerMessage]);

  async function handle(message: BusMessage): Promise<void> {
    const parsed = NoticeMessage.safeParse(message.body);
    if (!parsed.success) {
      logger.error({ messageId: message.id, problem: parsed.error.message }, 'dropping an invalid tasks.approval message');
      return bus.ack(APPROVAL_TASK_QUEUE, [message.id]);
    }
    const notice = parsed.data.payload.approval as unknown as ApprovalNotice;
    const log = logger.child({ runId: notice.runId, approvalId: notice.approvalId, level: notice.level });
    if (notice.deadlineAt !== undefined) await deadlines.schedule({ runId: notice.runId, approvalId: notice.approvalId, level: notice.level, at: notice.deadlineAt });
    if (notice.level === 0) {
      const data: Record<string, unknown> = { approvalId: notice.approvalId, task: notice.taskName, title: notice.title, level: 0, approvers: notice.approvers, quorum: notice.quorum, notify: notice.notify.length };
      if (notice.deadlineAt !== undefined) data.deadlineAt = new Date(notice.deadlineAt).toISOString();
      if (message.deliveries > 1) data.redelivered = true;
      await audit(notice.runId, [{ type: ApprovalEventTypes.requested, data }]);
    }
    handled.inc({ level: String(notice.level) });
    await deliverNotifications(notice, options, deps.secrets, async (attempt) => {
      notified.inc({ outcome: attempt.ok ? 'ok' : 'failed' });
      if (!attempt.ok) log.warn({ target: attempt.target, host: attempt.host, attempt: attempt.attempt, status: attempt.status, error: attempt.error }, 'notification failed');
      await audit(notice.runId, [{ type: ApprovalEventTypes.notified, data: { approvalId: notice.approvalId, level: notice.level, ...attempt } }]);
    }, abort.signal);
    if (abort.signal.aborted) return; // left unacked: another worker notifies again
    await bus.ack(APPROVAL_TASK_QUEUE, [message.id]);
    log.info({ approvers: notice.approvers.length, notify: notice.notify.length }, 'approval request handled');
  }

  async function consumeLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const free = options.concurrency - inHand.size;
      try {
        if (free <= 0) {
          await Promise.race(inHand.values());
          continue;
        }
        const batch = await bus.consume(APPROVAL_TASK_QUEUE, options.consumerName, { max: free, blockMs: 1_000, visibilityMs: options.visibilityMs, signal });
        for (const message of batch) {
          const work = handle(message)
            .catch((error: unknown) => logger.error({ err: error, messageId: message.id }, 'approval notice failed; it will be redelivered'))
            .finally(() => inHand.delete(message.id));
          inHand.set(message.id, work);
        }
      } catch (error) {
        if (signal.aborted) return;
        logger.error({ err: error }, 'consuming tasks.approval failed; retrying');
        await sleep(1_000, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  async function deadlineLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const due = await deadlines.claimDue(Date.now(), 256, options.claimMs);
        if (due.length > 0) {
          await bus.enqueue(Queues.runner, due.map((d): RunnerMessage => ({ type: 'approval.deadline', runId: d.runId, approvalId: d.approvalId, level: d.level })));
          await deadlines.done(due.map((d) => d.member));
          fired.inc(due.length);
          logger.info({ deadlines: due.length }, 'approval deadlines fired');
          continue;
        }
      } catch (error) {
        if (signal.aborted) return;
        logger.error({ err: error }, 'claiming approval deadlines failed; retrying');
      }
      await sleep(options.pollMs, undefined, { signal }).catch(() => undefined);
    }
  }

  async function renewLeases(): Promise<void> {
    if (inHand.size === 0) return;
    try {
      await bus.extend(APPROVAL_TASK_QUEUE, options.consumerName, [...inHand.keys()]);
    } catch (error) {
      logger.warn({ err: error }, 'could not extend approval message leases');
    }
  }

  return {
    async start() {
      abort = new AbortController();
      loops = [consumeLoop(abort.signal), deadlineLoop(abort.signal)];
      leaseTimer = setInterval(() => void renewLeases(), Math.max(100, Math.floor(options.visibilityMs / 3)));
      logger.info({ consumer: options.consumerName, links: options.secret !== undefined }, 'hitl worker started');
    },
    async stop() {
      abort.abort();
      clearInterval(leaseTimer);
      await Promise.allSettled(loops);
      await Promise.allSettled(inHand.values());
      logger.info('hitl worker stopped');
    },
  };
}
