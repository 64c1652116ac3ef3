// Wording of schema problems. Kept apart from the error-selection logic in schema-errors.ts.
import type { ErrorObject } from 'ajv/dist/2020.js';
import { isObject } from './problem.ts';
import { resolveRef } from './schema.ts';

/** How to name, in a "must be …" message, the schemas the official schema titles. */
const FRIENDLY_TITLES: Record<string, string> = {
  RuntimeExpression: 'a runtime expression (${ … })',
  UriTemplate: 'an absolute URI or URI template (e.g. https://host/pets/{id})',
  LiteralUriTemplate: 'an absolute URI template (e.g. https://host/pets/{id})',
  LiteralUri: 'an absolute URI',
  EndpointConfiguration: 'an endpoint object ({ uri, authentication })',
  DurationInline: 'a duration object (e.g. { seconds: 30 })',
  DurationExpression: 'a runtime expression (${ … })',
  DurationLiteral: 'an ISO 8601 duration (e.g. PT30S)',
  TimeoutDefinition: 'a timeout object ({ after: <duration> })',
  TaskTimeoutDefinition: 'a timeout object ({ after: <duration> })',
  TimeoutReference: 'the name of a timeout in use.timeouts',
  TaskTimeoutReference: 'the name of a timeout in use.timeouts',
  RetryPolicyDefinition: 'a retry policy object',
  RetryPolicyReference: 'the name of a retry policy in use.retries',
  RaiseErrorDefinition: 'an error object ({ type, status, … })',
  RaiseErrorReference: 'the name of an error in use.errors',
  AuthenticationPolicyReference: "a reference to a policy of use.authentications ({ use: <name> })",
  AuthenticationPolicy: 'an authentication policy (basic, bearer, digest, oauth2 or oidc)',
};

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  object: 'an object',
  array: 'an array',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  null: 'null',
};

/** A short description of one alternative of a oneOf/anyOf. */
export function describeBranch(branch: unknown): string {
  const target = resolveRef(branch);
  const titles = [isObject(branch) ? branch.title : undefined, isObject(target) ? target.title : undefined];
  const friendly = titles.find((t): t is string => typeof t === 'string' && FRIENDLY_TITLES[t] !== undefined);
  if (friendly) return FRIENDLY_TITLES[friendly]!;
  const type = (isObject(branch) && branch.type) || (isObject(target) && target.type);
  if (typeof type === 'string' && TYPE_NAMES[type]) return TYPE_NAMES[type];
  const title = titles.find((t): t is string => typeof t === 'string');
  if (title) return title;
  const required = isObject(target) && Array.isArray(target.required) ? target.required : [];
  return required.length > 0 ? `the form with ${required.map((r: string) => `'${r}'`).join(', ')}` : 'another form';
}

/** Patterns of the official schema that deserve words rather than a regular expression. */
function describePattern(error: ErrorObject): string {
  const title = isObject(error.parentSchema) ? error.parentSchema.title : undefined;
  switch (title) {
    case 'RuntimeExpression':
      return 'must be a runtime expression (${ … })';
    case 'WorkflowDSL':
    case 'WorkflowVersion':
      return 'must be a semantic version (e.g. 1.0.0)';
    case 'WorkflowName':
    case 'WorkflowNamespace':
      return "must be 1 to 63 letters, digits or '-', starting and ending with a letter or digit";
    case 'DurationLiteral':
      return 'must be an ISO 8601 duration (e.g. PT30S)';
    case 'LiteralUriTemplate':
    case 'LiteralUri':
      return 'must be an absolute URI (scheme://…)';
    default:
      return `must match the pattern ${String(error.params.pattern)}`;
  }
}

const SINGLE_KEY_ITEMS: Record<string, string> = {
  TaskItem: 'a task list item must have exactly one key: the task name',
  SwitchItem: 'a switch item must have exactly one key: the case name',
  ExtensionItem: 'an extension item must have exactly one key: the extension name',
};

export function describeError(error: ErrorObject): string {
  const params = error.params as Record<string, any>;
  const title = isObject(error.parentSchema) ? error.parentSchema.title : undefined;
  switch (error.keyword) {
    case 'required':
      return `missing required property '${String(params.missingProperty)}'`;
    case 'type': {
      const types = String(params.type).split(',').map((t) => TYPE_NAMES[t] ?? t);
      return `must be ${types.join(' or ')}`;
    }
    case 'enum':
      return `must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'pattern':
      return describePattern(error);
    case 'format':
      return `must be a valid ${String(params.format)}`;
    case 'minProperties':
    case 'maxProperties':
      if (typeof title === 'string' && SINGLE_KEY_ITEMS[title]) return SINGLE_KEY_ITEMS[title];
      return params.limit === 1 && error.keyword === 'minProperties' ? 'must not be empty' : (error.message ?? 'has a wrong number of properties');
    case 'minItems':
      return params.limit === 1 ? 'must not be empty' : `must have at least ${String(params.limit)} items`;
    case 'false schema':
      return 'is not allowed here';
    case 'not': {
      const forbidden = isObject(error.schema) && Array.isArray(error.schema.required) ? error.schema.required : [];
      return forbidden.length > 0 ? `must not have ${forbidden.map((r: string) => `'${r}'`).join(', ')} here` : 'has a value that is not allowed here';
    }
    default:
      return error.message ?? `fails the schema keyword '${error.keyword}'`;
  }
}

export function unknownPropertyMessage(name: string, allowed: string[], label: string | undefined): string {
  const subject = label ? ` of ${label}` : '';
  const suggestion = closest(name, allowed);
  const hint = suggestion ? ` — did you mean '${suggestion}'?` : allowed.length > 0 && allowed.length <= 12 ? ` (allowed: ${allowed.join(', ')})` : '';
  return `unknown property '${name}'${subject}${hint}`;
}

/** The allowed name within edit distance 2 of a misspelt one, if there is exactly one best. */
function closest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
