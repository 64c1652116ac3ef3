// What one run may consume (README "Limits"). The limits are data: the runtime reads them per
// namespace (packages/runtime/src/limits.ts) and passes them in Env; this module holds the
// defaults, the error a limit raises and the bounded JSON size measure the checks use.
import { BatonErrorTypes, workflowError } from '../errors.ts';
import type { WorkflowError } from '../errors.ts';
import type { RunLimits } from './types.ts';

export type Limits = Readonly<Required<RunLimits>>;
export type LimitName = keyof RunLimits;

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The defaults, and why (README "Limits" has the table):
 * - subflowDepth 32: a chain of 32 nested workflows is far beyond any hand-written design, and a
 *   workflow that runs itself is stopped after 33 runs instead of thousands.
 * - childRunsPerRun 1,000 and runsPerTree 10,000: a `for` over a thousand items may start a
 *   subflow for each; a tree of runs (forks of subflows of forks…) grows exponentially with its
 *   depth, so only a count over the whole tree stops it (the runtime keeps that count).
 * - valueBytes 1 MiB: the largest request body the API accepts; every value is stored in the
 *   run state and in events, several times over.
 * - valueDepth 512: JSON nested deeper is not data anyone writes by hand, and the state that
 *   holds a value is serialised by recursion (JSON.stringify overflowed the stack between 2,000
 *   and 5,000 levels): a loop that wrapped its value once per iteration reached that depth, and
 *   its run could then be neither saved nor faulted — it stayed "running" for ever (fuzz seed
 *   1721486573). At most MAX_VALUE_DEPTH (an operator may lower it, not raise it past that).
 * - stateBytes 16 MiB: 16 values of the largest size, which leaves room for fork branches and an
 *   agent's conversation while a state rewritten at every decision stays cheap to store.
 * - eventsPerRun 50,000: Temporal caps a workflow's history at 51,200 events for the same reason
 *   (a log that is read, streamed and stored whole); a `for` over 10,000 items with a one-task
 *   body writes about 30,000.
 * - stepsPerDecision 500: about 2.5 ms of interpreter CPU for `set` loops and ~750 events to
 *   store in one transaction (bench/decide.ts); a decision yields after it, so one run never
 *   holds the runner for long. Workflows that wait for something between inline tasks never
 *   reach it.
 * - stepsPerRun 200,000: about four times what the events limit lets a run do (a step writes
 *   one to two events): a CPU bound for steps that write none.
 * - forIterations 10,000: consistent with the events limit (each iteration writes at least three).
 * - forkBranches 64: every branch starts at once and keeps its own copy of the input in the
 *   state; a fan-out over data belongs in a `for` or in child runs.
 * - expressionMs 250: a jq expression over workflow data takes microseconds; a quarter of a
 *   second is a runaway (the runner's event loop is shared by every run it advances).
 * - decisionMs 50: with the step budget, bounds how long one decision holds the runner — 50 ms
 *   of interpreter work, then the run yields and the others take their turn.
 */
export const DEFAULT_LIMITS: Limits = Object.freeze({
  subflowDepth: 32,
  childRunsPerRun: 1_000,
  runsPerTree: 10_000,
  valueBytes: 1 * MiB,
  valueDepth: 512,
  stateBytes: 16 * MiB,
  eventsPerRun: 50_000,
  stepsPerDecision: 500,
  stepsPerRun: 200_000,
  forIterations: 10_000,
  forkBranches: 64,
  expressionMs: 250,
  decisionMs: 50,
});

export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as LimitName[];

/** Env.limits over the defaults; a member that is not a number >= 0 keeps its default. */
export function resolveLimits(limits: RunLimits | undefined): Limits {
  if (limits === undefined) return DEFAULT_LIMITS;
  const resolved: Required<RunLimits> = { ...DEFAULT_LIMITS };
  for (const name of LIMIT_NAMES) {
    const value = limits[name];
    if (typeof value === 'number' && value >= 0) resolved[name] = value;
  }
  // A decision must take at least one step, or a run that yields would never move.
  resolved.stepsPerDecision = Math.max(1, resolved.stepsPerDecision);
  resolved.expressionMs = Math.max(1, resolved.expressionMs);
  // A deeper value could not be saved with the state that holds it, whatever the setting says.
  resolved.valueDepth = Math.min(resolved.valueDepth, MAX_VALUE_DEPTH);
  return resolved;
}

/** "1 MiB", "512 KiB", "1000 bytes" for byte limits; the number itself for counts. */
export function formatLimit(name: LimitName, value: number): string {
  if (name.endsWith('Ms')) return `${value.toLocaleString('en-US')} ms`;
  if (!name.endsWith('Bytes')) return value.toLocaleString('en-US');
  if (value >= MiB && value % MiB === 0) return `${value / MiB} MiB`;
  if (value >= KiB && value % KiB === 0) return `${value / KiB} KiB`;
  return `${value} bytes`;
}

/**
 * The error a limit raises: what was exceeded, the limit's name and value, and how to raise it.
 * Sizes are 413, counts 429 (as the agent budgets); `limit` and `max` let a `catch` tell them apart.
 */
export function limitError(name: LimitName, max: number, detail: string, instance: string, namespace?: string): WorkflowError {
  const scope = namespace ? `{"namespaces": {"${namespace}": {"${name}": …}}}` : `{"namespaces": {"<namespace>": {"${name}": …}}}`;
  const text = `${detail}; the limit ${name} is ${formatLimit(name, max)}. An operator can raise it with BATON_LIMITS='${scope}' (or {"default": {…}} for every namespace)`;
  return { ...workflowError(BatonErrorTypes.limitExceeded, name.endsWith('Bytes') ? 413 : 429, text, instance, 'Limit exceeded'), limit: name, max };
}

/** The highest valueDepth an operator may set: well below the depth at which serialising a run's state overflows the stack. */
export const MAX_VALUE_DEPTH = 1_000;

/** Sizes and depths of values measured before: a value is never changed once produced, so they hold. */
const measured = new WeakMap<object, JsonMeasure>();

/** A value's size as JSON in UTF-8 bytes and its nesting depth (a scalar 0, `[]` and `{}` 1). */
export interface JsonMeasure {
  size: number;
  depth: number;
}

/**
 * The size of `value` as JSON in UTF-8 bytes (escapes inside strings are not counted), computed
 * without recursion and without serialising. Counting stops as soon as it passes `limit`: the
 * result is then some number above `limit`, not the size. `remember` caches the exact size of an
 * object for the next measure (only for values that are never changed afterwards).
 */
export function jsonSize(value: unknown, limit = Number.POSITIVE_INFINITY, remember = true): number {
  return measureJson(value, limit, remember).size;
}

/**
 * jsonSize, and in the same walk the nesting depth — exact when the size is within `limit`.
 * Containers measured before are not walked again: a loop that wraps its value once per
 * iteration costs one level per measure, not the whole value.
 */
export function measureJson(value: unknown, limit = Number.POSITIVE_INFINITY, remember = true): JsonMeasure {
  if (typeof value !== 'object' || value === null) return { size: scalarSize(value), depth: 0 };
  const known = measured.get(value);
  if (known !== undefined) return known;
  let size = 0;
  let deepest = 0;
  // Containers wait here with their depth; scalars are added where they are met, which keeps the stack short.
  const stack: object[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0 && size <= limit) {
    const item = stack.pop()!;
    const depth = depths.pop()!;
    const seen = measured.get(item);
    if (seen !== undefined) {
      size += seen.size;
      deepest = Math.max(deepest, depth - 1 + seen.depth);
      continue;
    }
    deepest = Math.max(deepest, depth);
    size += containerSize(item, stack, limit - size);
    while (depths.length < stack.length) depths.push(depth + 1);
  }
  const measure = { size, depth: deepest };
  if (size <= limit && remember) measured.set(value, measure);
  return measure;
}

/** Brackets, commas, keys and scalar members of an object or array; container members go on the stack. */
function containerSize(item: object, stack: object[], budget: number): number {
  if (Array.isArray(item)) {
    let size = Math.max(2, item.length + 1); // brackets and commas
    for (let i = 0; i < item.length && size <= budget; i++) size += memberSize(item[i], stack);
    return size;
  }
  let size = 1;
  for (const key in item) {
    if (!Object.hasOwn(item, key)) continue;
    const member = (item as Record<string, unknown>)[key];
    if (member === undefined || typeof member === 'function') continue; // JSON.stringify drops them
    size += utf8Length(key) + 4 + memberSize(member, stack); // "key": and a comma (or the closing brace)
    if (size > budget) return size;
  }
  return size === 1 ? 2 : size;
}

function memberSize(member: unknown, stack: object[]): number {
  if (typeof member !== 'object' || member === null) return scalarSize(member);
  stack.push(member);
  return 0;
}

function scalarSize(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return utf8Length(value) + 2;
    case 'number':
      return numberLength(value);
    case 'boolean':
      return value ? 4 : 5;
    default:
      return 4; // null (undefined in an array is written as null)
  }
}

/** Buffer.byteLength without the call for short ASCII-only strings (most keys and values). */
function utf8Length(text: string): number {
  if (text.length > 64) return Buffer.byteLength(text);
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return Buffer.byteLength(text);
  return text.length;
}

function numberLength(value: number): number {
  if (!Number.isFinite(value)) return 4; // null
  if (!Number.isSafeInteger(value)) return String(value).length;
  let digits = value < 0 ? 2 : 1;
  for (let rest = Math.abs(value); rest >= 10; rest = Math.floor(rest / 10)) digits += 1;
  return digits;
}
