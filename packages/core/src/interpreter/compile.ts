// compileWorkflow: walks a definition once and prepares everything decide() needs — task lists
// with references, compiled expressions and templates, JSON Schema validators, resolved
// `use.*` references — so that a decision only looks things up. The runtime caches the result
// per definition.
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Expr, Template } from './expressions.ts';
import { compileField, compileTransform, isExpression } from './expressions.ts';
import type { InputDefinition, OutputDefinition, TaskDefinition, TaskList, WorkflowDocument } from './document-types.ts';
import { parseDuration } from './duration.ts';
import { compileTaskSpecifics } from './compile-tasks.ts';
import type { TaskSpecifics } from './compile-tasks.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, allErrors: false }));

export type TaskType = 'call' | 'do' | 'emit' | 'for' | 'fork' | 'listen' | 'raise' | 'run' | 'set' | 'switch' | 'try' | 'wait';
const TASK_TYPES: readonly TaskType[] = ['call', 'for', 'fork', 'emit', 'listen', 'raise', 'run', 'set', 'switch', 'try', 'wait', 'do'];

export interface CompiledTask {
  ref: string;
  name: string;
  type: TaskType;
  def: TaskDefinition;
  /** The list the task belongs to (flow directives resolve there); absent for branches and functions. */
  list?: CompiledList;
  if?: Expr;
  inputFrom?: Template;
  inputSchema?: ValidateFunction;
  outputAs?: Template;
  outputSchema?: ValidateFunction;
  exportAs?: Template;
  exportSchema?: ValidateFunction;
  timeoutMs?: number;
  then?: string;
  spec: TaskSpecifics;
}

export interface CompiledList {
  ref: string;
  tasks: CompiledTask[];
  byName: Map<string, number>;
}

export interface CompiledWorkflow {
  document: WorkflowDocument;
  /** `namespace`, `name`, `version` of the definition. */
  definition: { namespace: string; name: string; version: string };
  root: CompiledList;
  /** Every task by reference, including functions of `use.functions`. */
  tasks: Map<string, CompiledTask>;
  inputFrom?: Template;
  inputSchema?: ValidateFunction;
  outputAs?: Template;
  outputSchema?: ValidateFunction;
  timeoutMs?: number;
}

/** Thrown when a definition cannot be compiled (bad reference, bad duration, bad schema). */
export class CompileError extends Error {
  override readonly name = 'CompileError';
  readonly path: string;
  constructor(message: string, path: string) {
    super(`${message} (at ${path || '/'})`);
    this.path = path;
  }
}

export interface Compiler {
  doc: WorkflowDocument;
  tasks: Map<string, CompiledTask>;
  list(items: TaskList | undefined, ref: string): CompiledList;
  task(name: string, def: TaskDefinition, ref: string, list?: CompiledList): CompiledTask;
  duration(value: unknown, path: string): number;
  schema(def: { schema?: InputDefinition['schema'] } | undefined, path: string): ValidateFunction | undefined;
}

export function compileWorkflow(document: WorkflowDocument): CompiledWorkflow {
  const compiler = createCompiler(document);
  const root = compiler.list(document.do, '/do');
  for (const [name, def] of Object.entries(document.use?.functions ?? {})) compiler.task(name, def, `/use/functions/${name}`);
  const meta = document.document;
  return {
    document,
    definition: { namespace: meta.namespace, name: meta.name, version: String(meta.version) },
    root,
    tasks: compiler.tasks,
    ...transforms(document.input, document.output, undefined, compiler, ''),
    ...(document.timeout !== undefined ? { timeoutMs: timeoutOf(document.timeout, compiler, '/timeout') } : {}),
  };
}

function createCompiler(doc: WorkflowDocument): Compiler {
  const compiler: Compiler = {
    doc,
    tasks: new Map(),
    list(items, ref) {
      const list: CompiledList = { ref, tasks: [], byName: new Map() };
      (items ?? []).forEach((entry, index) => {
        const [name, def] = Object.entries(entry)[0] ?? [];
        if (name === undefined || def === undefined) throw new CompileError('a task list entry must hold exactly one named task', `${ref}/${index}`);
        list.byName.set(name, index);
        list.tasks.push(compiler.task(name, def, `${ref}/${index}/${name}`, list));
      });
      checkDirectives(list);
      return list;
    },
    task(name, def, ref, list) {
      const type = TASK_TYPES.find((t) => def[t] !== undefined);
      if (type === undefined) throw new CompileError(`task "${name}" has no known task type`, ref);
      const task: CompiledTask = {
        ref, name, type, def,
        ...(list ? { list } : {}),
        ...(def.if !== undefined ? { if: compileField(def.if) } : {}),
        ...transforms(def.input, def.output, def.export, compiler, ref),
        ...(def.timeout !== undefined ? { timeoutMs: timeoutOf(def.timeout, compiler, `${ref}/timeout`) } : {}),
        ...(def.then !== undefined ? { then: def.then } : {}),
        spec: { type: 'none' },
      };
      compiler.tasks.set(ref, task);
      task.spec = compileTaskSpecifics(task, compiler);
      return task;
    },
    duration(value, path) {
      if (isExpression(value)) throw new CompileError('durations given as expressions are not supported here', path);
      try {
        return parseDuration(value);
      } catch (error) {
        throw new CompileError((error as Error).message, path);
      }
    },
    schema(def, path) {
      const document = def?.schema?.document;
      if (def?.schema === undefined) return undefined;
      if (document === undefined) throw new CompileError('only inline schemas (schema.document) are supported', `${path}/schema`);
      if ((def.schema.format ?? 'json') !== 'json' && !String(def.schema.format).startsWith('json')) {
        throw new CompileError(`schema format "${def.schema.format}" is not supported (use json)`, `${path}/schema`);
      }
      try {
        return ajv.compile(document);
      } catch (error) {
        throw new CompileError(`invalid JSON Schema: ${(error as Error).message}`, `${path}/schema/document`);
      }
    },
  };
  return compiler;
}

function transforms(input: InputDefinition | undefined, output: OutputDefinition | undefined, exported: OutputDefinition | undefined, compiler: Compiler, ref: string) {
  const inputSchema = compiler.schema(input, `${ref}/input`);
  const outputSchema = compiler.schema(output, `${ref}/output`);
  const exportSchema = compiler.schema(exported, `${ref}/export`);
  return {
    ...(input?.from !== undefined ? { inputFrom: compileTransform(input.from) } : {}),
    ...(inputSchema ? { inputSchema } : {}),
    ...(output?.as !== undefined ? { outputAs: compileTransform(output.as) } : {}),
    ...(outputSchema ? { outputSchema } : {}),
    ...(exported?.as !== undefined ? { exportAs: compileTransform(exported.as) } : {}),
    ...(exportSchema ? { exportSchema } : {}),
  };
}

const DIRECTIVES = new Set(['continue', 'exit', 'end']);

/** Flow directives may only name tasks of their own list (dsl.md, "Task Flow"). */
function checkDirectives(list: CompiledList): void {
  for (const task of list.tasks) {
    const targets: Array<[string | undefined, string]> = [[task.then, `${task.ref}/then`]];
    if (task.spec.type === 'switch') task.spec.cases.forEach((c, i) => targets.push([c.then, `${task.ref}/switch/${i}/${c.name}/then`]));
    for (const [target, path] of targets) {
      if (target !== undefined && !DIRECTIVES.has(target) && !list.byName.has(target)) {
        throw new CompileError(`flow directive "${target}" names no task of this list (tasks: ${[...list.byName.keys()].join(', ')})`, path);
      }
    }
  }
}

function timeoutOf(value: unknown, compiler: Compiler, path: string): number {
  if (typeof value === 'string' && !isExpression(value)) {
    const named = compiler.doc.use?.timeouts?.[value];
    if (named === undefined) throw new CompileError(`timeout "${value}" is not defined in use.timeouts`, path);
    return compiler.duration(named.after, `/use/timeouts/${value}/after`);
  }
  return compiler.duration((value as { after?: unknown }).after, `${path}/after`);
}

