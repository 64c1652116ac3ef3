// The span of one task attempt in the worker that executes it (http-worker, agent-runner,
// hitl-worker): `task <name>`, child of the run's span named by the message's `traceparent`,
// from the moment the shell starts the handler to its outcome. No traceparent (tracing off in the
// runner, a message from before) or no tracer: nothing is recorded.
import type { Tracer } from '@baton/tracing';
import type { TaskOutcome } from './queue-worker.ts';

export interface AttemptSpan {
  traceparent: string;
  /** An outcome, or what the handler threw. Idempotent. */
  finish(outcome: TaskOutcome | unknown): void;
}

const NONE: AttemptSpan = { traceparent: '', finish: () => undefined };

export function attemptSpan(tracer: Tracer | undefined, body: unknown, deliveries: number): AttemptSpan {
  if (!tracer?.enabled || typeof body !== 'object' || body === null) return NONE;
  const message = body as Record<string, unknown>;
  if (typeof message.traceparent !== 'string') return NONE;
  const text = (key: string) => (typeof message[key] === 'string' ? (message[key] as string) : undefined);
  // Task messages name their task in `name`; approval notices in `taskName`.
  const name = text('name') ?? text('taskName');
  const span = tracer.startSpan(`task ${name ?? text('reference') ?? 'task'}`, {
    parent: message.traceparent,
    kind: 'consumer',
    attributes: {
      'baton.run.id': text('runId'),
      'baton.attempt.id': text('attemptId'),
      'baton.task.name': name,
      'baton.approval.id': text('approvalId'),
      'baton.task.reference': text('reference'),
      'baton.task.kind': text('kind'),
      'baton.namespace': text('namespace'),
      'messaging.message.delivery_count': deliveries,
    },
  });
  let done = false;
  return {
    traceparent: span.traceparent,
    finish(outcome) {
      if (done) return;
      done = true;
      if (outcome === 'abandon') {
        span.setAttributes({ 'baton.task.outcome': 'abandoned' });
      } else if (outcome === 'ack') {
        span.setAttributes({ 'baton.task.outcome': 'acked' });
      } else if (isResult(outcome)) {
        const result = outcome.result;
        span.setAttributes({ 'baton.task.outcome': result.type === 'result' ? result.status : result.type });
        if (result.type === 'result' && result.status === 'failed') span.fail(`${result.error.title}${result.error.detail ? `: ${result.error.detail}` : ''}`);
      } else {
        span.fail(outcome instanceof Error ? outcome.message : String(outcome));
      }
      span.end();
    },
  };
}

function isResult(outcome: unknown): outcome is Extract<TaskOutcome, { result: unknown }> {
  return typeof outcome === 'object' && outcome !== null && 'result' in outcome;
}
