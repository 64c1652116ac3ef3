// The workflow around its tasks: input validation and transformation, the top-level task list,
// output transformation, the workflow timeout, and the terminal transitions
// (completed / faulted / cancelled) with their lifecycle events.
import type { WorkflowError } from '../errors.ts';
import { Fault } from './fault.ts';
import { advanceList, runListFrom } from './flow.ts';
import { workflowCancelled, workflowCompleted, workflowFaulted, workflowStarted } from './lifecycle.ts';
import type { RootHandler, Run } from './run.ts';
import { timeoutFault } from './run.ts';
import { ROOT } from './state.ts';

export const rootHandler: RootHandler = {
  child(run, _child, output, directive) {
    const step = advanceList(run, ROOT, run.wf.root, output, directive);
    if (step?.finished) completeWorkflow(run, step.output);
  },
  fault: faultWorkflow,
  end: completeWorkflow,
};

export function startWorkflow(run: Run, input: unknown): void {
  const { wf, env } = run;
  Object.assign(run.s, { status: 'running', input, startedAt: env.now });
  run.s.frames[ROOT] = { ref: '', in: input, at: env.now };
  run.events.push(workflowStarted(wf, env.runId, env.now));
  try {
    run.validate(wf.inputSchema, input, '/input', 'workflow input');
    const transformed = wf.inputFrom ? run.evaluate(ROOT, wf.inputFrom, input) : input;
    if (wf.inputFrom) run.checkValue(transformed, 'the workflow input after input.from', '/input/from');
    // dsl.md "Data Flow": the transformed workflow input is the initial $context.
    run.s.context = transformed;
    run.s.frames[ROOT] = { ref: '', in: transformed, at: env.now };
    if (wf.timeoutMs !== undefined) run.timer(ROOT, 'runTimeout', wf.timeoutMs);
    const step = runListFrom(run, ROOT, wf.root, 0, transformed);
    if (step.finished) return completeWorkflow(run, step.output);
    // The first task holds the input now; the root does not need its own copy in every stored state.
    run.update(ROOT, { in: null });
  } catch (error) {
    if (!(error instanceof Fault)) throw error;
    faultWorkflow(run, error.error);
  }
}

export function completeWorkflow(run: Run, output: unknown): void {
  const { wf, env } = run;
  let result = output;
  try {
    if (wf.outputAs) result = run.evaluate(ROOT, wf.outputAs, output);
    run.checkValue(result, 'the workflow output', '/output');
    run.validate(wf.outputSchema, result, '/output', 'workflow output');
  } catch (error) {
    if (!(error instanceof Fault)) throw error;
    return faultWorkflow(run, error.error);
  }
  stopEverything(run);
  Object.assign(run.s, { status: 'completed', output: result });
  run.events.push(workflowCompleted(wf, env.runId, env.now, result));
}

export function faultWorkflow(run: Run, error: WorkflowError): void {
  stopEverything(run);
  Object.assign(run.s, { status: 'faulted', error });
  run.events.push(workflowFaulted(run.wf, run.env.runId, run.env.now, error));
}

export function cancelWorkflow(run: Run, reason?: string): void {
  stopEverything(run);
  run.s.status = 'cancelled';
  run.events.push(workflowCancelled(run.wf, run.env.runId, run.env.now, reason));
}

export function timeOutWorkflow(run: Run): void {
  faultWorkflow(run, timeoutFault('/', run.wf.timeoutMs ?? 0));
}

/** Cancels every pending effect and every task still in progress. */
function stopEverything(run: Run): void {
  for (const id of Object.keys(run.s.waits)) run.cancelWait(id);
  for (const [id, frame] of Object.entries(run.s.frames)) run.cancelled(id, frame);
  run.s.frames = {};
}
