// The arguments a task hands to a worker, scoped for secrets (docs/SECURITY.md, "Secrets"):
//   - every DeferredExpression this decision made carries the run's namespace, so the worker
//     reads only secrets granted to it;
//   - a secret-based authentication policy ({ bearer: { use: NAME } }) becomes a deferred
//     `$secrets["NAME"]`, so it goes through the same grant check;
//   - an object with a `$deferred` member that the interpreter did not make (written in the
//     document, or arriving with data such as the run input) is refused: the worker would
//     otherwise evaluate an expression — and read secrets — that no workflow author wrote.
import { deferredSecret, isDeferred, isMadeDeferred } from './expressions.ts';
import { configurationFault } from './fault.ts';

const SECRET_SCHEMES = ['basic', 'bearer', 'digest'] as const;

/** `value` with its DeferredExpressions stamped with `namespace` (copied, never mutated). */
export function scopeDeferred(value: unknown, namespace: string | undefined, instance: string): unknown {
  return rewrite(value, (object) => {
    if (!isDeferred(object)) return undefined;
    if (!isMadeDeferred(object)) {
      throw configurationFault('the arguments hold an object with a "$deferred" member (written in the workflow or received as data); that member name is reserved for secret expressions resolved by workers', instance);
    }
    return namespace === undefined ? object : { ...object, namespace };
  });
}

/** An endpoint's authentication with secret-based schemes deferred (`{ bearer: { use: NAME } }` → `{ bearer: $secrets["NAME"] }`). */
export function deferSecretPolicies(authentication: unknown): unknown {
  if (authentication === null || typeof authentication !== 'object' || Array.isArray(authentication)) return authentication;
  let result = authentication as Record<string, unknown>;
  for (const scheme of SECRET_SCHEMES) {
    const config = result[scheme] as { use?: unknown } | undefined;
    if (config !== null && typeof config === 'object' && typeof config.use === 'string') result = { ...result, [scheme]: deferredSecret(config.use) };
  }
  return result;
}

interface Level {
  source: Record<string, unknown> | unknown[];
  keys: string[];
  index: number;
  copy?: Record<string, unknown> | unknown[];
  parent?: Level;
  key?: string;
}

/**
 * Replaces the objects for which `replace` returns a value (their content is not visited);
 * descends into the others. Iterative: data may nest deeper than the stack. Copies only the
 * containers on the path to a replacement.
 */
function rewrite(value: unknown, replace: (object: object) => unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const first = replace(value);
  if (first !== undefined) return first;
  let result: unknown = value;
  const stack: Level[] = [level(value)];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.index >= top.keys.length) {
      stack.pop();
      const done = top.copy ?? top.source;
      if (top.parent) put(top.parent, top.key!, done, done !== top.source);
      else result = done;
      continue;
    }
    const key = top.keys[top.index++]!;
    const child = (top.source as Record<string, unknown>)[key];
    if (child === null || typeof child !== 'object') continue;
    const replaced = replace(child);
    if (replaced !== undefined) put(top, key, replaced, replaced !== child);
    else stack.push({ ...level(child), parent: top, key });
  }
  return result;
}

function level(value: object): Level {
  const source = value as Record<string, unknown> | unknown[];
  return { source, keys: Object.keys(source), index: 0 };
}

function put(target: Level, key: string, value: unknown, changed: boolean): void {
  if (!changed && target.copy === undefined) return;
  target.copy ??= Array.isArray(target.source) ? [...target.source] : { ...target.source };
  (target.copy as Record<string, unknown>)[key] = value;
}
