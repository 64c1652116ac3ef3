// Task type -> handler.
import type { CompiledTask } from '../compile.ts';
import type { TaskHandler } from '../run.ts';
import { agentTask } from './agent.ts';
import { callTask, runWorkflowTask } from './call.ts';
import { doTask, forkTask, forTask, functionCall } from './composite.ts';
import { listenTask } from './listen.ts';
import { emitTask, raiseTask, setTask, switchTask, waitTask } from './simple.ts';
import { tryTask } from './try.ts';

const HANDLERS: Record<CompiledTask['spec']['type'], TaskHandler | undefined> = {
  none: undefined,
  set: setTask,
  switch: switchTask,
  raise: raiseTask,
  wait: waitTask,
  emit: emitTask,
  do: doTask,
  for: forTask,
  fork: forkTask,
  try: tryTask,
  listen: listenTask,
  call: callTask,
  agent: agentTask,
  function: functionCall,
  workflow: runWorkflowTask,
};

export function handlerFor(task: CompiledTask): TaskHandler {
  const handler = HANDLERS[task.spec.type];
  if (handler === undefined) throw new Error(`interpreter bug: no handler for ${task.ref}`);
  return handler;
}
