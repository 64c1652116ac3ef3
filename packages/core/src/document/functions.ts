// What a `call: <name>` that is not a protocol (http, grpc, …) refers to.
import { isObject } from './problem.ts';

/** Protocol calls of the spec; any other `call` value names a function. */
export const PROTOCOL_CALLS = ['http', 'grpc', 'openapi', 'asyncapi', 'a2a', 'mcp'] as const;

/** Functions of Baton's default catalog (dsl.md, "Default Catalog"). */
export const DEFAULT_CATALOG_FUNCTIONS = ['agent:1.0.0', 'approval:1.0.0'] as const;

const CATALOGED = /^([^:@\s]+):([^:@\s]+)@([^:@\s]+)$/;

export type FunctionRef =
  | { kind: 'local'; name: string } // defined in use.functions
  | { kind: 'default-catalog'; name: string } // agent/approval of Baton's default catalog
  | { kind: 'default-catalog-unknown'; name: string } // name:version@default that Baton does not have
  | { kind: 'catalog'; name: string; catalog: string } // name:version@catalog of another catalog
  | { kind: 'uri'; name: string } // a function definition fetched from a URI
  | { kind: 'unknown'; name: string };

export function classifyFunction(name: string, document: Record<string, any>): FunctionRef {
  const functions = document.use?.functions;
  if (isObject(functions) && Object.hasOwn(functions, name)) return { kind: 'local', name };
  const cataloged = CATALOGED.exec(name);
  if (cataloged) {
    const [, fn, version, catalog] = cataloged;
    if (catalog !== 'default') return { kind: 'catalog', name, catalog: catalog! };
    const known = (DEFAULT_CATALOG_FUNCTIONS as readonly string[]).includes(`${fn}:${version}`);
    return { kind: known ? 'default-catalog' : 'default-catalog-unknown', name };
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(name)) return { kind: 'uri', name };
  return { kind: 'unknown', name };
}
