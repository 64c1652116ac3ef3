// `listen` (dsl-reference.md, "Listen", "Event Consumption Strategy").
//
// One listen effect carries every filter (those of `until` too); the runtime routes matching
// events back as event.received, and this handler decides what they mean. The output is always
// the array of consumed events, read as `read` says (dsl-reference.md: "A listen task produces a
// sequentially ordered array of all the events it has consumed"), `one` included.
// - one: the first matching event completes the task.
// - any: each matching event is consumed (`any: []` matches every event); without `until` the
//   first one completes the task, with an `until` expression the task completes once it holds
//   for the array of consumed events, with `until` events once those arrive (they are not
//   part of the output).
// - all: one event per filter, in any order; consumed events are in arrival order.
// - foreach: each consumed event runs `foreach.do` (FIFO, one at a time); output: the array of
//   per-event outputs (after foreach.output.as).
//
// Frame: e (listen effect id, absent once listening ended), ev (consumed events), hit / uh
// (matched filter indices of `all` / `until`), corr (correlation values), ph/q/outs/k (foreach).
import type { CompiledTask } from '../compile.ts';
import type { CompiledConsumption } from '../compile-tasks.ts';
import { correlationValues, matchEvent } from '../events.ts';
import { compileField, isExpression } from '../expressions.ts';
import type { Expr } from '../expressions.ts';
import { resolverFor } from '../scope.ts';
import { advanceList, runListFrom } from '../flow.ts';
import type { Run, TaskHandler } from '../run.ts';
import type { CloudEvent, EventFilter } from '../types.ts';

export const listenTask: TaskHandler = {
  start(run, f, task) {
    if (task.spec.type !== 'listen') return;
    const to = task.spec.to;
    const filters = [...filtersOf(run, f, to), ...(to.until ? filtersOf(run, f, to.until) : [])];
    const id = run.nextId('e');
    run.wait(f, 'listen', { kind: 'listen', id, reference: task.ref, filters: filters.length === 0 ? [{}] : filters });
    run.update(f, { e: id, ev: [], ph: 'listen', ...(task.spec.foreach ? { q: [], outs: [] } : {}) });
  },
  outcome(run, f, task, _wait, outcome) {
    if (task.spec.type !== 'listen' || outcome.type !== 'event.received') return;
    const to = task.spec.to;
    const key = `${outcome.event.source} ${outcome.event.id}`;
    if (run.frame(f).seen?.includes(key)) return; // delivered again (at-least-once transport)
    if (to.until && untilReached(run, f, to.until, outcome.event)) return stopListening(run, f, task);
    const filters = filtersOf(run, f, to);
    const frame = run.frame(f);
    const index = matchingFilter(run, filters, to.mode === 'all' ? (frame.hit ?? []) : [], outcome.event, frame.corr);
    if (index < 0) return;
    run.update(f, { seen: [...(frame.seen ?? []), key] });
    const filter = filters[index];
    const corr = filter?.correlate ? { ...correlationValues(filter, outcome.event, jq(run)), ...frame.corr } : frame.corr;
    const item = readEvent(outcome.event, task.spec.read);
    const ev = [...(frame.ev ?? []), item];
    const hit = to.mode === 'all' ? [...(frame.hit ?? []), index] : frame.hit;
    run.update(f, { ev, ...(corr ? { corr } : {}), ...(hit ? { hit } : {}) });
    if (task.spec.foreach) enqueue(run, f, task, item);
    const complete =
      to.mode === 'one' ||
      (to.mode === 'all' && (hit?.length ?? 0) >= filters.length) ||
      (to.mode === 'any' && (to.untilExpr ? run.condition(f, to.untilExpr, ev) : to.until === undefined));
    if (complete) stopListening(run, f, task);
  },
  child(run, f, task, _child, output, directive) {
    if (task.spec.type !== 'listen' || !task.spec.foreach?.body) return;
    const step = advanceList(run, f, task.spec.foreach.body, output, directive);
    if (step?.finished) itemDone(run, f, task, step.output);
  },
};

function jq(run: Run) {
  return { jqTimeoutMs: run.env.jqTimeoutMs ?? run.limits.expressionMs };
}

/**
 * Filters with their attribute values evaluated now. `data` conditions stay jq sources (they run
 * on each event, in the runtime too); the `$variables` they use are bound into the source as
 * literals, except `$secrets` (never copied into an effect) and `$event` (matchEvent binds it).
 */
function filtersOf(run: Run, f: string, consumption: CompiledConsumption): EventFilter[] {
  const input = run.frame(f).in;
  const resolve = resolverFor(run, f);
  return consumption.filters.map((filter) => {
    const attributes = { ...(run.evaluate(f, filter.attributes, input) as Record<string, unknown>) };
    if (filter.data !== undefined) attributes.data = isExpression(filter.data) ? bindVariables(compileField(filter.data), resolve) : filter.data;
    const result: EventFilter = { with: attributes };
    if (filter.correlate) {
      result.correlate = Object.fromEntries(
        filter.correlate.map((c) => [c.key, { from: c.from.src, ...(c.expect ? { expect: run.evaluate(f, c.expect, input) } : {}) }]),
      );
    }
    return result;
  });
}

function bindVariables(expr: Expr, resolve: (name: string) => unknown): string {
  const bindings = expr.vars
    .filter((name) => name !== 'secrets' && name !== 'event')
    .map((name) => [name, resolve(name)] as const)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `(${JSON.stringify(value)}) as $${name} | `);
  return `\${ ${bindings.join('')}${expr.src} }`;
}

function matchingFilter(run: Run, filters: EventFilter[], taken: number[], event: CloudEvent, correlation?: Record<string, unknown>): number {
  if (filters.length === 0) return 0;
  return filters.findIndex((filter, i) => !taken.includes(i) && matchEvent(filter, event, { ...jq(run), ...(correlation ? { correlation } : {}) }));
}

function untilReached(run: Run, f: string, until: CompiledConsumption, event: CloudEvent): boolean {
  const filters = filtersOf(run, f, until);
  const frame = run.frame(f);
  const index = matchingFilter(run, filters, until.mode === 'all' ? (frame.uh ?? []) : [], event);
  if (index < 0) return false;
  if (until.mode !== 'all') return true;
  const uh = [...(frame.uh ?? []), index];
  run.update(f, { uh });
  return uh.length >= filters.length;
}

function readEvent(event: CloudEvent, read: 'data' | 'envelope' | 'raw'): unknown {
  if (read === 'envelope') return event;
  if (read === 'raw') return event.data_base64 ?? event.data ?? null;
  return event.data ?? null;
}

function stopListening(run: Run, f: string, task: CompiledTask): void {
  const frame = run.frame(f);
  if (frame.e !== undefined) run.cancelWait(frame.e);
  run.update(f, { e: undefined });
  if (task.spec.type !== 'listen') return;
  if (!task.spec.foreach) return run.complete(f, frame.ev ?? []);
  if (frame.ph !== 'foreach' && (frame.q?.length ?? 0) === 0) run.complete(f, frame.outs ?? []);
}

function enqueue(run: Run, f: string, task: CompiledTask, item: unknown): void {
  const frame = run.update(f, { q: [...(run.frame(f).q ?? []), item] });
  if (frame.ph !== 'foreach') nextItem(run, f, task);
}

/** Runs foreach.do for the oldest queued event, or goes back to listening (or completes). */
function nextItem(run: Run, f: string, task: CompiledTask): void {
  if (task.spec.type !== 'listen' || !task.spec.foreach) return;
  const frame = run.frame(f);
  const item = frame.q?.[0];
  if ((frame.q?.length ?? 0) === 0) {
    run.update(f, { ph: 'listen' });
    if (frame.e === undefined) run.complete(f, frame.outs ?? []);
    return;
  }
  run.update(f, { ph: 'foreach', k: frame.outs?.length ?? 0 });
  const body = task.spec.foreach.body;
  if (!body) return itemDone(run, f, task, item);
  const step = runListFrom(run, f, body, 0, item);
  if (step.finished) itemDone(run, f, task, step.output);
}

function itemDone(run: Run, f: string, task: CompiledTask, output: unknown): void {
  if (task.spec.type !== 'listen' || !task.spec.foreach) return;
  const { outputAs, exportAs } = task.spec.foreach;
  let result = output;
  if (outputAs) result = run.evaluate(f, outputAs, output);
  if (exportAs) run.s.context = run.evaluate(f, exportAs, result, { output: result });
  const frame = run.frame(f);
  run.update(f, { outs: [...(frame.outs ?? []), result], q: (frame.q ?? []).slice(1) });
  nextItem(run, f, task);
}
