// Compiling the `with` of `call: agent:1.0.0@default`. The tools' bindings are NOT part of the
// task's `with` template: their expressions are evaluated per tool call, with the model's
// arguments in scope as `.`, `$input` (for deferred secret expressions) and `$args`.
import type { ValidateFunction } from 'ajv';
import type { ToolSpec } from '../../agent/contract.ts';
import type { CompiledTask, Compiler } from '../compile.ts';
import { CompileError } from '../compile.ts';
import type { Template } from '../expressions.ts';
import { compileTemplate, isExpression } from '../expressions.ts';

export const DEFAULT_MAX_TURNS = 10;
const SAMPLING_KEYS = ['temperature', 'top_p', 'max_tokens', 'stop', 'seed', 'presence_penalty', 'frequency_penalty'] as const;

export type ToolBinding =
  | { kind: 'http'; with: Template; rawEndpoint: unknown }
  | { kind: 'workflow'; namespace: string; name: string; version: string; input?: Template };

export interface CompiledTool {
  spec: ToolSpec;
  /** Validates the model's arguments before the tool runs; a mismatch is told to the model. */
  validate?: ValidateFunction;
  binding: ToolBinding;
}

export interface CompiledAgent {
  model: Template;
  system?: Template;
  prompt?: Template;
  messages?: Template;
  sampling: Template;
  tools: CompiledTool[];
  maxTurns: number;
  outputSchema?: { document: Record<string, unknown>; validate: ValidateFunction };
  budget: { maxTokens?: number; maxCostUsd?: number };
  stream: boolean;
}

type Raw = Record<string, unknown>;

export function compileAgent(task: CompiledTask, c: Compiler): CompiledAgent {
  const ref = `${task.ref}/with`;
  const w = (task.def.with ?? {}) as Raw;
  if (w.model === undefined) throw new CompileError('an agent call needs with.model', ref);
  if (w.prompt === undefined && w.messages === undefined) throw new CompileError('an agent call needs with.prompt or with.messages', ref);
  const sampling: Raw = {};
  for (const key of SAMPLING_KEYS) if (w[key] !== undefined) sampling[key] = w[key];
  const output = w.output as { schema?: unknown } | undefined;
  const schema = output?.schema;
  if (schema !== undefined && (schema === null || typeof schema !== 'object')) throw new CompileError('with.output.schema must be a JSON Schema object', `${ref}/output/schema`);
  const validate = schema === undefined ? undefined : compileSchema(c, schema, `${ref}/output/schema`);
  return {
    model: compileTemplate(w.model),
    ...(w.system !== undefined ? { system: compileTemplate(w.system) } : {}),
    ...(w.prompt !== undefined ? { prompt: compileTemplate(w.prompt) } : {}),
    ...(w.messages !== undefined ? { messages: compileTemplate(w.messages) } : {}),
    sampling: compileTemplate(sampling),
    tools: compileTools(w.tools, c, `${ref}/tools`),
    maxTurns: positive(w.maxTurns, `${ref}/maxTurns`) ?? DEFAULT_MAX_TURNS,
    ...(validate ? { outputSchema: { document: schema as Record<string, unknown>, validate } } : {}),
    budget: compileBudget(w.budget, `${ref}/budget`),
    stream: w.stream !== false,
  };
}

function compileTools(value: unknown, c: Compiler, path: string): CompiledTool[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new CompileError('with.tools must be a list of tools', path);
  const names = new Set<string>();
  return value.map((raw: Raw, i) => {
    const at = `${path}/${i}`;
    if (raw === null || typeof raw !== 'object' || typeof raw.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(raw.name)) {
      throw new CompileError('a tool needs a name of 1-64 letters, digits, _ or -', at);
    }
    if (names.has(raw.name)) throw new CompileError(`tool "${raw.name}" is declared twice`, at);
    names.add(raw.name);
    const parameters = (raw.parameters ?? { type: 'object', properties: {} }) as Record<string, unknown>;
    const validate = compileSchema(c, parameters, `${at}/parameters`);
    const spec: ToolSpec = { name: raw.name, parameters, ...(typeof raw.description === 'string' ? { description: raw.description } : {}) };
    return { spec, ...(validate ? { validate } : {}), binding: compileBinding(raw, at) };
  });
}

/** A JSON Schema written inline in `with` (not a DSL schema definition): errors name its own path. */
function compileSchema(c: Compiler, document: unknown, path: string): ValidateFunction | undefined {
  try {
    return c.schema({ schema: { document } } as never, path);
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    throw new CompileError(error.message.replace(/ \(at [^)]*\)$/, ''), path);
  }
}

function compileBinding(raw: Raw, at: string): ToolBinding {
  if (raw.call === 'http') {
    const w = (raw.with ?? {}) as Raw;
    if (w.endpoint === undefined || w.method === undefined) throw new CompileError('an http tool needs with.method and with.endpoint', `${at}/with`);
    return { kind: 'http', with: compileTemplate(w), rawEndpoint: w.endpoint };
  }
  const workflow = (raw.run as { workflow?: Raw } | undefined)?.workflow;
  if (workflow !== undefined) {
    if (typeof workflow.namespace !== 'string' || typeof workflow.name !== 'string') throw new CompileError('a workflow tool needs run.workflow.namespace and name', `${at}/run/workflow`);
    return {
      kind: 'workflow',
      namespace: workflow.namespace,
      name: workflow.name,
      version: typeof workflow.version === 'string' ? workflow.version : 'latest',
      ...(workflow.input !== undefined ? { input: compileTemplate(workflow.input) } : {}),
    };
  }
  const given = raw.call !== undefined ? `call: ${String(raw.call)}` : 'no binding';
  throw new CompileError(`a tool is bound to call: http or run: workflow (found ${given})`, at);
}

function compileBudget(value: unknown, path: string): CompiledAgent['budget'] {
  if (value === undefined) return {};
  const b = value as Raw;
  const maxTokens = positive(b.maxTokens, `${path}/maxTokens`);
  const maxCostUsd = positive(b.maxCostUsd, `${path}/maxCostUsd`, true);
  return { ...(maxTokens !== undefined ? { maxTokens } : {}), ...(maxCostUsd !== undefined ? { maxCostUsd } : {}) };
}

function positive(value: unknown, path: string, fractional = false): number | undefined {
  if (value === undefined) return undefined;
  if (isExpression(value)) throw new CompileError('must be a number (expressions are not supported here)', path);
  if (typeof value !== 'number' || value <= 0 || (!fractional && !Number.isInteger(value))) throw new CompileError(`must be a positive ${fractional ? 'number' : 'integer'}`, path);
  return value;
}

/** The run-level budget: `document.metadata.baton.budget` of the workflow document. */
export function runBudget(metadata: unknown): { maxTokens?: number; maxCostUsd?: number } {
  const budget = (metadata as { baton?: { budget?: Raw } } | undefined)?.baton?.budget;
  if (!budget) return {};
  return {
    ...(typeof budget.maxTokens === 'number' ? { maxTokens: budget.maxTokens } : {}),
    ...(typeof budget.maxCostUsd === 'number' ? { maxCostUsd: budget.maxCostUsd } : {}),
  };
}
