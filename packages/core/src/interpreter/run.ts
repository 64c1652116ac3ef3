// One decision in progress: a working copy of the state, the effects and events it produces, and
// an agenda of task starts/completions/faults processed in order. The agenda (instead of direct
// recursion) keeps the stack flat however many inline tasks run in one decision, and lets a
// decision stop after `stepsPerDecision` steps: the rest of the agenda is saved in the state and
// the run asks for a `continue` (a yield), so one run never holds the runner for long.
import type { WorkflowError } from '../errors.ts';
import { ErrorTypes, workflowError } from '../errors.ts';
import type { CompiledTask, CompiledWorkflow } from './compile.ts';
import type { EvalOptions, Expr, Template } from './expressions.ts';
import { evalTemplate } from './expressions.ts';
import { Fault, validationFault } from './fault.ts';
import { qualifiedName, taskEvent } from './lifecycle.ts';
import type { LimitName, Limits } from './limits.ts';
import { formatLimit, jsonSize, limitError, measureJson, resolveLimits } from './limits.ts';
import { resolverFor } from './scope.ts';
import { valueErrorsText } from './value-errors.ts';
import type { AgendaMessage, Frame, InterpreterState, Wait, WaitKind } from './state.ts';
import type { CloudEvent, Effect, Env, EventDraft } from './types.ts';
import type { ValidateFunction } from 'ajv';

type WorkflowEffect = Extract<Effect, { kind: 'workflow' }>;

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
  readonly limits: Limits;
  private readonly agenda: AgendaMessage[];
  private head = 0;
  /** Frames whose start is still on the agenda: never created, so never reported cancelled. */
  private readonly unstarted = new Set<string>();
  /** Consumption of this decision, and of the run before it (state.counts, Env.eventsSoFar). */
  private steps = 0;
  private childRuns = 0;
  /** Env.clock when the decision began (it yields decisionMs later). */
  private readonly startedAt: number | undefined;
  private readonly before: { steps: number; events: number; runs: number };

  constructor(
    readonly wf: CompiledWorkflow,
    state: InterpreterState,
    readonly env: Env,
    private readonly handlers: (task: CompiledTask) => TaskHandler,
    readonly root: RootHandler,
  ) {
    this.s = { ...state, frames: { ...state.frames }, waits: { ...state.waits } };
    delete this.s.agenda;
    // The agenda a yielded decision left comes first: its steps happened before this input.
    this.agenda = state.agenda ? [...state.agenda] : [];
    for (const message of this.agenda) if (message.t === 'start') this.unstarted.add(message.f);
    this.workflowName = qualifiedName(wf, env.runId);
    this.limits = resolveLimits(env.limits);
    this.startedAt = env.clock?.();
    const counts = state.counts ?? { steps: 0, events: 0, runs: 0 };
    this.before = { ...counts, events: Math.max(counts.events, env.eventsSoFar ?? 0) };
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
    const ref = this.s.frames[f]?.ref;
    this.wait(f, kind, { kind: 'timer', id, fireAt: this.env.now + Math.max(0, delayMs), ...(ref && { reference: ref }), ...(isTimerWait(kind) && { wait: kind }) });
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
    this.unstarted.add(f);
    return f;
  }

  complete(f: string, output: unknown, directive?: string): void {
    this.agenda.push({ t: 'done', f, out: output, dir: directive });
  }

  fail(f: string, error: WorkflowError): void {
    this.agenda.push({ t: 'fault', f, err: error });
  }

  /**
   * Processes the agenda until it is empty, the run ended, or the decision's step budget is spent
   * (then `close` saves the rest). The run-wide limits are checked before every step.
   */
  drain(): void {
    for (let message = this.agenda[this.head]; message !== undefined; message = this.agenda[++this.head]) {
      if (this.terminal) return;
      if (this.s.frames[message.f] === undefined) continue; // cancelled meanwhile
      if (this.steps >= this.limits.stepsPerDecision || this.overTime()) return; // yield
      if (this.overRunLimits(this.s.frames[message.f]!.ref || '/')) return;
      this.steps += 1;
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

  /**
   * Ends the decision: saves what is left of the agenda and asks for a `continue` if none is owed
   * yet, checks the limits measured on the whole state, and records what the run consumed.
   */
  close(): void {
    const rest = this.terminal ? [] : this.agenda.slice(this.head);
    if (rest.length > 0) this.s.agenda = rest;
    if (!this.terminal && !this.overRunLimits('/')) this.checkStateSize();
    if (this.terminal || rest.length === 0) {
      delete this.s.agenda;
      delete this.s.yielded;
    } else if (this.s.yielded === undefined) {
      this.s.yielded = this.nextId('e');
      this.effects.push({ kind: 'continue', id: this.s.yielded });
    }
    const { steps, events, runs } = this.before;
    this.s.counts = { steps: steps + this.steps, events: events + this.events.length, runs: runs + this.childRuns };
  }

  // ---- limits ----------------------------------------------------------------------------

  /** A limit error naming this run's namespace in its advice. */
  limitFault(name: LimitName, detail: string, instance: string): Fault {
    return new Fault(limitError(name, this.limits[name], detail, instance, this.wf.definition.namespace));
  }

  /** Throws (faulting the task at hand) when `value` is larger than `valueBytes` as JSON, or nested deeper than `valueDepth`. */
  checkValue(value: unknown, what: string, instance: string): void {
    const max = this.limits.valueBytes;
    const measure = measureJson(value, max);
    if (measure.size > max) throw this.limitFault('valueBytes', `${what} is larger than ${formatLimit('valueBytes', max)} as JSON`, instance);
    const depth = this.limits.valueDepth;
    if (measure.depth > depth) throw this.limitFault('valueDepth', `${what} is nested more than ${depth} levels deep`, instance);
  }

  /** Faults the run when it took its last step or wrote its last event. */
  private overRunLimits(instance: string): boolean {
    const steps = this.before.steps + this.steps;
    const events = this.before.events + this.events.length;
    let error: WorkflowError | undefined;
    if (steps >= this.limits.stepsPerRun) {
      error = this.limitFault('stepsPerRun', `the run took ${steps.toLocaleString('en-US')} steps (task starts, completions and faults); is there an endless loop?`, instance).error;
    } else if (events >= this.limits.eventsPerRun) {
      error = this.limitFault('eventsPerRun', `the run wrote ${events.toLocaleString('en-US')} events; is there an endless loop? (a long series of work belongs in child runs)`, instance).error;
    }
    if (error) this.root.fault(this, error);
    return error !== undefined;
  }

  /** The state is measured after the decision, its saved agenda included: what the runtime stores. */
  private checkStateSize(): void {
    const max = this.limits.stateBytes;
    if (jsonSize(this.s, max, false) <= max) return;
    const detail = `the run's state (inputs of the tasks in progress, $context, fork outputs, listened events, agent conversations) is larger than ${formatLimit('stateBytes', max)} as JSON`;
    this.root.fault(this, this.limitFault('stateBytes', detail, '/').error);
  }

  /** Starts a child run (`run: workflow`, an agent's workflow tool) within the depth and count limits. */
  startChild(f: string, effect: WorkflowEffect): void {
    const depth = this.env.depth ?? 0;
    if (depth >= this.limits.subflowDepth) {
      throw this.limitFault('subflowDepth', `this run is nested ${depth} levels deep (a child run of a child run …) and cannot start another child run`, effect.reference);
    }
    const runs = this.before.runs + this.childRuns;
    if (runs >= this.limits.childRunsPerRun) throw this.limitFault('childRunsPerRun', `this run started ${runs.toLocaleString('en-US')} child runs already`, effect.reference);
    this.checkValue(effect.input, 'the input of the child run', effect.reference);
    this.childRuns += 1;
    if (effect.await) this.wait(f, 'workflow', effect);
    else this.effects.push(effect);
  }

  // ---- task lifecycle, continued -----------------------------------------------------------

  private begin(f: string): void {
    this.unstarted.delete(f);
    // $task.startedAt is when the task begins, which a yield may put in a later decision than the frame's creation.
    const frame = this.frame(f).at === this.env.now ? this.frame(f) : this.update(f, { at: this.env.now });
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
    if (task.inputFrom) {
      const input = this.evaluate(f, task.inputFrom, raw);
      this.checkValue(input, 'the input of this task after input.from', task.ref);
      this.update(f, { in: input, raw });
    }
    if (task.timeoutMs !== undefined) this.update(f, { x: this.timer(f, 'timeout', task.timeoutMs) });
    this.events.push(taskEvent('started', this.workflowName, task, this.env.now));
    this.handlers(task).start(this, f, task);
  }

  private finish(f: string, rawOutput: unknown, directive: string | undefined): void {
    const frame = this.frame(f);
    const task = this.task(frame);
    let output = rawOutput;
    if (task.outputAs) output = this.evaluate(f, task.outputAs, rawOutput, { rawOutput });
    this.checkValue(output, task.outputAs ? 'the output of this task after output.as' : 'the output of this task', task.ref);
    this.validate(task.outputSchema, output, task.ref, 'output');
    if (task.exportAs) {
      const context = this.evaluate(f, task.exportAs, output, { rawOutput, output });
      this.checkValue(context, '$context after export.as', task.ref);
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
      this.cancelled(id, this.s.frames[id]!);
      delete this.s.frames[id];
    }
  }

  /** task.cancelled for a frame that was created (a frame whose start is still on the agenda was not). */
  cancelled(id: string, frame: Frame): void {
    if (frame.ref !== '' && !this.unstarted.has(id)) this.events.push(taskEvent('cancelled', this.workflowName, this.task(frame), this.env.now));
  }

  /** Cancels `f` and everything under it, e.g. a fork branch that lost the race. */
  cancelFrame(f: string): void {
    this.cancelDescendants(f);
    this.release(f);
    const frame = this.s.frames[f];
    if (frame === undefined) return;
    this.cancelled(f, frame);
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

  /** Whether this decision has worked for decisionMs (it then yields after its current step). */
  private overTime(): boolean {
    if (this.env.clock === undefined || this.startedAt === undefined || this.steps === 0) return false;
    return this.env.clock() - this.startedAt >= this.limits.decisionMs;
  }

  options(f: string, defer?: boolean): EvalOptions {
    const frame = this.s.frames[f];
    const options: EvalOptions = { instance: frame?.ref || '/', timeoutMs: this.env.jqTimeoutMs ?? this.limits.expressionMs, maxValueBytes: this.limits.stateBytes };
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
    const detail = valueErrorsText(validator.errors, value);
    throw validationFault(`${what} does not match its schema: ${detail}`, instance || '/');
  }
}

/** The wait kinds a timer effect stands for. */
function isTimerWait(kind: WaitKind): kind is 'timer' | 'retry' | 'timeout' | 'runTimeout' {
  return kind === 'timer' || kind === 'retry' || kind === 'timeout' || kind === 'runTimeout';
}

export function timeoutFault(instance: string, ms: number): WorkflowError {
  return workflowError(ErrorTypes.timeout, 408, `timed out after ${ms} ms`, instance, 'Timeout');
}
