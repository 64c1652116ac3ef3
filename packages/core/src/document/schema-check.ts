// Validation against the official schema, reported per task (see schema.ts for why).
import { isObject } from './problem.ts';
import type { Problem } from './problem.ts';
import { explainAt, explainErrors } from './schema-errors.ts';
import { taskSchemaPointer, validateOfficial } from './schema.ts';
import { collectTasks, TASK_KINDS, taskKind } from './tasks.ts';
import type { TaskEntry } from './tasks.ts';

/** Schema problems of a document; [] iff it is valid against the official schema. */
export function checkSchema(document: unknown): Problem[] {
  const errors = validateOfficial(document);
  if (!errors) return [];
  const problems = explainAt('', document, '');
  for (const entry of collectTasks(document).tasks) problems.push(...checkTask(entry));
  // The per-task pass covers the whole schema; should it ever miss an error, report Ajv's own.
  return problems.length > 0 ? problems : explainErrors(errors, '');
}

function checkTask(entry: TaskEntry): Problem[] {
  const { task, path } = entry;
  if (!isObject(task)) return [];
  const kind = taskKind(task);
  if (kind.kind === undefined) {
    const kinds = TASK_KINDS.join(', ');
    if (kind.found.length === 0) {
      const keys = Object.keys(task);
      const found = keys.length > 0 ? ` (it has: ${keys.join(', ')})` : '';
      return [{ path, message: `task '${entry.name}' has no task type: it needs exactly one of the properties ${kinds}${found}` }];
    }
    return [{ path, message: `task '${entry.name}' has several task types (${kind.found.join(', ')}): a task needs exactly one of ${kinds}` }];
  }
  return explainAt(taskSchemaPointer(kind.kind, task), task, path, { label: `a ${kind.kind} task` });
}
