// The arguments of `call: agent:1.0.0@default`, checked at registration with the interpreter's
// own compiler of them (interpreter/tasks/agent-compile.ts), so a missing model, a tool without a
// binding or an invalid JSON Schema is reported with its JSON path instead of failing a run later.
import { Ajv } from 'ajv';
import { CompileError } from '../interpreter/compile.ts';
import type { CompiledTask, Compiler } from '../interpreter/compile.ts';
import { compileAgent } from '../interpreter/tasks/agent-compile.ts';
import type { Problem } from './problem.ts';

const ajv = new Ajv({ strict: false, allErrors: false });

const schemaCompiler = {
  schema(def: { schema?: { document?: unknown } } | undefined, path: string) {
    const document = def?.schema?.document;
    if (document === undefined) return undefined;
    try {
      return ajv.compile(document as object);
    } catch (error) {
      throw new CompileError(`invalid JSON Schema: ${(error as Error).message}`, `${path}/schema/document`);
    }
  },
};

export function checkAgentArguments(task: Record<string, any>, path: string): Problem[] {
  try {
    compileAgent({ ref: path, def: task } as CompiledTask, schemaCompiler as unknown as Compiler);
    return [];
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    return [{ path: error.path, message: error.message.replace(/ \(at [^)]*\)$/, '') }];
  }
}
