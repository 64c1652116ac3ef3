// An OpenAPI document as the worker uses it: the text read (JSON or YAML), its `$ref`s
// dereferenced by @readme/openapi-parser (Swagger 2.0, OpenAPI 3.0, 3.1), and its operations
// indexed by operationId. External `$ref`s (another file or URL) are left unresolved: the
// parser would fetch them itself, past the worker's address policy; an operation that needs one
// is refused by name (operation.ts).
import { dereference } from '@readme/openapi-parser';
import { parse as parseYaml } from 'yaml';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** A loosely typed node of the document: whatever the author wrote, read defensively. */
export type Node = Record<string, any>;

export interface Operation {
  operationId: string;
  method: (typeof HTTP_METHODS)[number];
  /** The path template as written under `paths` (e.g. /pet/{petId}). */
  path: string;
  pathItem: Node;
  operation: Node;
}

export interface OpenApiDocument {
  /** `swagger` for Swagger 2.0, `openapi` for OpenAPI 3.x. */
  kind: 'swagger' | 'openapi';
  version: string;
  /** The dereferenced document (it may hold cycles through schemas: never serialize it). */
  api: Node;
  /** The URL the document was read from (after redirects): relative server URLs resolve against it. */
  url: URL;
  operations: Map<string, Operation>;
}

export class OpenApiDocumentError extends Error {
  override readonly name = 'OpenApiDocumentError';
}

/** Bounds the parser's work on one document (its own check, between steps). */
const DEREFERENCE_TIMEOUT_MS = 5_000;
/** Nesting refused before parsing: the YAML parser and the dereferencer recurse (real documents nest a few dozen levels). */
const MAX_NESTING = 200;
const MAX_INDENT = 1_000;

export async function loadDocument(text: string, contentType: string | undefined, url: URL): Promise<OpenApiDocument> {
  const parsed = parseText(text, contentType);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new OpenApiDocumentError('the document is not a JSON or YAML object');
  const raw = parsed as Node;
  const kind = typeof raw.swagger === 'string' ? 'swagger' : typeof raw.openapi === 'string' ? 'openapi' : undefined;
  const version = String(raw.swagger ?? raw.openapi ?? '');
  if (kind === undefined || (kind === 'swagger' ? version !== '2.0' : !/^3\.[01]\.\d+/.test(version))) {
    const found = kind ? `${kind}: ${JSON.stringify(version)}` : 'neither a "swagger" nor an "openapi" version';
    throw new OpenApiDocumentError(`the document is not Swagger 2.0 or OpenAPI 3.0/3.1 (it has ${found})`);
  }
  if (raw.paths === null || typeof raw.paths !== 'object') throw new OpenApiDocumentError('the document has no "paths" object');
  let api: Node;
  try {
    api = (await dereference(raw as never, { resolve: { external: false }, timeoutMs: DEREFERENCE_TIMEOUT_MS })) as Node;
  } catch (error) {
    throw new OpenApiDocumentError(`its $refs could not be resolved: ${(error as Error).message}`);
  }
  return { kind, version, api, url, operations: indexOperations(api) };
}

function parseText(text: string, contentType: string | undefined): unknown {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const json = type === 'application/json' || type.endsWith('+json') || /^\s*\{/.test(text);
  const excess = nestingExcess(text, json);
  if (excess) throw new OpenApiDocumentError(excess);
  try {
    return json ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 1_000, prettyErrors: false });
  } catch (error) {
    throw new OpenApiDocumentError(`the document is not valid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
}

/** Brackets opened and not closed (outside double-quoted strings) and, for YAML, indentation: cheap, before any recursion. */
function nestingExcess(text: string, json: boolean): string | undefined {
  let depth = 0;
  let inString = false;
  let indent = 0;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      if (++depth > MAX_NESTING) return `the document nests deeper than ${MAX_NESTING} levels`;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    if (json) continue;
    if (c === '\n') {
      lineStart = true;
      indent = 0;
    } else if (lineStart && c === ' ') {
      if (++indent > MAX_INDENT) return `the document is indented deeper than ${MAX_INDENT} columns`;
    } else lineStart = false;
  }
  return undefined;
}

function indexOperations(api: Node): Map<string, Operation> {
  const operations = new Map<string, Operation>();
  for (const [path, pathItem] of Object.entries<Node>(api.paths ?? {})) {
    if (pathItem === null || typeof pathItem !== 'object') continue;
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method] as Node | undefined;
      const id = operation?.operationId;
      // operationIds are unique (both specifications say so); the first one written wins otherwise.
      if (typeof id === 'string' && !operations.has(id)) operations.set(id, { operationId: id, method, path, pathItem, operation: operation! });
    }
  }
  return operations;
}
