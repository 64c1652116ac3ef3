// Running a task list inside a frame: one task at a time, each task's output the next one's raw
// input, `then` directives deciding what comes next (dsl-reference.md, "Flow Directive").
// The owning frame keeps `i` (index of the running task) and `c` (its frame id).
import type { CompiledList } from './compile.ts';
import { configurationFault } from './fault.ts';
import type { Run } from './run.ts';

/** A list either started its next task, or finished with an output. */
export type ListStep = { finished: false } | { finished: true; output: unknown };

/** Starts task `index` of `list` in frame `f`, or reports the list finished with `input`. */
export function runListFrom(run: Run, f: string, list: CompiledList, index: number, input: unknown): ListStep {
  const task = list.tasks[index];
  if (task === undefined) return { finished: true, output: input };
  const c = run.startTask(task, f, input);
  run.update(f, { i: index, c });
  return { finished: false };
}

/**
 * The running task of the list completed: follow its directive. `end` ends the whole workflow
 * (run.endWorkflow) and reports nothing; the caller must then do nothing more.
 */
export function advanceList(run: Run, f: string, list: CompiledList, output: unknown, directive: string | undefined): ListStep | undefined {
  const index = run.frame(f).i ?? 0;
  switch (directive ?? 'continue') {
    case 'continue':
      return runListFrom(run, f, list, index + 1, output);
    case 'exit':
      return { finished: true, output };
    case 'end':
      endWorkflow(run, output);
      return undefined;
    default: {
      const target = list.byName.get(directive!);
      if (target === undefined) {
        throw configurationFault(`flow directive "${directive}" names no task of ${list.ref}`, list.tasks[index]?.ref ?? list.ref);
      }
      return runListFrom(run, f, list, target, output);
    }
  }
}

/** `then: end`: the workflow completes now with this output; whatever else runs is cancelled. */
export function endWorkflow(run: Run, output: unknown): void {
  run.root.end(run, output);
}
