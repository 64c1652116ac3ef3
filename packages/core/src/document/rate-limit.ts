// `metadata.baton.rateLimit: NAME` on a task: the task waits for the namespace's rate limit NAME
// (docs/OPERATIONS.md, "Rate limits"). Checked when the workflow is registered: the shape and the
// tasks that may carry it; whether the namespace declares NAME is known only when the task runs
// (limits are declared and removed through the API), where an unknown name fails the task with a
// configuration error.
import { isObject, pointer, type Problem } from './problem.ts';
import { collectTasks } from './tasks.ts';

/** A limit's name, as the API accepts it. */
export const RATE_LIMIT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function checkRateLimitRefs(document: unknown): Problem[] {
  const problems: Problem[] = [];
  for (const { path, task, kind } of collectTasks(document).tasks) {
    const metadata = task.metadata;
    if (!isObject(metadata) || !isObject(metadata.baton) || !('rateLimit' in metadata.baton)) continue;
    const at = pointer(path, 'metadata', 'baton', 'rateLimit');
    const name = metadata.baton.rateLimit;
    if (typeof name !== 'string' || !RATE_LIMIT_NAME.test(name)) {
      problems.push({ path: at, message: `rateLimit must name a rate limit of the namespace (letters, digits, '.', '_', '-', at most 100), not ${JSON.stringify(name)}` });
    } else if (kind !== 'call') {
      problems.push({ path: at, message: `only call tasks (call: http, call: openapi, agent steps) wait for a rate limit; this is a ${kind ?? 'task of no known kind'}` });
    }
  }
  return problems;
}
