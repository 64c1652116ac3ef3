// Where a workflow may read `$secrets` (docs/SECURITY.md, "Secrets"): only in expressions a
// worker resolves — the `with` of `call: http` (also in `use.functions`), the policies of
// `use.authentications`, the `url` of an approval's `notify` targets and the `with` of an agent's
// http tool bindings. Everywhere else the runner evaluates the expression and stores its result
// (state, events), so the interpreter refuses `$secrets` there at run time (403); this check
// refuses it when the workflow is registered. An expression must also name each secret it reads.
import { secretUse } from '../secrets/references.ts';
import { expressionSource, implicitExpressions, isRuntimeExpression } from './expressions.ts';
import { isObject, pointer, pointerTokens, type Problem } from './problem.ts';
import { collectTasks, type TaskEntry } from './tasks.ts';

const WHERE = 'the with of call: http, use.authentications, approval notify URLs and agent http tool bindings';

export function checkSecretSites(document: unknown): Problem[] {
  if (!isObject(document)) return [];
  const tasks = collectTasks(document).tasks;
  const problems: Problem[] = [];
  const check = (path: string, source: string) => {
    const use = secretUse(source);
    if (use === undefined) return;
    if (!resolvedByWorker(path, tasks)) {
      problems.push({ path, message: `$secrets cannot be read here: the runner evaluates this expression and stores its result (run state, events). Read secrets where a worker resolves them: ${WHERE}` });
    } else if (use.dynamic) {
      problems.push({ path, message: 'name each secret this expression reads ($secrets.NAME or $secrets["NAME"]); other uses of $secrets are refused' });
    }
  };
  for (const { path, value } of expressionStrings(document)) if (isRuntimeExpression(value)) check(path, expressionSource(value));
  for (const site of implicitExpressions(document)) if (!isRuntimeExpression(site.value)) check(site.path, expressionSource(site.value));
  return problems;
}

function resolvedByWorker(path: string, tasks: TaskEntry[]): boolean {
  const tokens = pointerTokens(path);
  if (tokens[0] === 'use' && tokens[1] === 'authentications') return true;
  // The innermost task holding the expression.
  const owner = tasks.filter((entry) => path.startsWith(`${entry.path}/`)).sort((a, b) => b.path.length - a.path.length)[0];
  if (!owner) return false;
  const rest = tokens.slice(pointerTokens(owner.path).length);
  const call = owner.task.call;
  if (rest[0] !== 'with') return false;
  if (call === 'http') return true;
  if (call === 'approval:1.0.0@default') return rest[1] === 'notify' && rest[3] === 'url' && rest.length === 4;
  if (call === 'agent:1.0.0@default' && rest[1] === 'tools' && rest[3] === 'with') {
    const tool = owner.task.with?.tools?.[Number(rest[2])];
    return isObject(tool) && tool.call === 'http';
  }
  return false;
}

/** Every string of the document with its path, except free-form data (metadata, inline JSON Schemas). */
function expressionStrings(document: Record<string, unknown>): Array<{ path: string; value: string }> {
  const found: Array<{ path: string; value: string }> = [];
  const stack: Array<{ value: unknown; path: string; tokens: string[] }> = [{ value: document, path: '', tokens: [] }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, path, tokens } = item;
    if (typeof value === 'string') found.push({ path, value });
    else if (Array.isArray(value)) value.forEach((child, i) => stack.push({ value: child, path: pointer(path, i), tokens: [...tokens, String(i)] }));
    else if (isObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        const childTokens = [...tokens, key];
        if (!isOpaque(childTokens)) stack.push({ value: child, path: pointer(path, key), tokens: childTokens });
      }
    }
  }
  return found;
}

function isOpaque(tokens: string[]): boolean {
  const last = tokens[tokens.length - 1];
  if (tokens.length === 1 && last === 'document') return true;
  if (last === 'metadata') return true;
  return last === 'document' && tokens[tokens.length - 2] === 'schema';
}
