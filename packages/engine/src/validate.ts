// Runner messages are checked at the queue boundary: a malformed message is dropped (and
// logged), never allowed to fail a whole batch over and over.
import { z } from 'zod';
import type { RunnerMessage } from '@baton/core';

const workflowError = z.looseObject({ type: z.string(), status: z.number() });
const cloudEvent = z.looseObject({ specversion: z.literal('1.0'), id: z.string(), source: z.string(), type: z.string() });
const runId = z.string().min(1);
/** Set on messages relayed from an outbox row (their deduplication). */
const outboxId = z.string().min(1).optional();
const eventDraft = z.object({
  type: z.string().regex(/^dev\.baton\./, "appended events use Baton's own dev.baton.* types"),
  data: z.record(z.string(), z.unknown()),
  key: z.string().min(1).max(500).optional(),
});

const fedBackInput = z.union([
  z.object({ type: z.literal('task.completed'), effectId: z.string(), output: z.unknown() }),
  z.object({ type: z.literal('task.failed'), effectId: z.string(), error: workflowError }),
  z.object({ type: z.literal('timer.fired'), timerId: z.string() }),
]);
const replayedFrom = z.object({ reference: z.string(), from: z.object({ runId: z.string(), attemptId: z.string().optional() }) });

const runnerMessage = z.union([
  z.object({ type: z.literal('start'), runId, outboxId }),
  z.object({ type: z.literal('result'), runId, outboxId, attemptId: z.string(), status: z.literal('completed'), output: z.unknown(), events: z.array(eventDraft).min(1).optional() }),
  z.object({ type: z.literal('result'), runId, outboxId, attemptId: z.string(), status: z.literal('failed'), error: workflowError, events: z.array(eventDraft).min(1).optional() }),
  z.object({ type: z.literal('timer'), runId, outboxId, timerId: z.string() }),
  z.object({ type: z.literal('cancel'), runId, outboxId, reason: z.string().optional() }),
  z.object({ type: z.literal('suspend'), runId, outboxId, reason: z.string().optional() }),
  z.object({ type: z.literal('resume'), runId, outboxId, reason: z.string().optional() }),
  z.object({ type: z.literal('event'), runId, outboxId, listenId: z.string(), event: cloudEvent }),
  z.object({ type: z.literal('events'), runId, outboxId, events: z.array(eventDraft).min(1) }),
  z.object({ type: z.literal('approval.deadline'), runId, outboxId, approvalId: z.string(), level: z.number().int().min(0) }),
  z.object({ type: z.literal('continue'), runId, outboxId, id: z.string().optional() }),
  // Written by a runner only, always through the outbox: its row makes it applied once.
  z.object({ type: z.literal('feedback'), runId, outboxId: z.string().min(1), input: fedBackInput, attemptId: z.string().optional(), replayed: replayedFrom.optional() }),
  z.object({ type: z.literal('deferred'), runId, outboxId, attemptId: z.string(), until: z.number().finite(), limit: z.string(), deferral: z.number().int().min(0), reserved: z.array(z.string()), task: z.string() }),
]);

export function parseRunnerMessage(body: unknown): RunnerMessage | undefined {
  const parsed = runnerMessage.safeParse(body);
  if (!parsed.success) return undefined;
  // zod leaves optional keys it did not see absent; drop an explicit undefined too.
  const message = parsed.data as RunnerMessage;
  if (message.outboxId === undefined) delete message.outboxId;
  if (message.type === 'result' && message.events === undefined) delete message.events;
  return message;
}
