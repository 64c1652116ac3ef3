// The table of builtins: natives (TypeScript) plus the prelude (jq source) compiled on top.
import { compile, defineFunction, registerNatives, type NativeFactory, type Scope } from '../compile.ts';
import { parse } from '../parser.ts';
import type { Ast } from '../ast.ts';
import type { Env } from '../runtime.ts';
import { registerDates } from '../dates.ts';
import { registerCollections } from './collections.ts';
import { registerCore } from './core.ts';
import { registerMath } from './math.ts';
import { PRELUDE } from './prelude.ts';
import { registerStrings } from './strings.ts';

export interface Builtins {
  scope: Scope | null;
  env: Env | null;
}

function buildNatives(): Map<string, NativeFactory> {
  const table = new Map<string, NativeFactory>();
  registerCore(table);
  registerStrings(table);
  registerCollections(table);
  registerMath(table);
  registerDates(table);
  return table;
}

/** Compiles the prelude definitions one by one, giving each its own (shared) frame. */
function buildPrelude(): Builtins {
  let ast: Ast = parse(PRELUDE);
  let scope: Scope | null = null;
  let env: Env | null = null;
  while (ast.type === 'funcDef') {
    const frame: Env = { v: null, up: env };
    scope = defineFunction(ast.def, scope, frame);
    env = frame;
    ast = ast.rest;
  }
  return { scope, env };
}

let builtins: Builtins | undefined;

export function getBuiltins(): Builtins {
  if (!builtins) {
    registerNatives(buildNatives());
    builtins = buildPrelude();
  }
  return builtins;
}

export { compile };
