// decide(workflow, state, input, env) -> { state, effects, events }: see types.ts for the contract.
import type { CompiledWorkflow } from './compile.ts';
import { Fault } from './fault.ts';
import type { Outcome } from './run.ts';
import { Run, timeoutFault } from './run.ts';
import type { InterpreterState, WaitKind } from './state.ts';
import { handlerFor } from './tasks/index.ts';
import type { Decision, Effect, Env, Input, RunState } from './types.ts';
import { TERMINAL_STATUSES } from './types.ts';
import { cancelWorkflow, faultWorkflow, rootHandler, startWorkflow, timeOutWorkflow } from './workflow.ts';

export function initialState(): InterpreterState {
  return { v: 1, status: 'pending', n: 0, context: {}, frames: {}, waits: {} };
}

const ACCEPTS: Record<Exclude<Input['type'], 'start' | 'cancel' | 'continue'>, readonly WaitKind[]> = {
  'task.completed': ['task', 'approval', 'workflow'],
  'task.failed': ['task', 'approval', 'workflow'],
  'timer.fired': ['timer', 'retry', 'timeout', 'runTimeout'],
  'event.received': ['listen'],
};

export function decide(workflow: CompiledWorkflow, state: RunState | undefined, input: Input, env: Env): Decision {
  const current = (state as InterpreterState | undefined) ?? initialState();
  if (input.type === 'start') {
    if (current.status !== 'pending') return unchanged(current);
    // A pending state may be the runtime's placeholder: a run always starts from a fresh state.
    return settle(withRun(workflow, initialState(), env, (run) => startWorkflow(run, input.input)));
  }
  if (TERMINAL_STATUSES.has(current.status) || current.status === 'pending') return unchanged(current);
  if (input.type === 'cancel') return settle(withRun(workflow, current, env, (run) => cancelWorkflow(run, input.reason)));
  if (input.type === 'continue') {
    if (current.yielded === undefined || (input.id !== undefined && input.id !== current.yielded)) return unchanged(current);
    // The owed continue is here: if this decision yields again, it asks for a new one.
    return settle(withRun(workflow, current, env, (run) => {
      delete run.s.yielded;
    }));
  }

  const id = input.type === 'timer.fired' ? input.timerId : input.type === 'event.received' ? input.listenId : input.effectId;
  const wait = current.waits[id];
  if (wait === undefined || !ACCEPTS[input.type].includes(wait.k) || current.frames[wait.f] === undefined) return unchanged(current);

  return settle(
    withRun(workflow, current, env, (run) => {
      if (wait.k !== 'listen') delete run.s.waits[id];
      if (wait.k === 'runTimeout') return timeOutWorkflow(run);
      const frame = run.frame(wait.f);
      const task = run.task(frame);
      if (wait.k === 'timeout') return run.fail(wait.f, timeoutFault(task.ref, task.timeoutMs ?? 0));
      try {
        handlerFor(task).outcome?.(run, wait.f, task, wait, toOutcome(input));
      } catch (error) {
        if (!(error instanceof Fault)) throw error;
        run.fail(wait.f, error.error);
      }
    }),
  );
}

function toOutcome(input: Input): Outcome {
  switch (input.type) {
    case 'task.completed':
      return { type: input.type, effectId: input.effectId, output: input.output };
    case 'task.failed':
      return { type: input.type, effectId: input.effectId, error: input.error };
    case 'event.received':
      return { type: input.type, event: input.event };
    default:
      return { type: 'timer.fired' };
  }
}

function withRun(workflow: CompiledWorkflow, state: InterpreterState, env: Env, act: (run: Run) => void): Run {
  const run = new Run(workflow, state, env, handlerFor, rootHandler);
  act(run);
  run.drain();
  run.close();
  return run;
}

/**
 * Final status: running while calls or child runs are in flight or a continue is owed, waiting
 * when only timers, listens and approvals remain.
 */
function settle(run: Run): Decision {
  const s = run.s;
  if (!TERMINAL_STATUSES.has(s.status)) {
    const kinds = Object.values(s.waits).map((w) => w.k);
    if (s.yielded !== undefined) {
      s.status = 'running';
    } else if (kinds.length === 0 && Object.keys(s.frames).length > 0) {
      faultWorkflow(run, { type: 'https://serverlessworkflow.io/spec/1.0.0/errors/runtime', status: 500, title: 'Runtime Error', detail: 'the run has tasks in progress but waits for nothing (interpreter bug)', instance: '/' });
    } else {
      s.status = kinds.some((k) => k === 'task' || k === 'workflow') ? 'running' : 'waiting';
    }
  }
  const decision: Decision = { state: s, effects: withoutStillborn(run.effects), events: run.events };
  if (Object.keys(run.usage).length > 0) decision.usage = run.usage;
  return decision;
}

/**
 * Drops effects started and cancelled within the same decision (a timeout timer of a task that
 * finished inline, the branches that lost to an inline winner): the runtime never sees them.
 */
function withoutStillborn(effects: Effect[]): Effect[] {
  const started = new Set<string>();
  const dropped = new Set<string>();
  for (const effect of effects) {
    if (effect.kind === 'task' || effect.kind === 'timer' || effect.kind === 'listen' || (effect.kind === 'workflow' && effect.await)) started.add(effect.id);
    else if ((effect.kind === 'cancelTask' || effect.kind === 'cancelTimer' || effect.kind === 'unlisten') && started.has(effect.id)) dropped.add(effect.id);
  }
  if (dropped.size === 0) return effects;
  return effects.filter((effect) => effect.kind === 'emit' || !dropped.has(effect.id));
}

function unchanged(state: InterpreterState): Decision {
  return { state, effects: [], events: [] };
}
