// Finds every task list and task of a document, tolerating malformed input (the schema pass
// reports shape errors; the other passes must still run on whatever is well-formed).
import { isObject, pointer } from './problem.ts';

/** The key that says which kind a task is (dsl-reference.md, "Task"). */
export const TASK_KINDS = ['call', 'do', 'emit', 'for', 'fork', 'listen', 'raise', 'run', 'set', 'switch', 'try', 'wait'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** Flow directives that are not task names. */
export const FLOW_DIRECTIVES = ['continue', 'exit', 'end'] as const;

/** Where a call task may carry an authentication policy, as paths relative to the task. */
export const CALL_AUTHENTICATION_SITES: string[][] = [
  ['with', 'endpoint', 'authentication'],
  ['with', 'authentication'],
  ['with', 'document', 'endpoint', 'authentication'],
  ['with', 'proto', 'endpoint', 'authentication'],
  ['with', 'service', 'authentication'],
  ['with', 'server', 'authentication'],
  ['with', 'agentCard', 'endpoint', 'authentication'],
  ['with', 'transport', 'http', 'endpoint', 'authentication'],
];

export type KindResult = { kind: TaskKind } | { kind: undefined; found: TaskKind[] };

/**
 * A task's kind, from its discriminating key. `for` tasks also carry `do` (their body) and
 * `try` tasks carry no other kind key, so `for` wins over `do`; any other pair is ambiguous.
 */
export function taskKind(task: Record<string, unknown>): KindResult {
  const found = TASK_KINDS.filter((k) => k in task);
  if (found.includes('for')) {
    const others = found.filter((k) => k !== 'for' && k !== 'do');
    return others.length === 0 ? { kind: 'for' } : { kind: undefined, found };
  }
  return found.length === 1 ? { kind: found[0]! } : { kind: undefined, found };
}

export interface TaskEntry {
  name: string;
  task: Record<string, any>;
  kind: TaskKind | undefined;
  /** JSON Pointer of the task definition (e.g. /do/2/getPet). */
  path: string;
}

export interface TaskList {
  /** JSON Pointer of the list (e.g. /do/2/step/fork/branches). */
  path: string;
  entries: TaskEntry[];
}

export interface DocumentTasks {
  lists: TaskList[];
  /** Every task: in lists, and the reusable ones of `use.functions` (not part of any list). */
  tasks: TaskEntry[];
}

/** Every task list and task of the document, depth first in document order. */
export function collectTasks(document: unknown): DocumentTasks {
  const result: DocumentTasks = { lists: [], tasks: [] };
  if (!isObject(document)) return result;
  visitList(document.do, '/do', result);
  const use = document.use;
  if (isObject(use)) {
    if (isObject(use.functions)) {
      for (const [name, task] of Object.entries(use.functions)) {
        if (isObject(task)) visitTask({ name, task, kind: taskKind(task).kind, path: pointer('/use/functions', name) }, result);
      }
    }
    if (Array.isArray(use.extensions)) {
      use.extensions.forEach((item: unknown, index: number) => {
        if (!isObject(item)) return;
        for (const [name, extension] of Object.entries(item)) {
          if (!isObject(extension)) continue;
          visitList(extension.before, pointer('/use/extensions', index, name, 'before'), result);
          visitList(extension.after, pointer('/use/extensions', index, name, 'after'), result);
        }
      });
    }
  }
  return result;
}

function visitList(value: unknown, path: string, result: DocumentTasks): void {
  if (!Array.isArray(value)) return;
  const list: TaskList = { path, entries: [] };
  result.lists.push(list);
  value.forEach((item: unknown, index: number) => {
    if (!isObject(item)) return;
    const keys = Object.keys(item);
    if (keys.length !== 1) return;
    const name = keys[0]!;
    const task = item[name];
    if (!isObject(task)) return;
    const entry: TaskEntry = { name, task, kind: taskKind(task).kind, path: pointer(path, index, name) };
    list.entries.push(entry);
    visitTask(entry, result);
  });
}

/** The task lists nested in a task of each kind, as paths relative to the task. */
function nestedLists(entry: TaskEntry): Array<{ value: unknown; path: string }> {
  const { task, path } = entry;
  switch (entry.kind) {
    case 'do':
    case 'for':
      return [{ value: task.do, path: pointer(path, 'do') }];
    case 'fork':
      return [{ value: task.fork?.branches, path: pointer(path, 'fork', 'branches') }];
    case 'try':
      return [
        { value: task.try, path: pointer(path, 'try') },
        { value: task.catch?.do, path: pointer(path, 'catch', 'do') },
      ];
    case 'listen':
      return [{ value: task.foreach?.do, path: pointer(path, 'foreach', 'do') }];
    case 'call':
      return [{ value: task.with?.subscription?.foreach?.do, path: pointer(path, 'with', 'subscription', 'foreach', 'do') }];
    default:
      return [];
  }
}

function visitTask(entry: TaskEntry, result: DocumentTasks): void {
  result.tasks.push(entry);
  for (const nested of nestedLists(entry)) visitList(nested.value, nested.path, result);
}
