// The budget of one evaluation: time (steps and a deadline) and memory (the size of any value it
// builds). Every loop and recursion ticks; work done in one step on big values (string
// repetition, concatenation, copies) is charged in proportion to its size, so the clock is read
// promptly and such work counts against the time limit too.
import { JqLimitError, JqTimeoutError, UnsupportedError } from './errors.ts';

/** Steps between two readings of the clock. */
const CHECK_EVERY = 4096;
const STEPS_PER_MS = 5000;
const MAX_STEPS = 50_000_000;
/** Bulk work costs one step per this many bytes (copying 256 bytes ≈ one interpreted step). */
const BYTES_PER_STEP = 256;

export const DEFAULT_MAX_VALUE_BYTES = 16 * 1024 * 1024;

/**
 * The size model of values (what `maxValueBytes` limits): a string counts one byte per UTF-16
 * unit, an array 8 bytes per element, an object 16 bytes per member plus its key, anything else
 * 8 bytes — plus, for arrays and objects, the sizes of what they hold.
 */
export const SLOT_BYTES = 8;
export const MEMBER_BYTES = 16;

export interface Budget {
  steps: number;
  checkAt: number;
  maxSteps: number;
  deadline: number;
  timeoutMs: number;
  maxValueBytes: number;
  vars: Record<string, unknown>;
  /** What `input`/`inputs` read: the `baton jq` command's further inputs; none in workflows. */
  inputs: Iterator<unknown> | undefined;
  /** Calls of jq functions in progress (each holds JavaScript frames until it returns). */
  depth: number;
}

export let budget: Budget = newBudget(1000, {});

export function newBudget(timeoutMs: number, vars: Record<string, unknown>, maxValueBytes = DEFAULT_MAX_VALUE_BYTES, inputs?: Iterator<unknown>): Budget {
  return {
    steps: 0,
    checkAt: CHECK_EVERY,
    maxSteps: Math.min(MAX_STEPS, Math.max(1, timeoutMs) * STEPS_PER_MS),
    deadline: Date.now() + timeoutMs,
    timeoutMs,
    maxValueBytes,
    vars,
    inputs,
    depth: 0,
  };
}

/** Runs `fn` with its own budget, restoring the previous one (evaluations may nest). */
export function withBudget<T>(b: Budget, fn: () => T): T {
  const saved = budget;
  budget = b;
  try {
    return fn();
  } finally {
    budget = saved;
  }
}

/**
 * How deep jq functions may call each other on the JavaScript stack. The evaluator passes outputs
 * on (continuations), so a call holds its frames until everything after it has run: a recursive
 * `def f: …, (… | f)` fills V8's default stack (984 KiB) at about 780 levels before its code is
 * optimized. Deeper recursion re-runs on jq-wasm, which keeps its stack on the heap — before the
 * stack ends rather than at its end, where V8 once raised a TypeError instead of a RangeError.
 */
export const MAX_CALL_DEPTH = 400;

/** Recursion this engine leaves to jq-wasm: deeper than MAX_CALL_DEPTH, or than the stack itself. */
export function tooDeep(): UnsupportedError {
  return new UnsupportedError('recursion deeper than the JavaScript stack');
}

/** Enters a call of a jq function: one step, and one level of depth that `leave` gives back. */
export function enter(): void {
  tick();
  if (++budget.depth > MAX_CALL_DEPTH) throw tooDeep();
}

export function leave(): void {
  budget.depth--;
}

/** Counts one unit of work; call it wherever a loop or recursion can run unboundedly. */
export function tick(): void {
  if (++budget.steps >= budget.checkAt) checkBudget();
}

function checkBudget(): void {
  budget.checkAt = budget.steps + CHECK_EVERY;
  if (Date.now() > budget.deadline || budget.steps > budget.maxSteps) throw new JqTimeoutError(budget.timeoutMs);
}

/** Counts bulk work on `bytes` bytes done in one step. */
export function charge(bytes: number): void {
  budget.steps += Math.floor(bytes / BYTES_PER_STEP);
  if (budget.steps >= budget.checkAt) checkBudget();
}

/** Raises JqLimitError when a value about to be built (`bytes` in the size model) is too big. */
export function checkSize(bytes: number, what: string): void {
  if (bytes > budget.maxValueBytes) throw new JqLimitError(budget.maxValueBytes, bytes, what);
}

/** checkSize then charge: a value of `bytes` bytes is built in one step. */
export function build(bytes: number, what: string): void {
  if (bytes > budget.maxValueBytes) throw new JqLimitError(budget.maxValueBytes, bytes, what);
  if (bytes >= BYTES_PER_STEP) charge(bytes);
}

/**
 * What an element adds to the array that holds it: its slot, plus the characters of a string or
 * the slots of an array — so that an array of big strings or arrays built cheaply (`$big` many
 * times over) is caught as it grows, not only when it is output.
 */
export function elementSize(v: unknown): number {
  if (typeof v === 'string') return SLOT_BYTES + v.length;
  if (Array.isArray(v)) return SLOT_BYTES + v.length * SLOT_BYTES;
  return SLOT_BYTES;
}

/** Raises JqLimitError when an array being filled has grown past the limit. */
export function checkCollection(bytes: number): void {
  if (bytes > budget.maxValueBytes) throw new JqLimitError(budget.maxValueBytes, bytes, 'an array');
}
