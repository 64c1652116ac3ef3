// The official Serverless Workflow schema (schema/workflow.yaml), compiled once with Ajv.
//
// The official schema is the authority (a document is schema-valid iff it passes). A "shallow" copy in which a task list item or a reusable function may be
// any object. The shallow copy lets us validate the document skeleton and then each task on its
// own, against the subschema of its kind, instead of letting Ajv try all twelve task kinds on
// every task (which buries the real error under hundreds of others).
//
// The pass/fail verdict is not taken from the official schema in one Ajv call either: its `task`
// is a oneOf in which doTask and forTask both descend into `do`, so one call costs 2^depth in the
// nesting depth (a 200-deep document never finished and froze the API). A third, "linear" copy
// stops at each nested task and queues it; every task is then checked once against the official
// `task` definition — the same verdict, in time linear in the document.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { escapeToken, isObject } from './problem.ts';

const SCHEMA_URL = new URL('./schema/workflow.yaml', import.meta.url);
const SHALLOW_ID = 'https://baton.dev/schemas/serverless-workflow/shallow.yaml';
const LINEAR_ID = 'https://baton.dev/schemas/serverless-workflow/linear.yaml';
/** The custom keyword on a nested task in the linear copy: queues the task for its own check. */
const NESTED_TASK = 'x-baton-nested-task';

interface SchemaStore {
  ajv: Ajv2020;
  /** The linear copy's document and `task` validators (see validateOfficial). */
  linearDocument: ValidateFunction;
  linearTask: ValidateFunction;
  /** The shallow copy, to look up subschemas by JSON Pointer. */
  shallow: Record<string, any>;
  /** Schema object (by identity) → its JSON Pointer in the shallow copy. */
  pointers: WeakMap<object, string>;
  validators: Map<string, ValidateFunction>;
}

let store: SchemaStore | undefined;

function load(): SchemaStore {
  if (store) return store;
  const official = parse(readFileSync(SCHEMA_URL, 'utf8')) as Record<string, any>;
  const shallow = structuredClone(official);
  shallow.$id = SHALLOW_ID;
  shallow.$defs.taskList.items.additionalProperties = { type: 'object' };
  shallow.properties.use.properties.functions.additionalProperties = { type: 'object' };
  // verbose: errors carry the schema objects that failed, which we map back to pointers.
  const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true });
  addFormatsModule.default(ajv);
  ajv.addKeyword({ keyword: NESTED_TASK, schemaType: 'boolean', errors: false, validate: queueNestedTask });
  ajv.addSchema(shallow);
  const linear = structuredClone(official);
  linear.$id = LINEAR_ID;
  linear.$defs.taskList.items.additionalProperties = { type: 'object', [NESTED_TASK]: true };
  linear.properties.use.properties.functions.additionalProperties = { type: 'object', [NESTED_TASK]: true };
  ajv.addSchema(linear);
  const pointers = new WeakMap<object, string>();
  indexPointers(shallow, '', pointers);
  const linearDocument = ajv.compile({ $ref: LINEAR_ID });
  const linearTask = ajv.compile({ $ref: `${LINEAR_ID}#/$defs/task` });
  store = { ajv, linearDocument, linearTask, shallow, pointers, validators: new Map() };
  return store;
}

/** Tasks met by the linear validators, waiting for their own check (validateOfficial drains it). */
let nestedTasks: unknown[] = [];

function queueNestedTask(_schema: unknown, task: unknown): boolean {
  nestedTasks.push(task);
  return true;
}

function indexPointers(node: unknown, path: string, pointers: WeakMap<object, string>): void {
  if (typeof node !== 'object' || node === null) return;
  pointers.set(node, path);
  for (const [key, child] of Object.entries(node)) indexPointers(child, `${path}/${escapeToken(key)}`, pointers);
}

/**
 * Validates a whole document against the official schema; the errors are raw Ajv errors (of the
 * document, or of the first invalid task, relative to that task). Each nested task is checked
 * once against `task` (a oneOf branch that fails may queue a task its sibling queues too: the
 * set keeps it to one check).
 */
export function validateOfficial(document: unknown): ValidateFunction['errors'] {
  const { linearDocument, linearTask } = load();
  nestedTasks = [];
  try {
    if (!linearDocument(document)) return linearDocument.errors;
    const checked = new Set<unknown>();
    for (let task = nestedTasks.pop(); task !== undefined; task = nestedTasks.pop()) {
      if (checked.has(task)) continue;
      checked.add(task);
      if (!linearTask(task)) return linearTask.errors;
    }
    return null;
  } finally {
    nestedTasks = [];
  }
}

/** A validator for the shallow-schema subschema at a JSON Pointer ('' = the document). */
export function validatorAt(schemaPointer: string): ValidateFunction {
  const s = load();
  let validate = s.validators.get(schemaPointer);
  if (!validate) {
    validate = s.ajv.compile({ $ref: `${SHALLOW_ID}#${schemaPointer}` });
    s.validators.set(schemaPointer, validate);
  }
  return validate;
}

/** The JSON Pointer of a schema object of the shallow copy (as found in verbose Ajv errors). */
export function pointerOfSchema(schema: unknown): string | undefined {
  return isObject(schema) || Array.isArray(schema) ? load().pointers.get(schema) : undefined;
}

/** The subschema at a JSON Pointer of the shallow copy. */
export function schemaAt(schemaPointer: string): any {
  let node: any = load().shallow;
  for (const token of schemaPointer.split('/').slice(1)) {
    node = node?.[token.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/** Follows a local `$ref` ('#/$defs/x') of the shallow copy. */
export function resolveRef(schema: any): any {
  return typeof schema?.$ref === 'string' && schema.$ref.startsWith('#') ? schemaAt(schema.$ref.slice(1)) : schema;
}

/** The subschema pointer for a task of a given kind (call tasks: per protocol / function). */
export function taskSchemaPointer(kind: string, task: Record<string, unknown>): string {
  if (kind !== 'call') return `/$defs/${kind}Task`;
  const variants: any[] = schemaAt('/$defs/callTask/oneOf');
  const index = variants.findIndex((v) => v.allOf?.[1]?.properties?.call?.const === task.call);
  const functionIndex = variants.findIndex((v) => v.title === 'CallFunction');
  return `/$defs/callTask/oneOf/${index >= 0 ? index : functionIndex}`;
}
