// Which secrets a jq expression reads. A worker binds `$secrets` to exactly these (after checking
// the grants), so an expression can read only secrets it names literally — `$secrets.NAME`,
// `$secrets["NAME"]`, `$secrets."NAME"`, optionally followed by more steps. Any other use of
// `$secrets` (`$secrets[.key]`, `$secrets | keys`, `$secrets as $s`) is "dynamic" and refused:
// it would let a workflow enumerate or pick secrets by data.
import type { Ast } from '../jq/ast.ts';
import { parse } from '../jq/parser.ts';

export interface SecretUse {
  /** Secret names read literally, in order of appearance, without duplicates. */
  names: string[];
  /** `$secrets` used other than by a literal name (or the expression could not be parsed). */
  dynamic: boolean;
}

const MENTION = /\$secrets\b/;

/** True when the source may read `$secrets` (a cheap test before secretUse). */
export function mentionsSecrets(src: string): boolean {
  return MENTION.test(src);
}

/** How `src` uses `$secrets`; undefined when it does not use it at all. */
export function secretUse(src: string): SecretUse | undefined {
  if (!mentionsSecrets(src)) return undefined;
  let ast: Ast;
  try {
    ast = parse(src);
  } catch {
    // Syntax only jq-wasm knows: which secrets it reads cannot be told, so it may read none.
    return { names: [], dynamic: true };
  }
  const names = new Set<string>();
  let dynamic = false;
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i -= 1) stack.push(node[i]);
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    const name = literalSecretName(node as Ast);
    if (name !== undefined) {
      names.add(name);
      continue;
    }
    if ((node as { type?: unknown }).type === 'var' && (node as { name?: unknown }).name === 'secrets') dynamic = true;
    // Children in reverse, so that they are visited (and names found) in source order.
    for (const child of Object.values(node).reverse()) if (child !== null && typeof child === 'object') stack.push(child);
  }
  if (names.size === 0 && !dynamic) return undefined;
  return { names: [...names], dynamic };
}

/** `$secrets.NAME` (an index of the variable by a string literal): NAME, else undefined. */
function literalSecretName(node: Ast): string | undefined {
  if (node.type !== 'index' || node.target.type !== 'var' || node.target.name !== 'secrets') return undefined;
  const index = node.index;
  if (index.type === 'literal' && typeof index.value === 'string') return index.value;
  if (index.type === 'string' && index.format === undefined && index.parts.every((part) => typeof part === 'string')) return index.parts.join('');
  return undefined;
}
