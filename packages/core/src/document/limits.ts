// The limits of interpreter/limits.ts that a document shows by itself, refused when it is
// registered so that no run faults later for them. Everything that depends on data (for.in,
// sizes, recursion through `run: workflow`) is only known at run time and checked there: a
// workflow that runs itself is not refused, since whether it ever stops is not decidable here.
import { resolveLimits } from '../interpreter/limits.ts';
import type { RunLimits } from '../interpreter/types.ts';
import { pointer } from './problem.ts';
import type { Problem } from './problem.ts';
import { collectTasks } from './tasks.ts';

export function checkLimits(document: unknown, limits?: RunLimits): Problem[] {
  const max = resolveLimits(limits).forkBranches;
  const problems: Problem[] = [];
  for (const { task, path, kind } of collectTasks(document).tasks) {
    const branches: unknown = kind === 'fork' ? task.fork?.branches : undefined;
    if (!Array.isArray(branches) || branches.length <= max) continue;
    problems.push({
      path: pointer(path, 'fork', 'branches'),
      message: `this fork has ${branches.length} branches, more than the ${max} a fork may have (the limit forkBranches, which an operator can raise with BATON_LIMITS): every branch starts at once and holds its own copy of the input; go through data with a for, or hand the work to child runs`,
    });
  }
  return problems;
}
