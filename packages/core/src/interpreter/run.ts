// One decision in progress: a working copy of the state, the effects and events it produces, and
// an agenda of task starts/completions/faults processed in order. The agenda (instead of direct
// recursion) keeps the stack flat however many inline tasks run in one decision.
import type { WorkflowError } from '../errors.ts';
import { ErrorTypes, workflowError } from '../errors.ts';
import type { CompiledTask, CompiledWorkflow } from './compile.ts';
import type { EvalOptions, Expr, Template } from './expressions.ts';
import { evalTemplate } from './expressions.ts';
import { Fault, runtimeFault, validationFault } from './fault.ts';
import { qualifiedName, taskEvent } from './lifecycle.ts';
import { resolverFor } from './scope.ts';
import type { Frame, InterpreterState, Wait, WaitKind } from './state.ts';
import type { CloudEvent, Effect, Env, EventDraft } from './types.ts';
import type { ValidateFunction } from 'ajv';

/** Agenda steps (task starts, completions, faults) one decision may take before the run is faulted as an endless loop. */
export const MAX_INLINE_STEPS = 100_000;

type Message =
  | { t: 'start'; f: string }
  | { t: 'done'; f: string; out: unknown; dir: string | undefined }
  | { t: 'fault'; f: string; err: WorkflowError };

/** What a task type does; `run.ts` owns the data flow around it (if, input, output, export, timeout). */
export interface TaskHandler {
  start(run: Run, f: string, task: CompiledTask): void;
  /** A child frame completed with its transformed output and flow directive. */
  child?(run: Run, f: string, task: CompiledTask, child: Frame, output: unknown, directive: string | undefined): void;
  /** A child frame faulted; default: the error propagates to this task. */
  childFault?(run: Run, f: string, task: CompiledTask, child: Frame, error: WorkflowError): void;
  /** An outcome for one of this frame's pending effects (task result, timer, event). */
  outcome?(run: Run, f: string, task: CompiledTask, wait: Wait, outcome: Outcome): void;
}

export type Outcome =
  | { type: 'task.completed'; effectId: string; output: unknown }
  | { type: 'task.failed'; effectId: string; error: WorkflowError }
  | { type: 'timer.fired' }
  | { type: 'event.received'; event: CloudEvent };

/** The workflow itself: callbacks of the root frame (implemented in workflow.ts). */
export interface RootHandler {
  /** A top-level task completed. */
  child(run: Run, child: Frame, output: unknown, directive: string | undefined): void;
  /** An error reached the workflow: it faults. */
  fault(run: Run, error: WorkflowError): void;
  /** A `then: end` directive: the workflow completes with this output. */
  end(run: Run, output: unknown): void;
}

export class Run {
  readonly s: InterpreterState;
  readonly effects: Effect[] = [];
  readonly events: EventDraft[] = [];
  /** Usage increments of this decision (Decision.usage). */
  readonly usage: Record<string, number> = {};
  readonly workflowName: string;
  private readonly agenda: Message[] = [];
  private head = 0;
  private steps = 0;

  constructor(
    readonly wf: CompiledWorkflow,
    state: InterpreterState,
    readonly env: Env,
    private readonly handlers: (task: CompiledTask) => TaskHandler,
    readonly root: RootHandler,
  ) {
    this.s = { ...state, frames: { ...state.frames }, waits: { ...state.waits } };
    this.workflowName = qualifiedName(wf, env.runId);
  }

  get terminal(): boolean {
    return this.s.status === 'completed' || this.s.status === 'faulted' || this.s.status === 'cancelled';
  }

  nextId(prefix: 'f' | 'e'): string {
    this.s.n += 1;
    return `${prefix}${this.s.n}`;
  }

  frame(f: string): Frame {
    const frame = this.s.frames[f];
    if (frame === undefined) throw new Error(`interpreter bug: frame ${f} does not exist`);
    return frame;
  }

  update(f: string, patch: Partial<Frame>): Frame {
    const frame = { ...this.frame(f), ...patch };
    this.s.frames[f] = frame;
    return frame;
  }

  task(frame: Frame): CompiledTask {
    const task = this.wf.tasks.get(frame.ref);
    if (task === undefined) throw new Error(`interpreter bug: no task at ${frame.ref}`);
    return task;
  }

  addUsage(increments: Record<string, number>): void {
    for (const [key, value] of Object.entries(increments)) if (value !== 0) this.usage[key] = (this.usage[key] ?? 0) + value;
  }

  // ---- effects ---------------------------------------------------------------------------

  /** Emits an effect the frame waits for. */
  wait(f: string, kind: WaitKind, effect: Effect & { id: string }): void {
    this.s.waits[effect.id] = { f, k: kind };
    this.effects.push(effect);
  }

  timer(f: string, kind: WaitKind, delayMs: number): string {
    const id = this.nextId('e');
    this.wait(f, kind, { kind: 'timer', id, fireAt: this.env.now + Math.max(0, delayMs) });
    return id;
  }

  /** Forgets a pending effect and asks the runtime to stop it. */
  cancelWait(id: string): void {
    const wait = this.s.waits[id];
    if (wait === undefined) return;
    delete this.s.waits[id];
    if (wait.k === 'listen') this.effects.push({ kind: 'unlisten', id });
    else if (wait.k === 'task' || wait.k === 'approval' || wait.k === 'workflow') this.effects.push({ kind: 'cancelTask', id });
    else this.effects.push({ kind: 'cancelTimer', id });
  }

  // ---- task lifecycle --------------------------------------------------------------------

  /** Creates a frame for `task` under `parent` with its raw input and schedules its start. */
  startTask(task: CompiledTask, parent: string, rawInput: unknown, extra?: Partial<Frame>): string {
    const f = this.nextId('f');
    this.s.frames[f] = { p: parent, ref: task.ref, in: rawInput, at: this.env.now, ...extra };
    this.agenda.push({ t: 'start', f });
    return f;
  }

  complete(f: string, output: unknown, directive?: string): void {
    this.agenda.push({ t: 'done', f, out: output, dir: directive });
  }

  fail(f: string, error: WorkflowError): void {
    this.agenda.push({ t: 'fault', f, err: error });
  }

  /** Processes the agenda until it is empty or the run ended. */
  drain(): void {
    for (let message = this.agenda[this.head]; message !== undefined; message = this.agenda[++this.head]) {
      if (this.terminal) return;
      if (this.s.frames[message.f] === undefined) continue; // cancelled meanwhile
      if (++this.steps > MAX_INLINE_STEPS) {
        this.root.fault(this, runtimeFault(`more than ${MAX_INLINE_STEPS} tasks ran without waiting for anything; is there an endless loop?`, this.s.frames[message.f]!.ref).error);
        return;
      }
      try {
        if (message.t === 'start') this.begin(message.f);
        else if (message.t === 'done') this.finish(message.f, message.out, message.dir);
        else this.abort(message.f, message.err);
      } catch (error) {
        if (!(error instanceof Fault)) throw error;
        if (message.t === 'fault') this.root.fault(this, error.error);
        else this.fail(message.f, error.error);
      }
    }
    this.agenda.length = 0;
    this.head = 0;
  }

  private begin(f: string): void {
    const frame = this.frame(f);
    const task = this.task(frame);
    const raw = frame.in;
    if (task.if && !this.condition(f, task.if, raw)) {
      delete this.s.frames[f];
      this.notifyParent(frame, raw, 'continue');
      return;
    }
    // created: the task will run (its `if` passed) but has not taken its input yet; an input
    // that fails its schema or `input.from` gives created → faulted, never started. Every frame
    // is created once: a `for` iteration or a retried `try` body runs its tasks in new frames,
    // so each attempt is a new task instance with its own created/started pair, while the `try`
    // itself keeps its frame and emits task.retried (it is neither created nor started again).
    this.events.push(taskEvent('created', this.workflowName, task, this.env.now));
    this.validate(task.inputSchema, raw, task.ref, 'input');
    if (task.inputFrom) this.update(f, { in: this.evaluate(f, task.inputFrom, raw), raw });
    if (task.timeoutMs !== undefined) this.update(f, { x: this.timer(f, 'timeout', task.timeoutMs) });
    this.events.push(taskEvent('started', this.workflowName, task, this.env.now));
    this.handlers(task).start(this, f, task);
  }

  private finish(f: string, rawOutput: unknown, directive: string | undefined): void {
    const frame = this.frame(f);
    const task = this.task(frame);
    let output = rawOutput;
    if (task.outputAs) output = this.evaluate(f, task.outputAs, rawOutput, { rawOutput });
    this.validate(task.outputSchema, output, task.ref, 'output');
    if (task.exportAs) {
      const context = this.evaluate(f, task.exportAs, output, { rawOutput, output });
      this.validate(task.exportSchema, context, task.ref, 'export');
      this.s.context = context;
    }
    this.release(f);
    this.events.push(taskEvent('completed', this.workflowName, task, this.env.now, { output }));
    delete this.s.frames[f];
    this.notifyParent(frame, output, directive ?? task.then);
  }

  private abort(f: string, error: WorkflowError): void {
    const frame = this.frame(f);
    const task = this.task(frame);
    this.cancelDescendants(f);
    this.release(f);
    this.events.push(taskEvent('faulted', this.workflowName, task, this.env.now, { error }));
    delete this.s.frames[f];
    if (frame.p === undefined || this.s.frames[frame.p] === undefined) return;
    const parent = this.s.frames[frame.p]!;
    if (parent.ref === '') return this.root.fault(this, error);
    const parentTask = this.task(parent);
    const handler = this.handlers(parentTask);
    if (!handler.childFault) return this.fail(frame.p, error);
    try {
      handler.childFault(this, frame.p, parentTask, frame, error);
    } catch (failure) {
      if (!(failure instanceof Fault)) throw failure;
      this.fail(frame.p, failure.error); // e.g. a catch.when that cannot be evaluated
    }
  }

  /** Hands a child's result to its parent; an error there faults the parent. */
  private notifyParent(child: Frame, output: unknown, directive: string | undefined): void {
    const parent = child.p === undefined ? undefined : this.s.frames[child.p];
    if (parent === undefined) return;
    try {
      if (parent.ref === '') return this.root.child(this, child, output, directive);
      const parentTask = this.task(parent);
      this.handlers(parentTask).child?.(this, child.p!, parentTask, child, output, directive);
    } catch (error) {
      if (!(error instanceof Fault)) throw error;
      if (parent.ref === '') this.root.fault(this, error.error);
      else this.fail(child.p!, error.error);
    }
  }

  /** Drops every effect the frame itself still waits for (its timeout timer included). */
  private release(f: string): void {
    for (const [id, wait] of Object.entries(this.s.waits)) if (wait.f === f) this.cancelWait(id);
  }

  /** Cancels the frames under `f` (not `f` itself): their effects stop, task.cancelled is emitted. */
  cancelDescendants(f: string): void {
    const doomed = this.descendants(f);
    if (doomed.size === 0) return;
    for (const [id, wait] of Object.entries(this.s.waits)) if (doomed.has(wait.f)) this.cancelWait(id);
    for (const id of doomed) {
      const frame = this.s.frames[id]!;
      this.events.push(taskEvent('cancelled', this.workflowName, this.task(frame), this.env.now));
      delete this.s.frames[id];
    }
  }

  /** Cancels `f` and everything under it, e.g. a fork branch that lost the race. */
  cancelFrame(f: string): void {
    this.cancelDescendants(f);
    this.release(f);
    const frame = this.s.frames[f];
    if (frame === undefined) return;
    if (frame.ref !== '') this.events.push(taskEvent('cancelled', this.workflowName, this.task(frame), this.env.now));
    delete this.s.frames[f];
  }

  private descendants(f: string): Set<string> {
    const result = new Set<string>();
    let grew = true;
    while (grew) {
      grew = false;
      for (const [id, frame] of Object.entries(this.s.frames)) {
        if (!result.has(id) && frame.p !== undefined && (frame.p === f || result.has(frame.p))) {
          result.add(id);
          grew = true;
        }
      }
    }
    return result;
  }

  // ---- expressions -----------------------------------------------------------------------

  options(f: string, defer?: boolean): EvalOptions {
    const frame = this.s.frames[f];
    const options: EvalOptions = { instance: frame?.ref || '/', ...(this.env.jqTimeoutMs !== undefined ? { timeoutMs: this.env.jqTimeoutMs } : {}) };
    if (defer) options.defer = { input: frame?.in, context: this.s.context };
    return options;
  }

  /** Evaluates a template in the scope of frame `f` (`.` is `data`). */
  evaluate(f: string, template: Template, data: unknown, extra?: { rawOutput?: unknown; output?: unknown; vars?: Record<string, unknown> }, defer?: boolean): unknown {
    return evalTemplate(template, data, resolverFor(this, f, extra), this.options(f, defer));
  }

  condition(f: string, expr: Expr, data: unknown, vars?: Record<string, unknown>): boolean {
    const value = this.evaluate(f, { k: 'expr', e: expr }, data, vars ? { vars } : undefined);
    return value !== false && value !== null;
  }

  validate(validator: ValidateFunction | undefined, value: unknown, instance: string, what: string): void {
    if (validator === undefined || validator(value)) return;
    const detail = (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
    throw validationFault(`${what} does not match its schema: ${detail}`, instance || '/');
  }
}

export function timeoutFault(instance: string, ms: number): WorkflowError {
  return workflowError(ErrorTypes.timeout, 408, `timed out after ${ms} ms`, instance, 'Timeout');
}
