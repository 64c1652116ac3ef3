// Tasks that finish inside one step or wait for one timer: set, switch, raise, wait, emit.
import type { WorkflowError } from '../../errors.ts';
import { ErrorTypes } from '../../errors.ts';
import { parseDuration } from '../duration.ts';
import { configurationFault, Fault } from '../fault.ts';
import { iso } from '../lifecycle.ts';
import type { TaskHandler } from '../run.ts';
import type { CloudEvent } from '../types.ts';

export const setTask: TaskHandler = {
  start(run, f, task) {
    if (task.spec.type !== 'set') return;
    run.complete(f, run.evaluate(f, task.spec.value, run.frame(f).in));
  },
};

/** The first case whose `when` holds decides the directive; the default case only when none does. */
export const switchTask: TaskHandler = {
  start(run, f, task) {
    if (task.spec.type !== 'switch') return;
    const input = run.frame(f).in;
    let fallback: string | undefined;
    let hasDefault = false;
    for (const entry of task.spec.cases) {
      if (entry.when === undefined) {
        hasDefault = true;
        fallback = entry.then;
      } else if (run.condition(f, entry.when, input)) {
        return run.complete(f, input, entry.then ?? 'continue');
      }
    }
    run.complete(f, input, hasDefault ? (fallback ?? 'continue') : undefined);
  },
};

export const raiseTask: TaskHandler = {
  start(run, f, task) {
    if (task.spec.type !== 'raise') return;
    const value = run.evaluate(f, task.spec.error, run.frame(f).in) as Record<string, unknown>;
    const status = Number(value.status);
    if (typeof value.type !== 'string' || !Number.isInteger(status)) {
      throw configurationFault('a raised error needs a type (string) and a status (integer)', task.ref);
    }
    const error: WorkflowError = { ...value, type: value.type, status, instance: typeof value.instance === 'string' ? value.instance : task.ref };
    run.fail(f, error);
  },
};

/** `wait`: a timer; the task's output is its input. */
export const waitTask: TaskHandler = {
  start(run, f, task) {
    if (task.spec.type !== 'wait') return;
    let ms = task.spec.ms;
    if (ms === undefined) {
      const value = run.evaluate(f, { k: 'expr', e: task.spec.expr! }, run.frame(f).in);
      try {
        ms = parseDuration(value);
      } catch (error) {
        throw new Fault({ type: ErrorTypes.expression, status: 400, title: 'Expression Error', detail: (error as Error).message, instance: task.ref });
      }
    }
    run.update(f, { e: run.timer(f, 'timer', ms) });
  },
  outcome(run, f, _task, wait, outcome) {
    if (wait.k === 'timer' && outcome.type === 'timer.fired') run.complete(f, run.frame(f).in);
  },
};

/**
 * `emit`: a full CloudEvent — `specversion`, a deterministic `id` and `time` filled in unless
 * given, `datacontenttype` application/json for data — and the task's raw output is that event,
 * as the spec's conformance scenarios check (output properties id, specversion, time, source,
 * type, data).
 */
export const emitTask: TaskHandler = {
  start(run, f, task) {
    if (task.spec.type !== 'emit') return;
    const input = run.frame(f).in;
    const attributes = run.evaluate(f, task.spec.event, input) as Record<string, unknown>;
    if (typeof attributes.source !== 'string' || typeof attributes.type !== 'string') {
      throw configurationFault('an emitted event needs a source and a type (strings)', task.ref);
    }
    const event: CloudEvent = {
      ...attributes,
      specversion: '1.0',
      id: typeof attributes.id === 'string' ? attributes.id : `${run.env.runId}:${run.nextId('e')}`,
      source: attributes.source,
      type: attributes.type,
      time: typeof attributes.time === 'string' ? attributes.time : iso(run.env.now),
    };
    if (event.data !== undefined && event.datacontenttype === undefined) event.datacontenttype = 'application/json';
    run.checkValue(event, 'the emitted event', task.ref);
    run.effects.push({ kind: 'emit', event });
    run.complete(f, event);
  },
};
