// Runner messages are checked at the queue boundary: a malformed message is dropped (and
// logged), never allowed to fail a whole batch over and over.
import { z } from 'zod';
import type { RunnerMessage } from '@baton/core';

const workflowError = z.looseObject({ type: z.string(), status: z.number() });
const cloudEvent = z.looseObject({ specversion: z.literal('1.0'), id: z.string(), source: z.string(), type: z.string() });

const runnerMessage = z.union([
  z.object({ type: z.literal('start'), runId: z.string() }),
  z.object({ type: z.literal('result'), runId: z.string(), attemptId: z.string(), status: z.literal('completed'), output: z.unknown() }),
  z.object({ type: z.literal('result'), runId: z.string(), attemptId: z.string(), status: z.literal('failed'), error: workflowError }),
  z.object({ type: z.literal('timer'), runId: z.string(), timerId: z.string() }),
  z.object({ type: z.literal('cancel'), runId: z.string(), reason: z.string().optional() }),
  z.object({ type: z.literal('event'), runId: z.string(), listenId: z.string(), event: cloudEvent }),
  z.object({ type: z.literal('events'), runId: z.string(), events: z.array(z.object({ type: z.string().regex(/^dev\.baton\./, 'appended events use Baton\'s own dev.baton.* types'), data: z.record(z.string(), z.unknown()) })).min(1) }),
  z.object({ type: z.literal('approval.deadline'), runId: z.string(), approvalId: z.string(), level: z.number().int().min(0) }),
]);

export function parseRunnerMessage(body: unknown): RunnerMessage | undefined {
  const parsed = runnerMessage.safeParse(body);
  return parsed.success ? (parsed.data as RunnerMessage) : undefined;
}
