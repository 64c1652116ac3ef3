// The interpreter's run state. It is plain JSON, rewritten on every transition, so it holds only
// what is needed to continue: the frames of the tasks in progress and the effects they wait for.
// The definition is never copied in; frames name their task by reference (JSON pointer).
import type { ChatMessage } from '../agent/contract.ts';
import type { WorkflowError } from '../errors.ts';
import type { RunState } from './types.ts';

/** Why an effect is pending; decides the run status and how to cancel the effect. */
export type WaitKind =
  | 'task' // a worker task (http, agent): cancelTask
  | 'approval' // a worker task waiting for a human: cancelTask, the run is "waiting"
  | 'workflow' // a child run: cancelTask
  | 'listen' // unlisten
  | 'timer' // a `wait` task: cancelTimer
  | 'retry' // delay before re-running a try block: cancelTimer
  | 'timeout' // a task's timeout: cancelTimer
  | 'runTimeout'; // the workflow's timeout: cancelTimer

export interface Wait {
  /** Frame waiting for the outcome. */
  f: string;
  k: WaitKind;
}

/** One task in progress. Short keys keep the state small; each task module documents the ones it uses. */
export interface Frame {
  /** Parent frame id (absent for the root). */
  p?: string;
  /** Task reference (JSON pointer), "" for the workflow itself. */
  ref: string;
  /** Transformed input: `.` and `$input` of the task's expressions. */
  in: unknown;
  /** Raw input ($task.input) when input.from changed it. */
  raw?: unknown;
  /** Start time, epoch ms. */
  at: number;
  /** Position in the task list being run, and the running child frame (sequential composites). */
  i?: number;
  c?: string;
  /** Phase of a multi-phase task (try: "try" | "catch"). */
  ph?: string;
  /** for / listen.foreach: index of the current item. */
  k?: number;
  /** for: the collection being enumerated. */
  items?: unknown[];
  /** fork: child frame per branch (null once finished) and branch outputs. */
  br?: Array<string | null>;
  outs?: unknown[];
  /** try: retries done so far, start of the first attempt and of the current one. */
  n?: number;
  t0?: number;
  t1?: number;
  /** catch: the caught error, in scope as `$<catch.as>` while catch.do runs. */
  err?: WorkflowError;
  /** listen: consumed events (read-transformed), indices of matched `all` filters, correlation keys, queued foreach items. */
  ev?: unknown[];
  hit?: number[];
  /** listen: indices of matched `until` filters. */
  uh?: number[];
  /** listen: `source id` of the events already handled, so a redelivered event is not consumed twice. */
  seen?: string[];
  corr?: Record<string, unknown>;
  q?: unknown[];
  /** call: http: the resolved authorization (`$authorization`), when not secret. */
  au?: { scheme: string; parameter: string };
  /** call: agent: the conversation and its accounting (see tasks/agent.ts). */
  ag?: AgentProgress;
  /** Pending effect id of a leaf task, and its timeout timer id. */
  e?: string;
  x?: string;
}

export interface InterpreterState extends RunState {
  /** State format version. */
  v: 1;
  /** Counter behind every id (frames "f…", effects "e…"): ids are deterministic. */
  n: number;
  /** Raw workflow input ($workflow.input). */
  input?: unknown;
  startedAt?: number;
  /** $context. */
  context: unknown;
  frames: Record<string, Frame>;
  /** Pending effect id -> the frame that waits for it. */
  waits: Record<string, Wait>;
  output?: unknown;
  error?: WorkflowError;
  /** Agent usage of the whole run so far (the run-level budget is checked against it). */
  usage?: { tokens: number; costUsd: number };
  /** What the run consumed so far, for the run-wide limits (limits.ts). */
  counts?: RunCounts;
  /** What is left of the agenda of a decision that yielded (RunState.yielded is its continue id). */
  agenda?: AgendaMessage[];
}

export interface RunCounts {
  /** Agenda steps taken. */
  steps: number;
  /** Events in the run's log: the interpreter's, or Env.eventsSoFar when that was larger. */
  events: number;
  /** Child runs started. */
  runs: number;
}

/** One entry of a decision's agenda (run.ts): start a frame, hand it its result, or fault it. */
export type AgendaMessage =
  | { t: 'start'; f: string }
  | { t: 'done'; f: string; out: unknown; dir: string | undefined }
  | { t: 'fault'; f: string; err: WorkflowError };

/** An agent step in progress: the durable record of its conversation. */
export interface AgentProgress {
  /** Model and sampling options, evaluated when the step started. */
  mo: string;
  sa?: Record<string, unknown>;
  /** The conversation so far (system, user, assistant and tool messages). */
  m: ChatMessage[];
  /** Completed model turns. */
  t: number;
  /** Usage of the step: prompt, completion, total tokens, cost in USD. */
  u: { p: number; c: number; tot: number; usd: number };
  /** Whether the one repair turn for structured output was used. */
  rep?: boolean;
  /** Pending tool calls: effect id -> tool call id and tool name. */
  tc?: Record<string, { id: string; n: string }>;
  /** Results of this turn's tool calls that came back already: tool call id -> message content. */
  tr?: Record<string, string>;
}

export const ROOT = 'root';
