// Rules of the DSL that the JSON Schema cannot express: unique task names within a list, flow
// directives that name a task of the same list, references to reusable components that resolve.
import { classifyFunction, DEFAULT_CATALOG_FUNCTIONS, PROTOCOL_CALLS } from './functions.ts';
import { isObject, pointer } from './problem.ts';
import type { Problem } from './problem.ts';
import { CALL_AUTHENTICATION_SITES, collectTasks, FLOW_DIRECTIVES } from './tasks.ts';
import type { TaskEntry, TaskList } from './tasks.ts';

export function checkSemantics(document: unknown): Problem[] {
  if (!isObject(document)) return [];
  const { lists, tasks } = collectTasks(document);
  const problems: Problem[] = [];
  for (const list of lists) problems.push(...checkTaskNames(list), ...checkFlow(list));
  const use = isObject(document.use) ? document.use : {};
  problems.push(...checkReference(document.timeout, '/timeout', use.timeouts, 'use.timeouts', 'timeout'));
  if (isObject(use.authentications)) {
    for (const [name, policy] of Object.entries(use.authentications)) problems.push(...checkSecretReference(policy, pointer('/use/authentications', name), use));
  }
  for (const entry of tasks) problems.push(...checkTaskReferences(entry, document), ...checkSwitchDefault(entry));
  problems.push(...checkFunctionCycles(tasks, use.functions));
  return problems;
}

/** A reusable function that ends up calling itself would recurse without end. */
function checkFunctionCycles(tasks: TaskEntry[], functions: unknown): Problem[] {
  if (!isObject(functions)) return [];
  const calls = new Map<string, Set<string>>();
  for (const name of Object.keys(functions)) {
    const root = pointer('/use/functions', name);
    const callees = tasks
      .filter((t) => (t.path === root || t.path.startsWith(`${root}/`)) && t.kind === 'call' && typeof t.task.call === 'string')
      .map((t) => t.task.call as string)
      .filter((callee) => Object.hasOwn(functions, callee));
    calls.set(name, new Set(callees));
  }
  const problems: Problem[] = [];
  for (const name of calls.keys()) {
    const cycle = findCycle(name, calls, [name]);
    if (cycle) problems.push({ path: pointer('/use/functions', name), message: `function '${name}' calls itself (${cycle.join(' → ')})` });
  }
  return problems;
}

function findCycle(start: string, calls: Map<string, Set<string>>, trail: string[]): string[] | undefined {
  for (const callee of calls.get(trail[trail.length - 1]!) ?? []) {
    if (callee === start) return [...trail, callee];
    if (trail.includes(callee)) continue;
    const cycle = findCycle(start, calls, [...trail, callee]);
    if (cycle) return cycle;
  }
  return undefined;
}

function checkTaskNames(list: TaskList): Problem[] {
  const first = new Map<string, string>();
  const problems: Problem[] = [];
  for (const { name, path } of list.entries) {
    const earlier = first.get(name);
    if (earlier === undefined) first.set(name, path);
    else problems.push({ path, message: `duplicate task name '${name}' in this list (first defined at ${earlier})` });
  }
  return problems;
}

/** `then` of each task, and of each switch case, must be a directive or a task of the same list. */
function checkFlow(list: TaskList): Problem[] {
  const names = new Set(list.entries.map((e) => e.name));
  const problems: Problem[] = [];
  const check = (target: unknown, path: string): void => {
    if (typeof target !== 'string' || (FLOW_DIRECTIVES as readonly string[]).includes(target) || names.has(target)) return;
    const known = [...names].map((n) => `'${n}'`).join(', ');
    problems.push({ path, message: `then: '${target}' is neither continue, exit, end nor the name of a task of this list (${known})` });
  };
  for (const { task, path, kind } of list.entries) {
    check(task.then, pointer(path, 'then'));
    if (kind === 'switch' && Array.isArray(task.switch)) {
      task.switch.forEach((item: unknown, index: number) => {
        if (!isObject(item)) return;
        for (const [name, branch] of Object.entries(item)) check((branch as any)?.then, pointer(path, 'switch', index, name, 'then'));
      });
    }
  }
  return problems;
}

/** "There can be only one default case, all others MUST set a condition" (dsl-reference.md, Switch). */
function checkSwitchDefault({ task, path, kind }: TaskEntry): Problem[] {
  if (kind !== 'switch' || !Array.isArray(task.switch)) return [];
  const problems: Problem[] = [];
  let defaultCase: string | undefined;
  task.switch.forEach((item: unknown, index: number) => {
    if (!isObject(item)) return;
    for (const [name, branch] of Object.entries(item)) {
      if (!isObject(branch) || branch.when !== undefined) continue;
      if (defaultCase === undefined) defaultCase = name;
      else problems.push({ path: pointer(path, 'switch', index, name), message: `case '${name}' has no 'when', but '${defaultCase}' is already the default case: only one case may omit it` });
    }
  });
  return problems;
}

function checkReference(value: unknown, path: string, components: unknown, where: string, what: string): Problem[] {
  if (typeof value !== 'string') return [];
  if (isObject(components) && Object.hasOwn(components, value)) return [];
  const known = isObject(components) ? Object.keys(components) : [];
  const list = known.length > 0 ? ` (defined: ${known.join(', ')})` : '';
  return [{ path, message: `unknown ${what} '${value}': it is not defined in ${where}${list}` }];
}

function checkTaskReferences(entry: TaskEntry, document: Record<string, any>): Problem[] {
  const { task, path, kind } = entry;
  const use = isObject(document.use) ? document.use : {};
  const problems = checkReference(task.timeout, pointer(path, 'timeout'), use.timeouts, 'use.timeouts', 'timeout');
  if (kind === 'raise') problems.push(...checkReference(task.raise?.error, pointer(path, 'raise', 'error'), use.errors, 'use.errors', 'error'));
  if (kind === 'try') problems.push(...checkReference(task.catch?.retry, pointer(path, 'catch', 'retry'), use.retries, 'use.retries', 'retry policy'));
  if (kind === 'call' && typeof task.call === 'string') problems.push(...checkCallReferences(task, path, document));
  return problems;
}

function checkCallReferences(task: Record<string, any>, path: string, document: Record<string, any>): Problem[] {
  const use = isObject(document.use) ? document.use : {};
  if ((PROTOCOL_CALLS as readonly string[]).includes(task.call)) return checkCallAuthentications(task, path, use);
  const ref = classifyFunction(task.call, document);
  if (ref.kind === 'unknown') return checkReference(task.call, pointer(path, 'call'), use.functions, 'use.functions', 'function');
  if (ref.kind === 'default-catalog-unknown') {
    return [{ path: pointer(path, 'call'), message: `unknown function '${task.call}': Baton's default catalog has ${DEFAULT_CATALOG_FUNCTIONS.map((f) => `${f}@default`).join(', ')}` }];
  }
  if (ref.kind === 'catalog' && !(isObject(use.catalogs) && Object.hasOwn(use.catalogs, ref.catalog))) {
    return [{ path: pointer(path, 'call'), message: `unknown catalog '${ref.catalog}': it is not defined in use.catalogs` }];
  }
  return [];
}

/** Policies of a protocol call (a function call's `with` is arguments, not configuration). */
function checkCallAuthentications(task: Record<string, any>, path: string, use: Record<string, any>): Problem[] {
  const problems: Problem[] = [];
  for (const site of CALL_AUTHENTICATION_SITES) {
    const policy = site.reduce<any>((node, key) => (isObject(node) ? node[key] : undefined), task);
    if (!isObject(policy)) continue;
    const at = pointer(path, ...site);
    if (typeof policy.use === 'string') problems.push(...checkReference(policy.use, pointer(at, 'use'), use.authentications, 'use.authentications', 'authentication policy'));
    else problems.push(...checkSecretReference(policy, at, use));
  }
  return problems;
}

/** A secret-based policy ({ bearer: { use: mySecret } }) must name a secret of use.secrets. */
function checkSecretReference(policy: unknown, path: string, use: Record<string, any>): Problem[] {
  if (!isObject(policy)) return [];
  const problems: Problem[] = [];
  for (const [scheme, config] of Object.entries(policy)) {
    if (!isObject(config) || typeof config.use !== 'string') continue;
    const secrets: unknown[] = Array.isArray(use.secrets) ? use.secrets : [];
    if (!secrets.includes(config.use)) {
      problems.push({ path: pointer(path, scheme, 'use'), message: `unknown secret '${config.use}': it is not listed in use.secrets` });
    }
  }
  return problems;
}
