// Helpers to declare native builtins. A builtin is a factory from its compiled arguments to a
// Node; `$`-parameters are evaluated on the input and combined like jq does (first argument
// in the outer loop).
import type { CompileTools, NativeFactory } from '../compile.ts';
import { oneNode, valueNode, type Emit, type Env, type Node } from '../runtime.ts';

export type Table = Map<string, NativeFactory>;

export function defineGenerator(table: Table, name: string, arity: number, factory: (args: Node[], tools: CompileTools) => Node): void {
  table.set(`${name}/${arity}`, factory);
}

/** A function of the input and its `$`-arguments returning exactly one value. */
export function defineFunction(table: Table, name: string, arity: number, fn: (input: unknown, ...args: unknown[]) => unknown): void {
  defineGenerator(table, name, arity, (args) => {
    if (args.every((a) => a.one)) {
      const ones = args.map((a) => a.one!);
      if (ones.length === 0) return oneNode((input) => fn(input));
      if (ones.length === 1) {
        const a = ones[0]!;
        return oneNode((input, env) => fn(input, a(input, env)));
      }
      return oneNode((input, env) => fn(input, ...ones.map((a) => a(input, env))));
    }
    return valueNode(withValueArgs(args, (input, values, emit) => emit(fn(input, ...values))));
  });
}

/** A builtin with filter arguments that always yields exactly one value (map, sort_by, …). */
export function defineSingle(table: Table, name: string, arity: number, fn: (input: unknown, env: Env | null, args: Node[]) => unknown): void {
  defineGenerator(table, name, arity, (args) => oneNode((input, env) => fn(input, env, args)));
}

/** Like defineFunction, but the function emits any number of outputs. */
export function defineValueGenerator(table: Table, name: string, arity: number, fn: (input: unknown, values: unknown[], emit: Emit) => void): void {
  defineGenerator(table, name, arity, (args) => valueNode(withValueArgs(args, fn)));
}

export function withValueArgs(args: Node[], fn: (input: unknown, values: unknown[], emit: Emit) => void) {
  if (args.length === 0) return (input: unknown, _env: Env | null, emit: Emit): void => fn(input, [], emit);
  if (args.length === 1) {
    const a = args[0]!;
    return (input: unknown, env: Env | null, emit: Emit): void => a.run(input, env, (v) => fn(input, [v], emit));
  }
  return (input: unknown, env: Env | null, emit: Emit): void => {
    const values: unknown[] = [];
    const step = (i: number): void => {
      if (i === args.length) return fn(input, values.slice(), emit);
      args[i]!.run(input, env, (v) => {
        values[i] = v;
        step(i + 1);
      });
    };
    step(0);
  };
}
