// Turns Ajv errors into problems a human can act on.
//
// The official schema is full of oneOf/anyOf. When a value matches none of the alternatives,
// Ajv reports every failure of every alternative, plus "unevaluated property" errors for every
// property of the enclosing object (failed alternatives evaluate nothing). Instead, for each
// failed alternative we validate the value against each branch on its own, keep the branch the
// value was evidently meant for (right type, discriminating property present, deepest errors)
// and explain only that branch — recursively. When no branch stands out, one summary problem
// says what the value must be.
import type { ErrorObject } from 'ajv/dist/2020.js';
import { isObject, pointer } from './problem.ts';
import type { Problem } from './problem.ts';
import { pointerOfSchema, resolveRef, validatorAt } from './schema.ts';
import { describeBranch, describeError, unknownPropertyMessage } from './schema-messages.ts';

export interface ExplainContext {
  /** Said of the validated value in "unknown property" messages at its root, e.g. "an http call task". */
  label?: string;
}

/** Problems for a value validated against the shallow-schema subschema at `schemaPointer`. */
export function explainAt(schemaPointer: string, data: unknown, basePath: string, context: ExplainContext = {}): Problem[] {
  const validate = validatorAt(schemaPointer);
  if (validate(data)) return [];
  return explainErrors([...(validate.errors ?? [])], basePath, context);
}

/** Problems for raw Ajv errors (verbose mode) of one validation. */
export function explainErrors(errors: ErrorObject[], basePath: string, context: ExplainContext = {}): Problem[] {
  // Outermost first; at the same value, Ajv lists an alternative after the inner ones it contains.
  const alternatives = errors
    .map((error, order) => ({ error, order }))
    .filter(({ error }) => error.keyword === 'oneOf' || error.keyword === 'anyOf')
    .sort((a, b) => depth(a.error.instancePath) - depth(b.error.instancePath) || b.order - a.order)
    .map(({ error }) => error);
  const handled: Owner[] = [];
  const problems: Problem[] = [];
  for (const alternative of alternatives) {
    if (handled.some((h) => isWithin(alternative.instancePath, h.path))) continue;
    const owner = { path: alternative.instancePath, parentSchema: alternative.parentSchema };
    // A value of the wrong type for the schema holding the alternatives: that type error says it all.
    if (errors.some((e) => e.keyword === 'type' && isOwnError(e, owner))) {
      handled.push({ ...owner, allowed: new Set() });
      continue;
    }
    const result = explainAlternative(alternative, basePath);
    handled.push({ ...owner, allowed: result.allowed });
    problems.push(...result.problems);
  }
  for (const error of errors) {
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf' || error.keyword === 'if') continue;
    const owner = handled.find((h) => isWithin(error.instancePath, h.path));
    // Under a resolved alternative, keep only the errors of the schema that holds it (its type,
    // its required properties, properties that no branch allows); the rest came from branches.
    if (owner && !isOwnError(error, owner)) continue;
    if (owner && isUnknownProperty(error) && owner.allowed.has(unknownPropertyName(error))) continue;
    problems.push(toProblem(error, basePath, context, owner?.allowed));
  }
  return problems;
}

/** The value where alternatives failed, and the schema object holding them. */
interface Owner {
  path: string;
  parentSchema: unknown;
  allowed: Set<string>;
}

function isOwnError(error: ErrorObject, owner: { path: string; parentSchema: unknown }): boolean {
  return error.instancePath === owner.path && error.parentSchema === owner.parentSchema;
}

interface BranchResult {
  index: number;
  schema: any;
  pointer: string;
  errors: ErrorObject[];
  typeMismatch: boolean;
  missingRequired: string[];
  depth: number;
}

function explainAlternative(alternative: ErrorObject, basePath: string): { problems: Problem[]; allowed: Set<string> } {
  const path = basePath + alternative.instancePath;
  const branchesPointer = pointerOfSchema(alternative.schema);
  const branches = alternative.schema as any[];
  const parentAllowed = allowedProperties(alternative.parentSchema);
  if (branchesPointer === undefined || !Array.isArray(branches)) {
    return { problems: [{ path, message: 'does not match any allowed form' }], allowed: parentAllowed };
  }
  const passing = (alternative.params as { passingSchemas?: number[] | null }).passingSchemas;
  if (alternative.keyword === 'oneOf' && Array.isArray(passing)) {
    const names = passing.map((i) => describeBranch(branches[i]));
    const allowed = union(parentAllowed, ...branches.map((branch) => knownProperties(branch)));
    return { problems: [{ path, message: `is ambiguous: it matches ${names.join(' and ')}, but must match exactly one` }], allowed };
  }
  const results = branches.map((schema, index) => tryBranch(schema, index, `${branchesPointer}/${index}`, alternative.data));
  const viable = results.filter((r) => !r.typeMismatch);
  if (viable.length === 0) {
    return { problems: [{ path, message: `must be ${describeAlternatives(results)}` }], allowed: parentAllowed };
  }
  viable.sort((a, b) => a.missingRequired.length - b.missingRequired.length || b.depth - a.depth || a.errors.length - b.errors.length);
  const best = viable[0]!;
  const tied = viable.filter((r) => r.missingRequired.length === best.missingRequired.length && r.depth === best.depth);
  if (tied.length > 1 && best.depth === 0) {
    const allowed = union(parentAllowed, ...tied.map((r) => knownProperties(r.schema)));
    return { problems: [{ path, message: summarize(tied) }], allowed };
  }
  const allowed = union(parentAllowed, knownProperties(best.schema));
  const explained = explainErrors(best.errors, path);
  return { problems: explained.length > 0 ? explained : [{ path, message: `must be ${describeBranch(best.schema)}` }], allowed };
}

function tryBranch(schema: any, index: number, branchPointer: string, data: unknown): BranchResult {
  const validate = validatorAt(branchPointer);
  const errors = validate(data) ? [] : [...(validate.errors ?? [])];
  // Judged on the branch's own declarations, not on Ajv's errors: at the root of a value, Ajv
  // mixes the branch's errors with those of alternatives nested inside it.
  const types = schemaTypes(schema);
  const required = requiredProperties(schema);
  return {
    index,
    schema,
    pointer: branchPointer,
    errors,
    typeMismatch: (types !== undefined && !types.has(jsonType(data))) || !matchesConstant(schema, data),
    missingRequired: isObject(data) ? required.filter((name) => !(name in data)) : [],
    depth: Math.max(0, ...errors.map((e) => depth(e.instancePath))),
  };
}

/** The JSON types a schema admits, following $ref and alternatives; undefined = any. */
function schemaTypes(schema: unknown, seen = new Set<unknown>()): Set<string> | undefined {
  const node = resolveRef(schema);
  if (!isObject(node) || seen.has(node)) return undefined;
  seen.add(node);
  const own = isObject(schema) && schema.type !== undefined ? schema.type : node.type;
  if (own !== undefined) {
    const types = new Set<string>(Array.isArray(own) ? own : [own]);
    if (types.has('number')) types.add('integer');
    return types;
  }
  const alternatives: unknown[] = [...(node.oneOf ?? []), ...(node.anyOf ?? [])];
  if (alternatives.length === 0) return undefined;
  const result = new Set<string>();
  for (const branch of alternatives) {
    const types = schemaTypes(branch, seen);
    if (types === undefined) return undefined;
    for (const type of types) result.add(type);
  }
  return result;
}

function requiredProperties(schema: unknown, seen = new Set<unknown>()): string[] {
  const node = resolveRef(schema);
  if (!isObject(node) || seen.has(node)) return [];
  seen.add(node);
  const own = [...(isObject(schema) && Array.isArray(schema.required) ? schema.required : []), ...(Array.isArray(node.required) ? node.required : [])];
  const inherited = Array.isArray(node.allOf) ? node.allOf.flatMap((part: unknown) => requiredProperties(part, seen)) : [];
  return [...new Set([...own, ...inherited])];
}

function matchesConstant(schema: unknown, data: unknown): boolean {
  const node = resolveRef(schema);
  if (!isObject(node)) return true;
  if ('const' in node && node.const !== data) return false;
  return !Array.isArray(node.enum) || node.enum.includes(data);
}

function jsonType(data: unknown): string {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'array';
  if (typeof data === 'number') return Number.isInteger(data) ? 'integer' : 'number';
  return typeof data;
}

/** "must be …" when the value has the wrong type for every branch. */
function describeAlternatives(results: BranchResult[]): string {
  return joinOr(results.map((r) => describeBranch(r.schema)));
}

function summarize(tied: BranchResult[]): string {
  const onlyRequired = tied.every((r) => r.errors.length > 0 && r.errors.every((e) => e.instancePath === '' && (e.keyword === 'required' || isUnknownProperty(e))));
  if (onlyRequired && tied.every((r) => r.missingRequired.length > 0)) {
    const forms = [...new Set(tied.map((r) => r.missingRequired.map((p) => `'${p}'`).join(' and ')))];
    return forms.length === 1 ? `missing required property ${forms[0]}` : `must have one of: ${forms.join(', or ')}`;
  }
  return `must be ${joinOr(tied.map((r) => describeBranch(r.schema)))}`;
}

/** "a, b or c" (distinct items). */
function joinOr(items: string[]): string {
  const distinct = [...new Set(items)];
  return distinct.length <= 1 ? (distinct[0] ?? '') : `${distinct.slice(0, -1).join(', ')} or ${distinct[distinct.length - 1]}`;
}

/** Properties a schema declares, following $ref and allOf (not oneOf: that is the choice). */
export function allowedProperties(schema: unknown, seen = new Set<unknown>()): Set<string> {
  const result = new Set<string>();
  const node = resolveRef(schema);
  if (!isObject(node) || seen.has(node)) return result;
  seen.add(node);
  if (isObject(node.properties)) for (const key of Object.keys(node.properties)) result.add(key);
  if (Array.isArray(node.allOf)) for (const part of node.allOf) for (const key of allowedProperties(part, seen)) result.add(key);
  if (node !== schema) for (const key of allowedProperties({ ...(schema as object), $ref: undefined }, seen)) result.add(key);
  return result;
}

/** Properties an object may have under some alternative: its own and, recursively, its alternatives'. */
function knownProperties(schema: unknown, seen = new Set<unknown>()): Set<string> {
  const node = resolveRef(schema);
  if (!isObject(node) || seen.has(node)) return new Set();
  seen.add(node);
  const alternatives: unknown[] = [...(node.oneOf ?? []), ...(node.anyOf ?? [])];
  return union(allowedProperties(schema), ...alternatives.map((branch) => knownProperties(branch, seen)));
}

function union(...sets: Array<Set<string>>): Set<string> {
  return new Set(sets.flatMap((s) => [...s]));
}

function isUnknownProperty(error: ErrorObject): boolean {
  return error.keyword === 'unevaluatedProperties' || error.keyword === 'additionalProperties';
}

function unknownPropertyName(error: ErrorObject): string {
  const params = error.params as { unevaluatedProperty?: string; additionalProperty?: string };
  return String(params.unevaluatedProperty ?? params.additionalProperty);
}

function toProblem(error: ErrorObject, basePath: string, context: ExplainContext, known?: Set<string>): Problem {
  const path = basePath + error.instancePath;
  if (isUnknownProperty(error)) {
    const name = unknownPropertyName(error);
    const allowed = [...(known ?? knownProperties(error.parentSchema))];
    const label = error.instancePath === '' ? context.label : undefined;
    return { path: pointer(path, name), message: unknownPropertyMessage(name, allowed, label) };
  }
  return { path, message: describeError(error) };
}

function depth(instancePath: string): number {
  return instancePath === '' ? 0 : instancePath.split('/').length - 1;
}

function isWithin(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}
