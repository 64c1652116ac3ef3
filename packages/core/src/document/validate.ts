// validateWorkflow / loadWorkflow: the entry points of this module.
import { CompileError, compileWorkflow } from '../interpreter/compile.ts';
import type { WorkflowDocument } from '../interpreter/document-types.ts';
import type { RunLimits } from '../interpreter/types.ts';
import { checkExpressions, checkVariableNames } from './expressions.ts';
import { checkLimits } from './limits.ts';
import { nonJsonValues, parseSource } from './parse.ts';
import type { SourceFormat } from './parse.ts';
import { dedupeProblems, isObject, pointer } from './problem.ts';
import { unknownPropertyMessage } from './schema-messages.ts';
import type { Problem } from './problem.ts';
import { checkProfile } from './profile.ts';
import { readConcurrency } from './concurrency.ts';
import { checkRateLimitRefs } from './rate-limit.ts';
import { readSchedule } from './schedule.ts';
import { checkSchema } from './schema-check.ts';
import { checkSecretSites } from './secret-sites.ts';
import { checkSemantics } from './semantics.ts';

export type LoadResult = { ok: true; document: Record<string, any> } | { ok: false; problems: Problem[] };

export interface ValidateOptions {
  /**
   * The run limits of the namespace the document is registered in (default: DEFAULT_LIMITS), or
   * the limits of each namespace (applied to the document's own `document.namespace`).
   */
  limits?: RunLimits | ((namespace: string) => RunLimits);
}

/** DSL versions Baton runs (the schema bundled in ./schema is that of 1.0.3). */
export const SUPPORTED_DSL = /^1\.0\.[0-3]$/;

/**
 * Every problem of a parsed document: schema, DSL version, profile, semantics, limits,
 * expressions. Returns [] when Baton can run it. Never throws.
 */
export function validateWorkflow(document: unknown, options: ValidateOptions = {}): Problem[] {
  if (!isObject(document)) {
    const kind = document === null || document === undefined ? String(document) : Array.isArray(document) ? 'an array' : `a ${typeof document}`;
    return [{ path: '', message: `a workflow document must be an object (mapping) with document and do, not ${kind}` }];
  }
  const deep = tooDeep(document);
  if (deep) return [deep];
  const notJson = nonJsonValues(document); // cycles or class instances from a caller, not from text
  if (notJson.length > 0) return notJson;
  const problems = [...checkSchema(document), ...checkTopLevel(document), ...checkDslVersion(document), ...checkEvaluateShape(document)];
  problems.push(...checkProfile(document), ...readSchedule(document).problems, ...readConcurrency(document).problems, ...checkSemantics(document), ...checkLimits(document, limitsOf(document, options.limits)));
  problems.push(...checkRateLimitRefs(document));
  if (!usesOtherLanguage(document)) problems.push(...checkExpressions(document), ...checkVariableNames(document), ...checkSecretSites(document));
  if (problems.length === 0) problems.push(...checkCompiles(document));
  return dedupeProblems(problems);
}

/**
 * The interpreter compiles a document when its run starts; what it refuses (a `wait: P1Y`, a
 * negative duration) must be refused here, or the run is accepted and then never starts.
 */
function checkCompiles(document: Record<string, any>): Problem[] {
  try {
    compileWorkflow(document as WorkflowDocument);
    return [];
  } catch (error) {
    if (error instanceof CompileError) return [{ path: error.path, message: error.message.replace(/ \(at [^)]*\)$/, '') }];
    return [{ path: '', message: `Baton cannot compile this workflow: ${(error as Error).message}` }];
  }
}

/** Parses YAML or JSON text (YAML is a superset: the default reads both) and validates it. */
export function loadWorkflow(text: string, format?: SourceFormat, options?: ValidateOptions): LoadResult {
  const parsed = parseSource(text, format);
  if (!parsed.ok) return parsed;
  const problems = validateWorkflow(parsed.value, options);
  if (problems.length === 0) return { ok: true, document: parsed.value as Record<string, any> };
  const located = problems.map((problem) => ({ ...problem, ...parsed.locate(problem.path) }));
  // In source order, as an editor would list them (the sort is stable for equal positions).
  located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { ok: false, problems: located };
}

/**
 * How deeply objects and arrays may nest in a document (about 80 nested tasks). The checks that
 * follow walk the document recursively: a deeper one would overflow the stack instead of being
 * refused.
 */
export const MAX_DOCUMENT_DEPTH = 256;

/** The first value nested deeper than MAX_DOCUMENT_DEPTH, found without recursion (cycles stop it too). */
function tooDeep(document: object): Problem | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value: document, depth: 1, path: '' }];
  const seen = new Set<object>();
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, depth, path } = item;
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    if (depth > MAX_DOCUMENT_DEPTH) {
      return { path, message: `the document nests objects and arrays more than ${MAX_DOCUMENT_DEPTH} levels deep here; flatten it (move nested tasks into subflows or reusable functions)` };
    }
    seen.add(value);
    for (const [key, child] of Object.entries(value)) stack.push({ value: child, depth: depth + 1, path: pointer(path, key) });
  }
  return undefined;
}

/** The workflow properties of the DSL reference ("Workflow"). */
const WORKFLOW_PROPERTIES = ['document', 'input', 'use', 'do', 'timeout', 'output', 'schedule', 'evaluate'];

/**
 * The official schema lets the top level carry anything; Baton does not, so that a misspelt
 * `timout:` or `ouput:` is reported instead of silently ignored.
 */
function checkTopLevel(document: Record<string, any>): Problem[] {
  return Object.keys(document)
    .filter((key) => !WORKFLOW_PROPERTIES.includes(key))
    .map((key) => ({ path: pointer('', key), message: unknownPropertyMessage(key, WORKFLOW_PROPERTIES, 'the workflow') }));
}

function checkDslVersion(document: Record<string, any>): Problem[] {
  const dsl = document.document?.dsl;
  if (typeof dsl !== 'string' || SUPPORTED_DSL.test(dsl)) return [];
  return [{ path: '/document/dsl', message: `DSL version '${dsl}' is not supported: Baton runs Serverless Workflow 1.0.0 to 1.0.3` }];
}

/** `evaluate` is in the DSL reference but not in the official schema, so its shape is checked here. */
function checkEvaluateShape(document: Record<string, any>): Problem[] {
  const evaluate = document.evaluate;
  if (evaluate === undefined) return [];
  if (!isObject(evaluate)) return [{ path: '/evaluate', message: 'must be an object' }];
  const problems: Problem[] = [];
  for (const key of Object.keys(evaluate)) {
    if (key !== 'language' && key !== 'mode') problems.push({ path: `/evaluate/${key}`, message: `unknown property '${key}' (allowed: language, mode)` });
  }
  if (evaluate.language !== undefined && typeof evaluate.language !== 'string') problems.push({ path: '/evaluate/language', message: 'must be a string' });
  if (evaluate.mode !== undefined && evaluate.mode !== 'strict' && evaluate.mode !== 'loose') {
    problems.push({ path: '/evaluate/mode', message: 'must be one of: "strict", "loose"' });
  }
  return problems;
}

/** Expressions in another language cannot be checked with jq (the language is rejected anyway). */
function usesOtherLanguage(document: Record<string, any>): boolean {
  const language = document.evaluate?.language;
  return language !== undefined && language !== 'jq';
}

function limitsOf(document: Record<string, unknown>, limits: ValidateOptions['limits']): RunLimits | undefined {
  if (typeof limits !== 'function') return limits;
  const namespace = (document.document as { namespace?: unknown } | undefined)?.namespace;
  return limits(typeof namespace === 'string' ? namespace : '');
}
