// A test driver for the interpreter: it plays the runtime. decide() runs in a loop on a virtual
// clock; task and child-workflow effects are answered by a script, timers fire in time order,
// posted CloudEvents reach the listens they match, a `continue` is delivered after whatever is
// already due (as through a queue). Every state is round-tripped through JSON, as the runtime
// stores it, and Env.eventsSoFar is the length of the log, as the runtime passes it.
import { parse } from 'yaml';
import { compileWorkflow, decide, matchEvent } from '../../src/interpreter/index.ts';
import type { CloudEvent, CompiledWorkflow, Decision, Effect, Env, EventDraft, EventFilter, Input, RunState, WorkflowDocument } from '../../src/interpreter/index.ts';
import type { WorkflowError } from '../../src/errors.ts';

export const T0 = Date.UTC(2026, 0, 1);

export type TaskEffect = Extract<Effect, { kind: 'task' }>;
export type WorkflowEffect = Extract<Effect, { kind: 'workflow' }>;

/** How the script answers a task: its output or its error, after a delay (ms of virtual time). */
export type Answer = { output: unknown; after?: number } | { error: WorkflowError; after?: number } | 'never';

export interface Script {
  answer?: (effect: TaskEffect | WorkflowEffect, attempt: number) => Answer | undefined;
  /** CloudEvents posted at a virtual time (ms after start). */
  events?: Array<{ at: number; event: Partial<CloudEvent> & { type: string } }>;
  /** Cancel the run at this virtual time. */
  cancelAt?: number;
  /** Extra inputs to deliver at a time (e.g. a duplicate outcome). */
  inject?: Array<{ at: number; input: (log: RunLog) => Input }>;
  env?: Partial<Env>;
  maxSteps?: number;
}

export interface RunLog {
  state: RunState;
  decisions: Decision[];
  effects: Effect[];
  events: EventDraft[];
  emitted: CloudEvent[];
  tasks: Array<TaskEffect | WorkflowEffect>;
  now: number;
}

interface Scheduled {
  at: number;
  seq: number;
  id?: string;
  make: () => Input | undefined;
}

export function compile(source: string | WorkflowDocument): CompiledWorkflow {
  return compileWorkflow(typeof source === 'string' ? (parse(source) as WorkflowDocument) : source);
}

export function runScenario(workflow: CompiledWorkflow | string, input: unknown, script: Script = {}): RunLog {
  const wf = typeof workflow === 'string' ? compile(workflow) : workflow;
  const log: RunLog = { state: { status: 'pending' }, decisions: [], effects: [], events: [], emitted: [], tasks: [], now: T0 };
  const queue: Scheduled[] = [];
  const listens = new Map<string, EventFilter[]>();
  const attempts = new Map<string, number>();
  let seq = 0;
  const schedule = (at: number, make: () => Input | undefined, id?: string) => queue.push({ at, seq: seq++, make, ...(id ? { id } : {}) });
  const unschedule = (id: string) => {
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.id === id) queue.splice(i, 1);
  };

  const apply = (input: Input) => {
    const env: Env = { now: log.now, runId: 'run-1', eventsSoFar: log.events.length, ...script.env };
    const decision = decide(wf, log.state.status === 'pending' && input.type === 'start' ? undefined : log.state, input, env);
    log.decisions.push(decision);
    log.state = JSON.parse(JSON.stringify(decision.state)) as RunState;
    for (const event of decision.events) log.events.push(event); // a spread overflows the stack on long logs
    for (const effect of decision.effects) handle(effect);
  };

  const handle = (effect: Effect) => {
    log.effects.push(effect);
    switch (effect.kind) {
      case 'task':
      case 'workflow': {
        log.tasks.push(effect);
        const key = effect.reference;
        const attempt = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, attempt);
        const answer = script.answer?.(effect, attempt);
        if (answer === undefined || answer === 'never' || (effect.kind === 'workflow' && !effect.await)) return;
        const make = (): Input => ('error' in answer ? { type: 'task.failed', effectId: effect.id, error: answer.error } : { type: 'task.completed', effectId: effect.id, output: answer.output });
        schedule(log.now + (answer.after ?? 0), make, effect.id);
        return;
      }
      case 'timer':
        return schedule(effect.fireAt, () => ({ type: 'timer.fired', timerId: effect.id }), effect.id);
      case 'cancelTimer':
      case 'cancelTask':
        return unschedule(effect.id);
      case 'listen':
        listens.set(effect.id, effect.filters);
        return;
      case 'unlisten':
        listens.delete(effect.id);
        return;
      case 'emit':
        log.emitted.push(effect.event);
        return;
      case 'continue':
        return schedule(log.now, () => ({ type: 'continue', id: effect.id }), effect.id);
    }
  };

  for (const posted of script.events ?? []) {
    schedule(T0 + posted.at, () => {
      const event: CloudEvent = { specversion: '1.0', id: `ev-${posted.at}`, source: 'test', ...posted.event };
      for (const [id, filters] of listens) {
        if (filters.some((filter) => matchEvent(filter, event))) return { type: 'event.received', listenId: id, event };
      }
      return undefined;
    });
  }
  if (script.cancelAt !== undefined) schedule(T0 + script.cancelAt, () => ({ type: 'cancel', reason: 'test' }));
  for (const extra of script.inject ?? []) schedule(T0 + extra.at, () => extra.input(log));

  apply({ type: 'start', input });
  const maxSteps = script.maxSteps ?? 10_000;
  for (let step = 0; step < maxSteps && !['completed', 'faulted', 'cancelled'].includes(log.state.status) && queue.length > 0; step++) {
    queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = queue.shift()!;
    log.now = Math.max(log.now, next.at);
    const input = next.make();
    if (input) apply(input);
  }
  return log;
}

export function eventTypes(log: RunLog): string[] {
  return log.events.map((e) => e.type.replace('io.serverlessworkflow.', '').replace('.v1', ''));
}
