// A workflow's concurrency key, `document.metadata.baton.concurrency` (docs/OPERATIONS.md,
// "Concurrency"): at most `limit` runs of the workflow per value of `key` run at once.
//
//   limit     integer 1–10,000
//   key       a runtime expression (`${ .customerId }`) evaluated on the run's input when its start
//             reaches a runner; absent: one key for the whole workflow
//   strategy  queue (default): runs over the limit wait, by priority then order of creation;
//             cancel-newest: a run over the limit is cancelled at once;
//             cancel-oldest: the oldest running run is cancelled and the new one takes its slot
//
// readConcurrency checks it at registration (problems name the path) and never throws;
// concurrencyKey evaluates the key of one run (bounded like every runner expression).
import { checkJq } from '../jq/index.ts';
import { compileField, evalExpr, isExpression } from '../interpreter/expressions.ts';
import { isObject, type Problem } from './problem.ts';

export type ConcurrencyStrategy = 'queue' | 'cancel-newest' | 'cancel-oldest';
export const CONCURRENCY_STRATEGIES: readonly ConcurrencyStrategy[] = ['queue', 'cancel-newest', 'cancel-oldest'];
export const MAX_CONCURRENCY_LIMIT = 10_000;
/** A key's value as JSON text may be this long at most (it is a primary key column). */
export const MAX_CONCURRENCY_KEY_CHARS = 512;
const KEY_JQ_TIMEOUT_MS = 100;

export interface WorkflowConcurrency {
  limit: number;
  /** The expression's source (inside `${ }`); absent: one key for all the workflow's runs. */
  key?: string;
  strategy: ConcurrencyStrategy;
}

const PATH = '/document/metadata/baton/concurrency';
const KNOWN = ['limit', 'key', 'strategy'];

/** The document's concurrency settings, or none; problems name what is wrong. */
export function readConcurrency(document: unknown): { concurrency?: WorkflowConcurrency; problems: Problem[] } {
  const raw = isObject(document) && isObject(document.document) && isObject(document.document.metadata) && isObject(document.document.metadata.baton) ? document.document.metadata.baton.concurrency : undefined;
  if (raw === undefined) return { problems: [] };
  if (!isObject(raw)) return { problems: [{ path: PATH, message: 'metadata.baton.concurrency must be an object: { limit, key?, strategy? }' }] };
  const problems: Problem[] = [];
  for (const name of Object.keys(raw)) {
    if (!KNOWN.includes(name)) problems.push({ path: `${PATH}/${name}`, message: `unknown concurrency option '${name}' (allowed: ${KNOWN.join(', ')})` });
  }
  const { limit, key, strategy = 'queue' } = raw;
  if (limit === undefined) problems.push({ path: `${PATH}/limit`, message: 'concurrency needs a limit: the number of runs per key that may run at once' });
  else if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CONCURRENCY_LIMIT) {
    problems.push({ path: `${PATH}/limit`, message: `limit must be an integer from 1 to ${MAX_CONCURRENCY_LIMIT.toLocaleString('en-US')}, not ${JSON.stringify(limit)}` });
  }
  if (!CONCURRENCY_STRATEGIES.includes(strategy)) {
    problems.push({ path: `${PATH}/strategy`, message: `strategy must be one of ${CONCURRENCY_STRATEGIES.join(', ')}, not ${JSON.stringify(strategy)}` });
  }
  let source: string | undefined;
  if (key !== undefined) {
    if (!isExpression(key)) problems.push({ path: `${PATH}/key`, message: `key must be a runtime expression on the run's input, such as '\${ .customerId }', not ${JSON.stringify(key)}` });
    else {
      source = compileField(key).src;
      const invalid = source === '' ? 'the expression is empty' : checkJq(source);
      if (invalid) problems.push({ path: `${PATH}/key`, message: `invalid expression: ${invalid}` });
      else if (/\$[A-Za-z_]/.test(source.replace(/"(?:[^"\\]|\\.)*"/g, ''))) {
        problems.push({ path: `${PATH}/key`, message: "the key is evaluated on the run's input alone: it cannot use $variables (no $secrets, $context or $workflow there)" });
      }
    }
  }
  if (problems.length > 0) return { problems };
  return { concurrency: { limit: limit as number, strategy: strategy as ConcurrencyStrategy, ...(source !== undefined && { key: source }) }, problems };
}

/**
 * The key of a run as stored: '' without `key`, else the value's JSON text. Throws the expression's
 * Fault (a WorkflowError in `.error`) when it fails, or an Error when the value is too long.
 */
export function concurrencyKey(concurrency: WorkflowConcurrency, input: unknown): string {
  if (concurrency.key === undefined) return '';
  const value = evalExpr(compileField(concurrency.key), input, () => undefined, { instance: PATH + '/key', timeoutMs: KEY_JQ_TIMEOUT_MS, maxValueBytes: MAX_CONCURRENCY_KEY_CHARS * 4 });
  const text = JSON.stringify(value ?? null);
  if (text.length > MAX_CONCURRENCY_KEY_CHARS) throw new RangeError(`the concurrency key is ${text.length} characters of JSON; at most ${MAX_CONCURRENCY_KEY_CHARS} are allowed`);
  return text;
}
