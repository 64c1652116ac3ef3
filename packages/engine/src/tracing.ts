// The runner's part of a run's trace (@baton/tracing): it stamps every task message it sends to a
// worker queue with the run span's traceparent (first dispatch, sweeper re-dispatch and epoch
// repair all go through its bus), and after each committed batch it records, per run, the batch's
// decisions (`decide <ns>/<name>`), the tasks it ran inline (`task <name>`: set, switch, …, started
// and ended in that batch) and, when the run ended, the run's own span (`run <ns>/<name>`, from its
// creation, with the id every process derives). Only built when tracing is on.
import { Queues, type Bus, type PublishedEvent, type Store } from '@baton/core';
import { LifecycleTypes } from '@baton/core/interpreter';
import { formatTraceparent, rootRunId, runTrace, type Tracer } from '@baton/tracing';
import type { Logger } from 'pino';
import type { BatchOutcome } from './apply.ts';

export interface RunTracing {
  /** `bus`, with task messages stamped with their run's traceparent on the way to a worker queue. */
  wrap(bus: Bus): Bus;
  /** Called with each committed batch, before its relay (it learns the new runs' callers first). */
  observe(outcome: BatchOutcome, committedAt: number): void;
}

/** Top-level runs whose caller (trigger.traceparent, or none) this runner remembers. */
const CALLERS_KEPT = 10_000;
const TASK_QUEUE_PREFIX = Queues.tasks('http').replace(/http$/, '');
const ENDED = new Set<string>([LifecycleTypes.workflowCompleted, LifecycleTypes.workflowFaulted, LifecycleTypes.workflowCancelled]);

export function createRunTracing(tracer: Tracer, store: Store, logger: Logger): RunTracing | undefined {
  if (!tracer.enabled) return undefined;
  const callers = new Map<string, Promise<string | undefined>>();

  /** The traceparent the top-level run of `runId` was started with (its trigger), if any. */
  function callerOf(runId: string): Promise<string | undefined> {
    const root = rootRunId(runId);
    let caller = callers.get(root);
    if (!caller) {
      caller = store.getRun(root).then((run) => traceparentOf(run?.trigger), () => undefined);
      remember(root, caller);
    }
    return caller;
  }

  function remember(root: string, caller: Promise<string | undefined>): void {
    callers.delete(root);
    callers.set(root, caller);
    if (callers.size > CALLERS_KEPT) callers.delete(callers.keys().next().value!);
  }

  async function stamp(bodies: readonly unknown[]): Promise<unknown[]> {
    return Promise.all(
      bodies.map(async (body) => {
        const message = body as { runId?: unknown; traceparent?: unknown };
        if (typeof message?.runId !== 'string' || typeof message.traceparent === 'string') return body;
        return { ...message, traceparent: formatTraceparent(runTrace(message.runId, await callerOf(message.runId)).span) };
      }),
    );
  }

  async function record(runId: string, events: PublishedEvent[], committedAt: number): Promise<void> {
    const trace = runTrace(runId, await callerOf(runId));
    const parent = formatTraceparent(trace.span);
    const first = events[0]!;
    const workflow = `${first.namespace}/${first.name}`;
    const started = Math.min(...events.map((e) => Date.parse(e.time)));
    const decision = tracer.startSpan(`decide ${workflow}`, {
      parent,
      startTime: started,
      attributes: { 'baton.run.id': runId, 'baton.workflow': workflow, 'baton.workflow.version': first.version, 'baton.events': events.length, 'baton.event.types': [...new Set(events.map((e) => shortType(e.type)))] },
    });
    decision.end(Math.max(committedAt, started));
    for (const task of inlineTasks(events)) {
      const span = tracer.startSpan(`task ${task.name}`, { parent, startTime: task.start, attributes: { 'baton.run.id': runId, 'baton.task.name': task.name, 'baton.task.reference': task.reference, 'baton.task.inline': true } });
      if (task.error) span.fail(task.error);
      span.end(task.end);
    }
    const ended = events.find((e) => ENDED.has(e.type));
    if (ended) await recordRun(runId, trace, ended);
  }

  async function recordRun(runId: string, trace: ReturnType<typeof runTrace>, ended: PublishedEvent): Promise<void> {
    const run = await store.getRun(runId);
    if (!run) return;
    const workflow = `${run.namespace}/${run.name}`;
    const span = tracer.startSpan(`run ${workflow}`, {
      ...(trace.parent && { parent: formatTraceparent(trace.parent) }),
      ids: { traceId: trace.traceId, spanId: trace.span.spanId },
      startTime: Date.parse(run.createdAt),
      attributes: { 'baton.run.id': runId, 'baton.workflow': workflow, 'baton.workflow.version': run.version, 'baton.run.status': run.status, 'baton.run.trigger': run.trigger?.kind, 'baton.run.parent': run.parentRunId },
    });
    if (run.status === 'faulted') span.fail(run.error ? `${run.error.title}${run.error.detail ? `: ${run.error.detail}` : ''}` : 'faulted');
    span.end(Date.parse(run.endedAt ?? ended.time));
  }

  return {
    wrap(bus) {
      return {
        enqueue: async (queue, bodies) => bus.enqueue(queue, queue.startsWith(TASK_QUEUE_PREFIX) ? await stamp(bodies) : bodies),
        consume: (queue, consumer, options) => bus.consume(queue, consumer, options),
        ack: (queue, ids) => bus.ack(queue, ids),
        enqueueAndAck: async (to, bodies, queue, ids) => bus.enqueueAndAck(to, to.startsWith(TASK_QUEUE_PREFIX) ? await stamp(bodies) : bodies, queue, ids),
        extend: (queue, consumer, ids) => bus.extend(queue, consumer, ids),
        depth: (queue) => bus.depth(queue),
        inspect: (queue, options) => bus.inspect(queue, options),
        held: (queue, after, limit) => bus.held(queue, after, limit),
        publish: (topic, bodies) => bus.publish(topic, bodies),
        subscribe: (topic, handler, after) => bus.subscribe(topic, handler, after),
        ping: () => bus.ping(),
        epoch: () => bus.epoch(),
        close: () => bus.close(),
      };
    },
    observe(outcome, committedAt) {
      const byRun = new Map<string, PublishedEvent[]>();
      for (const event of outcome.relay.events) {
        const list = byRun.get(event.runId) ?? byRun.set(event.runId, []).get(event.runId)!;
        list.push(event);
        // A top-level run's start names its caller: no need to read the run back.
        if (event.type === LifecycleTypes.workflowStarted && !event.runId.includes('.')) {
          remember(event.runId, Promise.resolve(traceparentOf((event.data as { trigger?: unknown } | null)?.trigger)));
        }
      }
      for (const [runId, events] of byRun) {
        record(runId, events, committedAt).catch((error: unknown) => logger.debug({ err: error, runId }, 'could not record the spans of a batch'));
      }
    },
  };
}

function traceparentOf(trigger: unknown): string | undefined {
  const value = (trigger as { traceparent?: unknown } | undefined)?.traceparent;
  return typeof value === 'string' ? value : undefined;
}

/** io.serverlessworkflow.task.completed.v1 → task.completed */
function shortType(type: string): string {
  return type.replace(/^io\.serverlessworkflow\./, '').replace(/\.v\d+$/, '');
}

interface InlineTask {
  name: string;
  reference: string;
  start: number;
  end: number;
  error?: string;
}

/** Tasks started and ended within one batch's events: the runner ran them itself. */
function inlineTasks(events: readonly PublishedEvent[]): InlineTask[] {
  const open = new Map<string, { name: string; start: number }[]>();
  const tasks: InlineTask[] = [];
  for (const event of events) {
    const data = event.data as { task?: unknown; name?: unknown; error?: { title?: string; detail?: string } } | null;
    if (typeof data?.task !== 'string') continue;
    const name = typeof data.name === 'string' ? data.name : data.task;
    if (event.type === LifecycleTypes.taskStarted) {
      open.set(data.task, [...(open.get(data.task) ?? []), { name, start: Date.parse(event.time) }]);
    } else if (event.type === LifecycleTypes.taskCompleted || event.type === LifecycleTypes.taskFaulted) {
      const started = open.get(data.task)?.shift();
      if (!started) continue;
      const error = event.type === LifecycleTypes.taskFaulted ? `${data.error?.title ?? 'faulted'}${data.error?.detail ? `: ${data.error.detail}` : ''}` : undefined;
      tasks.push({ name: started.name, reference: data.task, start: started.start, end: Date.parse(event.time), ...(error !== undefined && { error }) });
    }
  }
  return tasks;
}
