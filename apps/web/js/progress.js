// What a run did, task by task, read from its event log (pure, no DOM): every execution of each
// task (created, started, ended, outcome, output or error), the retries of try tasks, the path the
// run took through the definition, and the input each execution received. The run graph colours
// its nodes and edges with it; the timeline draws its executions as bars. Unit-tested in
// tests/web/run-model.test.ts. An execution a reset replayed from the run it reset (its events'
// `replayedFrom`) is marked `replayed`.
import { replayedFrom } from './run-ops.js';

const TASK = 'io.serverlessworkflow.task.';
const WORKFLOW = 'io.serverlessworkflow.workflow.';

/** The list a task reference belongs to and the task holding that list ('' for the top level). */
export function listOf(ref) {
  const list = ref.replace(/\/\d+\/[^/]+$/, '');
  const container = list.replace(/\/(do|try|catch\/do|fork\/branches)$/, '');
  return { list, container, parallel: /\/fork\/branches$/.test(list) };
}

export function createProgress() {
  return { tasks: new Map(), order: [], lastSeq: 0, workflow: { status: undefined, startedAt: undefined, endedAt: undefined, endSeq: undefined } };
}

function execution(event) {
  return { createdAt: event.time, createdSeq: event.seq, outcome: 'created', events: [] };
}

/** Adds events in seq order (a seq already seen is skipped). */
export function addProgress(progress, events) {
  for (const event of events) {
    if (typeof event?.seq !== 'number' || event.seq <= progress.lastSeq) continue;
    progress.lastSeq = event.seq;
    const data = event.data ?? {};
    if (event.type.startsWith(WORKFLOW)) {
      const phase = event.type.slice(WORKFLOW.length).replace(/\.v1$/, '');
      if (phase === 'started') progress.workflow.startedAt = event.time;
      else if (['completed', 'faulted', 'cancelled'].includes(phase)) Object.assign(progress.workflow, { status: phase, endedAt: event.time, endSeq: event.seq });
      continue;
    }
    if (typeof data.task !== 'string') continue;
    let task = progress.tasks.get(data.task);
    if (!task) {
      task = { ref: data.task, name: data.name ?? data.task.split('/').pop(), executions: [], retries: [], events: [] };
      progress.tasks.set(data.task, task);
      progress.order.push(data.task);
    }
    task.events.push(event);
    if (!event.type.startsWith(TASK)) {
      task.executions.at(-1)?.events.push(event);
      continue;
    }
    const phase = event.type.slice(TASK.length).replace(/\.v1$/, '');
    if (phase === 'created' || (phase === 'started' && !openExecution(task))) task.executions.push(execution(event));
    const current = task.executions.at(-1);
    if (!current) continue;
    current.events.push(event);
    if (replayedFrom(data)) current.replayed = true;
    if (phase === 'started') Object.assign(current, { startedAt: event.time, startedSeq: event.seq, outcome: 'running' });
    else if (phase === 'completed') Object.assign(current, { endedAt: event.time, endSeq: event.seq, outcome: 'completed', output: data.output });
    else if (phase === 'faulted') Object.assign(current, { endedAt: event.time, endSeq: event.seq, outcome: 'faulted', error: data.error });
    else if (phase === 'cancelled') Object.assign(current, { endedAt: event.time, endSeq: event.seq, outcome: 'cancelled' });
    else if (phase === 'retried') task.retries.push({ at: event.time, seq: event.seq });
  }
  return progress;
}

function openExecution(task) {
  const last = task.executions.at(-1);
  return last && last.endSeq === undefined ? last : undefined;
}

const WAITING_KINDS = new Set(['wait', 'listen']);

/**
 * The status of a task for people: done, failed, running, waiting, cancelled or not-reached, from
 * its last execution. Waiting: a started wait, listen or approval (or any task of a run that is
 * itself waiting, e.g. a retry delay).
 */
export function taskStatus(task, node, runStatus) {
  const last = task?.executions.at(-1);
  if (!last) return 'not-reached';
  if (last.outcome === 'completed') return 'done';
  if (last.outcome === 'faulted') return 'failed';
  if (last.outcome === 'cancelled') return 'cancelled';
  if (['completed', 'faulted', 'cancelled'].includes(runStatus)) return 'cancelled';
  const waits = WAITING_KINDS.has(node?.kind) || node?.summary === 'approval' || (runStatus === 'waiting' && !node?.container);
  return waits ? 'waiting' : 'running';
}

/**
 * The task whose completion handed its output to this execution: the last task of the same
 * (sequential) list that completed before the execution was created, after its container last
 * started. undefined: the first of its list (or a fork branch), which receives its container's input.
 */
export function predecessorOf(progress, ref, createdSeq) {
  const { list, container, parallel } = listOf(ref);
  if (parallel) return undefined;
  const containerTask = progress.tasks.get(container);
  const since = containerTask ? lastBefore(containerTask.executions.map((e) => e.createdSeq), createdSeq) ?? 0 : 0;
  let best;
  for (const [other, task] of progress.tasks) {
    if (other === ref || listOf(other).list !== list) continue;
    for (const ex of task.executions) {
      if (ex.outcome !== 'completed' || ex.endSeq >= createdSeq || ex.endSeq < since) continue;
      if (!best || ex.endSeq > best.execution.endSeq) best = { ref: other, execution: ex };
    }
  }
  return best;
}

function lastBefore(seqs, seq) {
  let found;
  for (const s of seqs) if (s < seq && (found === undefined || s > found)) found = s;
  return found;
}

/**
 * What an execution received: the output of its predecessor, else its container's input (up to
 * the run's input). `from` says where it came from. A task's own `input.from` is applied after.
 */
export function inputOf(progress, ref, createdSeq, runInput) {
  for (let at = { ref, seq: createdSeq }, depth = 0; depth < 100; depth += 1) {
    const before = predecessorOf(progress, at.ref, at.seq);
    if (before) return { value: before.execution.output, from: before.ref };
    const { container } = listOf(at.ref);
    if (container === '') return { value: runInput, from: 'run input' };
    const holder = progress.tasks.get(container);
    const seq = holder ? lastBefore(holder.executions.map((e) => e.createdSeq), at.seq) : undefined;
    if (seq === undefined) return { value: undefined, from: container };
    at = { ref: container, seq };
  }
  return { value: undefined, from: ref };
}

/**
 * The edges the run went along: for every execution, the edge from its predecessor (or from Start
 * for the first top-level task, or from the try group to the catch group when a catch ran), and
 * the edge into End when the run completed.
 */
export function takenEdges(graph, progress, prefix = '') {
  const taken = new Set();
  const byPair = new Map(graph.edges.map((e) => [`${e.from}→${e.to}`, e]));
  const mark = (from, to) => {
    const edge = byPair.get(`${from}→${to}`);
    if (edge) taken.add(edge.id);
  };
  for (const [ref, task] of progress.tasks) {
    for (const ex of task.executions) {
      const before = predecessorOf(progress, ref, ex.createdSeq);
      if (before) mark(`${prefix}${before.ref}`, `${prefix}${ref}`);
      else if (listOf(ref).list === '/do') mark(`${prefix}@start`, `${prefix}${ref}`);
      const catchList = /^(.*)\/catch\/do$/.exec(listOf(ref).list);
      if (catchList && !before) mark(`${prefix}${catchList[1]}/try`, `${prefix}${catchList[1]}/catch`);
    }
  }
  // Into End: from whichever task with an edge to End completed last (the list's last task, or a `then: end`).
  if (progress.workflow.status === 'completed') {
    let last;
    for (const edge of graph.edges) {
      if (edge.to !== `${prefix}@end`) continue;
      const task = progress.tasks.get(edge.from.slice(prefix.length));
      for (const ex of task?.executions ?? []) if (ex.outcome === 'completed' && (!last || ex.endSeq > last.seq)) last = { edge, seq: ex.endSeq };
      if (!last && edge.from === `${prefix}@start`) last = { edge, seq: 0 };
    }
    if (last) taken.add(last.edge.id);
  }
  return taken;
}
