// Tasks that run task lists: do, for, fork, and a call to a function of `use.functions`.
import { advanceList, endWorkflow, runListFrom } from '../flow.ts';
import type { CompiledTask } from '../compile.ts';
import { expressionFault } from '../fault.ts';
import type { Run, TaskHandler } from '../run.ts';

/** `do`: the subtasks in sequence; the output is the last one's. */
export const doTask: TaskHandler = {
  start(run, f, task) {
    if (task.spec.type !== 'do') return;
    const step = runListFrom(run, f, task.spec.body, 0, run.frame(f).in);
    if (step.finished) run.complete(f, step.output);
  },
  child(run, f, task, _child, output, directive) {
    if (task.spec.type !== 'do') return;
    const step = advanceList(run, f, task.spec.body, output, directive);
    if (step?.finished) run.complete(f, step.output);
  },
};

/**
 * `for`: the body once per item of `for.in`, while `while` holds (checked before each
 * iteration, with the item in scope). Each iteration's output is the next one's input; the
 * task's output is the last iteration's (its input when nothing ran).
 * Frame: items (the collection), k (current index), i/c (body position).
 */
export const forTask: TaskHandler = {
  start(run, f, task) {
    if (task.spec.type !== 'for') return;
    const input = run.frame(f).in;
    const collection = run.evaluate(f, { k: 'expr', e: task.spec.in }, input);
    let items: unknown[];
    if (Array.isArray(collection)) items = collection;
    else if (collection === null) items = [];
    else if (typeof collection === 'object') items = Object.values(collection);
    else throw expressionFault(`for.in must produce an array, got ${typeof collection}`, task.ref);
    const max = run.limits.forIterations;
    if (items.length > max) throw run.limitFault('forIterations', `for.in gave ${items.length.toLocaleString('en-US')} items`, task.ref);
    run.checkValue(items, 'the collection of for.in', task.ref);
    run.update(f, { items });
    iterate(run, f, task, 0, input);
  },
  child(run, f, task, _child, output, directive) {
    if (task.spec.type !== 'for') return;
    const step = advanceList(run, f, task.spec.body, output, directive);
    if (step?.finished) iterate(run, f, task, (run.frame(f).k ?? 0) + 1, step.output);
  },
};

function iterate(run: Run, f: string, task: CompiledTask, from: number, data: unknown): void {
  if (task.spec.type !== 'for') return;
  const items = run.frame(f).items ?? [];
  for (let k = from; k < items.length; k++) {
    run.update(f, { k });
    if (task.spec.while && !run.condition(f, task.spec.while, data)) break;
    const step = runListFrom(run, f, task.spec.body, 0, data);
    if (!step.finished) return;
    data = step.output;
  }
  run.complete(f, data);
}

/**
 * `fork`: every branch starts at once (their effects leave in the same decision). Without
 * `compete` the output is the branch outputs in declaration order; with it, the first branch
 * to complete wins and the others are cancelled. A branch error cancels the others and
 * faults the fork. Frame: br (child frame per branch, null when done), outs.
 */
export const forkTask: TaskHandler = {
  start(run, f, task) {
    if (task.spec.type !== 'fork') return;
    const input = run.frame(f).in;
    // Also refused when the document is validated, but the namespace's limit may have been lowered since.
    const count = task.spec.branches.length;
    if (count > run.limits.forkBranches) throw run.limitFault('forkBranches', `this fork has ${count} branches`, task.ref);
    if (count === 0) return run.complete(f, task.spec.compete ? input : []);
    const br = task.spec.branches.map((branch) => run.startTask(branch, f, input));
    run.update(f, { br, outs: br.map(() => null) });
  },
  child(run, f, task, child, output, directive) {
    if (task.spec.type !== 'fork') return;
    if (directive === 'end') return endWorkflow(run, output);
    const frame = run.frame(f);
    const index = task.spec.branches.findIndex((branch) => branch.ref === child.ref);
    if (task.spec.compete) {
      run.cancelDescendants(f);
      return run.complete(f, output);
    }
    const br = [...(frame.br ?? [])];
    const outs = [...(frame.outs ?? [])];
    br[index] = null;
    outs[index] = output;
    run.update(f, { br, outs });
    if (br.every((id) => id === null)) run.complete(f, outs);
  },
  childFault(run, f, _task, _child, error) {
    run.cancelDescendants(f);
    run.fail(f, error);
  },
};

/** A call to a function of `use.functions`: the function's task runs with `with` as its input. */
export const functionCall: TaskHandler = {
  start(run, f, task) {
    if (task.spec.type !== 'function') return;
    const args = run.evaluate(f, task.spec.with, run.frame(f).in);
    run.update(f, { c: run.startTask(task.spec.fn, f, args) });
  },
  child(run, f, _task, _child, output) {
    run.complete(f, output);
  },
};
