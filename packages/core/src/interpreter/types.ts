// The interpreter's contract with the runtime.
//
//   decide(workflow, state, input, env) -> { state, effects, events }
//
// It is pure and synchronous: no clock (env.now), no randomness (ids derive from the state),
// no I/O. The runtime persists `state` and `events` in one transaction, then performs `effects`
// and feeds their outcomes back as new inputs. State is plain JSON (it is stored as jsonb).
//
// Glossary
//   effect      something the interpreter asks the runtime to do (call a worker, start a timer…)
//   effect id   unique within a run, deterministic ("e1", "e2", …); the runtime's task attempt id
//               is `${runId}:${effectId}` and every retry of a task is a new effect id
//   reference   JSON pointer of a task in the definition, e.g. "/do/1/getPet"
//   event       a lifecycle event (CloudEvents `type` + `data`); the runtime adds id, source,
//               time, subject and the per-run seq when it appends it to the run's event log
import type { WorkflowError } from '../errors.ts';

/**
 * The spec's status phases (dsl.md, "Status Phases"). `suspended` is the runtime's alone: an
 * operator suspended the run, and its stored state keeps the phase the interpreter gave it.
 */
export type RunStatus = 'pending' | 'running' | 'waiting' | 'suspended' | 'completed' | 'faulted' | 'cancelled';

export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['completed', 'faulted', 'cancelled']);

/** A CloudEvents 1.0 event in structured JSON form. */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: unknown;
  [extension: string]: unknown;
}

export interface RuntimeDescriptor {
  name: string;
  version: string;
  metadata?: Record<string, unknown>;
}

/** Everything the interpreter may know about the outside world for one decision. */
export interface Env {
  /** Epoch milliseconds: the only clock the interpreter sees. */
  now: number;
  runId: string;
  /**
   * The run's namespace, stamped on every DeferredExpression so that the worker resolving it reads
   * only secrets granted to that namespace. The interpreter never holds secret values: `$secrets`
   * is resolved by workers only (docs/SECURITY.md).
   */
  namespace?: string;
  runtime?: RuntimeDescriptor;
  /** Time limit of one jq evaluation. */
  jqTimeoutMs?: number;
  /**
   * What this run may consume (limits.ts, README "Limits"); every member is optional and falls
   * back to DEFAULT_LIMITS. The runtime passes the limits of the run's namespace.
   */
  limits?: RunLimits;
  /** Nesting of this run: 0 for a run started through the API, the parent's depth + 1 for a child run. */
  depth?: number;
  /**
   * Events already in the run's log when this decision starts, those the runtime appended itself
   * (worker messages, approval audit entries) included. The `eventsPerRun` limit counts from the
   * larger of this and the interpreter's own count; without it, only the interpreter's events count.
   */
  eventsSoFar?: number;
  /**
   * A monotonic clock in ms (performance.now), read only to decide when a decision yields
   * (limits.decisionMs): where a decision stops never changes what the run computes.
   */
  clock?: () => number;
}

/**
 * Bounds on what one run may consume. A limit that a task hits faults that task (catchable with
 * `try`); a limit on the whole run faults the run. Either way the error is
 * `https://baton.dev/errors/limit-exceeded` with `limit` (the member name) and `max` (its value).
 */
export interface RunLimits {
  /** Deepest nesting of child runs: a run at this depth cannot start one (`run: workflow`, agent tools). Task. */
  subflowDepth?: number;
  /** Child runs one run may start in its life. Task. */
  childRunsPerRun?: number;
  /** Runs in one tree (a top-level run and all its descendants). Enforced by the runtime, not here. */
  runsPerTree?: number;
  /** JSON size in bytes of any one value a task produces or hands over: input after input.from, output after output.as, $context, for.in, call arguments, child run input, emitted event, workflow output. Task (workflow output: run). */
  valueBytes?: number;
  /** Nesting depth of any one value (the same values as valueBytes; a scalar is 0, `[]` and `{}` 1). Task (workflow output: run). */
  valueDepth?: number;
  /** JSON size in bytes of the run state after a decision. Run. */
  stateBytes?: number;
  /** Events in the run's log. Run. */
  eventsPerRun?: number;
  /** Agenda steps (task starts, completions, faults) in one decision before it yields (a `continue` effect); not an error. */
  stepsPerDecision?: number;
  /** Agenda steps over the whole run. Run. */
  stepsPerRun?: number;
  /** Items a `for` may enumerate. Task. */
  forIterations?: number;
  /** Branches of a `fork` (also refused when the document is validated). Task. */
  forkBranches?: number;
  /** Milliseconds one runtime expression (jq) may run; it then fails with an expression error. Task. */
  expressionMs?: number;
  /** Milliseconds of work after which a decision yields (read from Env.clock; not an error). */
  decisionMs?: number;
}

/** What happens to a run. Outcomes of effects carry the effect id they answer. */
export type Input =
  | { type: 'start'; input: unknown }
  | { type: 'task.completed'; effectId: string; output: unknown }
  | { type: 'task.failed'; effectId: string; error: WorkflowError }
  | { type: 'timer.fired'; timerId: string }
  /** A CloudEvent that matched the filters of a `listen` effect (matching: matchEvent()). */
  | { type: 'event.received'; listenId: string; event: CloudEvent }
  | { type: 'cancel'; reason?: string }
  /**
   * Resume a decision that yielded (its `continue` effect), delivered by the runtime through its
   * queue so that other runs progress in between. `id` is the effect's; a continue whose id is
   * not the one the run is owed (a duplicate) changes nothing. Without `id` it resumes whatever is left.
   */
  | { type: 'continue'; id?: string };

/** The kinds of work that leave the interpreter for a worker queue. */
export type TaskKind = 'http' | 'agent' | 'approval';

/**
 * A runtime expression that references `$secrets` inside a task's arguments. The interpreter
 * does not resolve it, so secrets never enter run state, queues or events; the worker that
 * executes the task evaluates it (evaluateDeferred) with its own secret store.
 */
export interface DeferredExpression {
  $deferred: string;
  /** `.` and `$input` are `input`; `$context` is `context`. */
  input: unknown;
  context: unknown;
  /** The run's namespace: only secrets granted to it are readable (absent: only those granted to `*`). */
  namespace?: string;
}

export interface EventFilter {
  /** Attribute values to match exactly (already evaluated); `data` may hold a jq expression source. */
  with?: Record<string, unknown>;
  correlate?: Record<string, { from: string; expect?: unknown }>;
}

export type Effect =
  /** Execute a task on a worker. `payload` is the task's `with`, evaluated (DeferredExpression where secrets are used). */
  | {
      kind: 'task';
      id: string;
      taskKind: TaskKind;
      reference: string;
      name: string;
      payload: unknown;
      /** The task's `timeout`, when set; the interpreter also arms a timer for it. */
      timeoutMs?: number;
    }
  /** Start a child run (`run: workflow`); its outcome comes back as task.completed/failed. */
  | { kind: 'workflow'; id: string; reference: string; name: string; namespace: string; workflowName: string; version: string; input: unknown; await: boolean }
  /**
   * A durable wake-up. `reference` (the task waiting) and `wait` (why: a `wait` task, a retry
   * delay, a task or the run's timeout) let a reset run tell which timers elapsed in the original.
   */
  | { kind: 'timer'; id: string; fireAt: number; reference?: string; wait?: 'timer' | 'retry' | 'timeout' | 'runTimeout' }
  | { kind: 'cancelTimer'; id: string }
  /** Stop a task, a child run or a listen that is no longer wanted (fork lost, timeout, cancellation). */
  | { kind: 'cancelTask'; id: string }
  | { kind: 'emit'; event: CloudEvent }
  /** Wait for CloudEvents posted to the API that match any of `filters`. */
  | { kind: 'listen'; id: string; reference: string; filters: EventFilter[] }
  | { kind: 'unlisten'; id: string }
  /**
   * The decision stopped at its step budget (`stepsPerDecision`) with work left: deliver
   * `{ type: 'continue', id }` to the run later, through the queue. At most one is owed at a
   * time; while it is (`RunState.yielded`), every other input is still accepted (see README).
   */
  | { kind: 'continue'; id: string };

/** A lifecycle event without its envelope (the runtime adds id, source, time, seq). */
export interface EventDraft {
  type: string;
  data: Record<string, unknown>;
  /** Appended once per run and key (events sent by workers, which may be delivered twice). */
  key?: string;
}

/** The run state. Only the fields below are read by the runtime; the rest is the interpreter's. */
export interface RunState {
  status: RunStatus;
  output?: unknown;
  error?: WorkflowError;
  /**
   * The id of the `continue` effect the run is owed, while a decision yielded with work left.
   * A runtime that may lose queued messages re-sends `{ type: 'continue', id: yielded }` for a
   * run whose stored state has it (the status is then `running`).
   */
  yielded?: string;
  [internal: string]: unknown;
}

export interface Decision {
  state: RunState;
  effects: Effect[];
  events: EventDraft[];
  /** Increments of the run's usage counters (agent tokens, cost, turns), added to the run row. */
  usage?: Record<string, number>;
}
