// Baton's profile: constructs the spec allows but Baton does not execute yet. Each is rejected
// at validation with a problem whose `feature` names it, so that a run never fails later for
// want of an implementation (ARCHITECTURE.md §4). The list is in README.md.
import { checkAgentArguments } from './agent-arguments.ts';
import { checkApprovalArguments } from './approval-arguments.ts';
import { classifyFunction, PROTOCOL_CALLS } from './functions.ts';
import { isObject, pointer } from './problem.ts';
import type { Problem } from './problem.ts';
import { CALL_AUTHENTICATION_SITES, collectTasks } from './tasks.ts';
import type { TaskEntry } from './tasks.ts';

export const UNSUPPORTED_CALLS = ['grpc', 'asyncapi', 'a2a', 'mcp'] as const;
export const UNSUPPORTED_RUNS = ['container', 'script', 'shell'] as const;
export const UNSUPPORTED_AUTHENTICATIONS = ['oauth2', 'oidc'] as const;

function unsupported(path: string, feature: string, what: string, advice = ''): Problem {
  return { path, feature, message: `${what} is not supported by Baton yet${advice}` };
}

/** Problems for every construct of the document that Baton does not execute. */
export function checkProfile(document: unknown): Problem[] {
  if (!isObject(document)) return [];
  const problems: Problem[] = [];
  problems.push(...checkEvaluate(document.evaluate));
  const use = isObject(document.use) ? document.use : {};
  if (use.extensions !== undefined) problems.push(unsupported('/use/extensions', 'use.extensions', 'use.extensions'));
  if (isObject(use.authentications)) {
    for (const [name, policy] of Object.entries(use.authentications)) problems.push(...checkAuthentication(policy, pointer('/use/authentications', name)));
  }
  if (isObject(use.catalogs)) {
    for (const [name, catalog] of Object.entries(use.catalogs)) problems.push(...checkEndpoint((catalog as any)?.endpoint, pointer('/use/catalogs', name, 'endpoint')));
  }
  problems.push(...checkDataSchemas(document, ''));
  for (const entry of collectTasks(document).tasks) problems.push(...checkTask(entry, document));
  return problems;
}

function checkEvaluate(evaluate: unknown): Problem[] {
  if (!isObject(evaluate)) return [];
  const problems: Problem[] = [];
  if (evaluate.language !== undefined && evaluate.language !== 'jq') {
    problems.push(unsupported('/evaluate/language', 'evaluate.language', `evaluate.language: ${String(evaluate.language)}`, ' (runtime expressions are jq)'));
  }
  if (evaluate.mode === 'loose') {
    problems.push(unsupported('/evaluate/mode', 'evaluate.mode.loose', 'evaluate.mode: loose', " (write expressions as '${ … }')"));
  }
  return problems;
}

function checkTask(entry: TaskEntry, document: Record<string, any>): Problem[] {
  const { task, path } = entry;
  const problems = checkDataSchemas(task, path);
  if (entry.kind === 'listen' && isObject(task.foreach)) problems.push(...checkDataSchemas(task.foreach, pointer(path, 'foreach')));
  if (entry.kind === 'run' && isObject(task.run)) {
    for (const process of UNSUPPORTED_RUNS) {
      if (process in task.run) problems.push(unsupported(path, `run.${process}`, `run: ${process}`));
    }
  }
  if (entry.kind === 'call' && typeof task.call === 'string') problems.push(...checkCall(task, path, document));
  return problems;
}

function checkCall(task: Record<string, any>, path: string, document: Record<string, any>): Problem[] {
  const call: string = task.call;
  const problems = callAuthentications(task, path);
  if ((UNSUPPORTED_CALLS as readonly string[]).includes(call)) return [unsupported(path, `call.${call}`, `call: ${call}`), ...problems];
  if ((PROTOCOL_CALLS as readonly string[]).includes(call)) return problems;
  const ref = classifyFunction(call, document);
  if (ref.kind === 'catalog') {
    return [unsupported(path, 'call.catalog-function', `call: ${call} (a function of catalog '${ref.catalog}')`, '; from catalogs Baton runs only agent:1.0.0@default and approval:1.0.0@default')];
  }
  if (ref.kind === 'uri') return [unsupported(path, 'call.function-uri', `call: ${call} (a function definition fetched from a URI)`, '; define the function in use.functions')];
  if (ref.kind === 'default-catalog' && call.startsWith('approval:')) return checkApprovalArguments(task, path);
  if (ref.kind === 'default-catalog' && call.startsWith('agent:')) return checkAgentArguments(task, path);
  return [];
}

/** Inline policies anywhere a protocol call carries one (not in a function call's arguments). */
function callAuthentications(task: Record<string, any>, path: string): Problem[] {
  if (!(PROTOCOL_CALLS as readonly string[]).includes(task.call)) return [];
  return CALL_AUTHENTICATION_SITES.flatMap((site) => {
    const policy = site.reduce<any>((node, key) => (isObject(node) ? node[key] : undefined), task);
    return checkAuthentication(policy, pointer(path, ...site));
  });
}

/** An endpoint's inline authentication policy (a string endpoint has none). */
function checkEndpoint(endpoint: unknown, path: string): Problem[] {
  return isObject(endpoint) ? checkAuthentication(endpoint.authentication, pointer(path, 'authentication')) : [];
}

function checkAuthentication(policy: unknown, path: string): Problem[] {
  if (!isObject(policy)) return [];
  return UNSUPPORTED_AUTHENTICATIONS.filter((scheme) => scheme in policy).map((scheme) =>
    unsupported(pointer(path, scheme), `authentication.${scheme}`, `${scheme === 'oidc' ? 'OpenID Connect (oidc)' : 'OAuth2'} authentication`, ' (use basic, bearer or digest)'),
  );
}

/** input/output/export schemas: Baton validates inline JSON Schemas only. */
function checkDataSchemas(holder: Record<string, any>, path: string): Problem[] {
  const problems: Problem[] = [];
  for (const [key, label] of [['input', 'input'], ['output', 'output'], ['export', 'export']] as const) {
    const schema = holder[key]?.schema;
    if (!isObject(schema)) continue;
    const at = pointer(path, key, 'schema');
    if (schema.resource !== undefined) {
      problems.push(unsupported(pointer(at, 'resource'), 'schema.resource', `an external ${label} schema (schema.resource)`, ' (inline it as schema.document)'));
    }
    if (typeof schema.format === 'string' && !/^json(:.*)?$/.test(schema.format)) {
      problems.push(unsupported(pointer(at, 'format'), 'schema.format', `schema format '${schema.format}'`, ' (only JSON Schema)'));
    }
  }
  return problems;
}
