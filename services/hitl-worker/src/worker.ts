// The hitl-worker: `tasks.approval` (a notice per approval level, from the workflow-runner)
// through the shared queue-worker shell (packages/runtime/src/queue-worker.ts), whose handler
// schedules the level's deadline, reports the request and delivers notifications; and a loop that
// claims due deadlines, turning each into an `approval.deadline` runner message. It never decides
// anything: the runner checks every deadline against Postgres (still open, same level).
import { setTimeout as sleep } from 'node:timers/promises';
import { Queues, type Bus, type EventDraft, type RunnerMessage } from '@baton/core';
import { ApprovalEventTypes, type ApprovalNotice } from '@baton/engine';
import { createQueueWorker, type TaskContext, type TaskOutcome } from '@baton/runtime';
import { serviceTracer } from '@baton/tracing';
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
  /** Notices being handled now. */
  inFlight(): number;
}

type NoticeMessage = z.infer<typeof NoticeMessage>;
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
  let abort = new AbortController();
  let deadlineLoop: Promise<void> | undefined;

  const audit = (runId: string, events: EventDraft[]) => bus.enqueue(Queues.runner, [{ type: 'events', runId, events } satisfies RunnerMessage]);

  async function handle(message: NoticeMessage, context: TaskContext): Promise<TaskOutcome> {
    const notice = message.payload.approval as unknown as ApprovalNotice;
    const log = logger.child({ runId: notice.runId, approvalId: notice.approvalId, level: notice.level });
    if (notice.deadlineAt !== undefined) await deadlines.schedule({ runId: notice.runId, approvalId: notice.approvalId, level: notice.level, at: notice.deadlineAt });
    if (notice.level === 0) {
      const data: Record<string, unknown> = { approvalId: notice.approvalId, task: notice.taskName, title: notice.title, level: 0, approvers: notice.approvers, quorum: notice.quorum, notify: notice.notify.length };
      if (notice.deadlineAt !== undefined) data.deadlineAt = new Date(notice.deadlineAt).toISOString();
      // One `requested` entry per approval, however often its notice is delivered (a redelivery,
      // a notice sent again after a transport loss): the key makes the runner log it once.
      await audit(notice.runId, [{ type: ApprovalEventTypes.requested, data, key: `approval:${notice.approvalId}:requested` }]);
    }
    handled.inc({ level: String(notice.level) });
    await deliverNotifications(notice, options, deps.secrets, async (attempt) => {
      notified.inc({ outcome: attempt.ok ? 'ok' : attempt.refused ? 'refused' : 'failed' });
      if (!attempt.ok) log.warn({ target: attempt.target, host: attempt.host, attempt: attempt.attempt, status: attempt.status, error: attempt.error }, 'notification failed');
      // Keyed by target and attempt: a notice handled again (its worker died before the ack, or
      // it was sent again after a transport loss) notifies again — at least once — but its audit
      // keeps one entry per target and attempt, as an HTTP call repeated under its key.
      const key = `approval:${notice.approvalId}:notified:${notice.level}:${attempt.target}:${attempt.attempt}`;
      await audit(notice.runId, [{ type: ApprovalEventTypes.notified, data: { approvalId: notice.approvalId, level: notice.level, ...attempt }, key }]);
    }, context.signal);
    if (context.signal.aborted) return 'abandon'; // another worker notifies again
    log.info({ approvers: notice.approvers.length, notify: notice.notify.length }, 'approval request handled');
    return 'ack';
  }

  // No grace period: a stop aborts the notices in hand at once (they are redelivered, and
  // notifications are at least once anyway). An invalid notice is dropped: the approval itself is
  // in Postgres and can still be decided through the API; failing the run would be wrong.
  const shell = createQueueWorker(bus, logger, { ...options, queue: APPROVAL_TASK_QUEUE, shutdownGraceMs: 0 }, {
    name: 'hitl worker',
    schema: NoticeMessage,
    handle,
    onInvalid: 'drop',
    tracer: serviceTracer('hitl-worker'),
  });

  async function pollDeadlines(signal: AbortSignal): Promise<void> {
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

  return {
    inFlight: shell.inFlight,
    async start() {
      if (deadlineLoop) return;
      abort = new AbortController();
      await shell.start();
      deadlineLoop = pollDeadlines(abort.signal);
      logger.info({ consumer: options.consumerName, links: options.secret !== undefined }, 'hitl worker started');
    },
    async stop() {
      abort.abort();
      await Promise.allSettled([shell.stop(), deadlineLoop]);
      deadlineLoop = undefined;
    },
  };
}
