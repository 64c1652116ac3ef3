// An operation of an OpenAPI document + the task's `parameters` → the HTTP request to send:
// the server (Swagger 2.0: `schemes` + `host` + `basePath`; OpenAPI 3: the first of the
// operation's, path's or document's `servers`, variables at their defaults, relative to the
// document's URL), each parameter where its definition puts it (path, query, header, cookie),
// and the body. Parameters the operation does not define are ignored, as are apiKey values
// of the operation's security schemes that the task does not give.
//
// The body: the value of `parameters.<name>` — the Swagger 2.0 body parameter's name, or for
// OpenAPI 3 `x-codegen-request-body-name` or `body` — when the body's schema has no property
// of that name; otherwise the parameters named like the body schema's properties, as one object
// (the Serverless Workflow SDKs' reading of "parameters").
import type { Node, OpenApiDocument, Operation } from './document.ts';
import { cookiePair, headerValue, type Location, pathValue, queryPairs, ruleOf } from './serialize.ts';

export class OpenApiCallError extends Error {
  override readonly name = 'OpenApiCallError';
  constructor(
    readonly kind: 'configuration' | 'validation',
    message: string,
  ) {
    super(message);
  }
}

export interface ResolvedRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
}

const LISTED_OPERATIONS = 20;

export function findOperation(document: OpenApiDocument, operationId: string): Operation {
  const operation = document.operations.get(operationId);
  if (operation) return operation;
  const known = [...document.operations.keys()].sort();
  const list = known.length === 0 ? 'it defines no operationId' : `it has: ${known.slice(0, LISTED_OPERATIONS).join(', ')}${known.length > LISTED_OPERATIONS ? `, … (${known.length} in all)` : ''}`;
  throw new OpenApiCallError('configuration', `operationId "${operationId}" is not in the OpenAPI document ${document.url.href} (${list})`);
}

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  definition: Node;
}

export function resolveRequest(document: OpenApiDocument, op: Operation, values: Record<string, unknown>): ResolvedRequest {
  const swagger = document.kind === 'swagger';
  const parameters = parametersOf(op);
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  const query: Array<[string, string]> = [];
  const pathValues = new Map<string, string>();
  const formFields: Record<string, unknown> = {};
  let bodyParameter: Parameter | undefined;
  for (const parameter of [...parameters, ...apiKeysOf(document, op, parameters)]) {
    if (parameter.in === 'body') {
      bodyParameter = parameter;
      continue;
    }
    const given = Object.hasOwn(values, parameter.name) ? values[parameter.name] : undefined;
    if (given === undefined || given === null) {
      if (parameter.required || parameter.in === 'path') throw missing(op, parameter);
      continue;
    }
    if (parameter.in === 'formData') {
      if (parameter.definition.type === 'file') throw new OpenApiCallError('configuration', `operation ${op.operationId}: file upload parameter "${parameter.name}" (multipart/form-data) is not supported`);
      formFields[parameter.name] = given;
      continue;
    }
    const location = parameter.in as Location;
    const rule = ruleOf(parameter.definition, location, swagger);
    if (location === 'path') pathValues.set(parameter.name, pathValue(parameter.name, given, rule));
    else if (location === 'query') query.push(...queryPairs(parameter.name, given, rule));
    else if (location === 'header') headers[parameter.name.toLowerCase()] = headerValue(given, rule);
    else if (location === 'cookie') cookies.push(cookiePair(parameter.name, given, rule));
  }
  if (cookies.length > 0) headers.cookie = cookies.join('; ');
  const url = targetUrl(document, op, pathValues);
  for (const [name, value] of query) url.searchParams.append(name, value);
  const body = swagger ? swaggerBody(document, op, bodyParameter, formFields, values, headers) : openApiBody(op, values, headers);
  const accept = acceptOf(document, op);
  if (accept !== undefined && headers.accept === undefined) headers.accept = accept;
  return { method: op.method.toUpperCase(), url, headers, body };
}

function missing(op: Operation, parameter: Parameter): OpenApiCallError {
  return new OpenApiCallError('validation', `operation ${op.operationId} needs the ${parameter.in} parameter "${parameter.name}" (give it in parameters)`);
}

/** The path's parameters with the operation's own (same name and location) in their place. */
function parametersOf(op: Operation): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const list of [op.pathItem.parameters, op.operation.parameters]) {
    if (!Array.isArray(list)) continue;
    for (const definition of list as Node[]) {
      if (definition === null || typeof definition !== 'object') continue;
      if (typeof definition.$ref === 'string') {
        throw new OpenApiCallError('configuration', `operation ${op.operationId}: a parameter refers to ${definition.$ref}, outside the document (external $refs are not fetched: bundle the document)`);
      }
      if (typeof definition.name !== 'string' || typeof definition.in !== 'string') continue;
      byKey.set(`${definition.in}:${definition.name}`, { name: definition.name, in: definition.in, required: definition.required === true, definition });
    }
  }
  return [...byKey.values()];
}

/** apiKey security schemes of the operation (or the document), as optional parameters. */
function apiKeysOf(document: OpenApiDocument, op: Operation, declared: Parameter[]): Parameter[] {
  const { api } = document;
  const requirements = (Array.isArray(op.operation.security) ? op.operation.security : Array.isArray(api.security) ? api.security : []) as Node[];
  const schemes = (document.kind === 'swagger' ? api.securityDefinitions : api.components?.securitySchemes) as Node | undefined;
  const result: Parameter[] = [];
  for (const requirement of requirements) {
    for (const name of Object.keys(requirement ?? {})) {
      const scheme = schemes?.[name] as Node | undefined;
      if (scheme?.type !== 'apiKey' || typeof scheme.name !== 'string' || !['query', 'header', 'cookie'].includes(scheme.in)) continue;
      if (declared.some((p) => p.name === scheme.name) || result.some((p) => p.name === scheme.name)) continue;
      result.push({ name: scheme.name, in: scheme.in, required: false, definition: { type: 'string' } });
    }
  }
  return result;
}

function targetUrl(document: OpenApiDocument, op: Operation, pathValues: Map<string, string>): URL {
  const path = op.path.replace(/\{([^{}]+)\}/g, (_m, name: string) => {
    const value = pathValues.get(name);
    if (value === undefined) throw new OpenApiCallError('validation', `operation ${op.operationId} needs the path parameter "${name}" (give it in parameters)`);
    return value;
  });
  const base = serverUrl(document, op);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new OpenApiCallError('configuration', `operation ${op.operationId}: server ${base.href} is not http or https`);
  return new URL(`${base.href.replace(/\/+$/, '')}${path}`);
}

function serverUrl(document: OpenApiDocument, op: Operation): URL {
  const { api, url: documentUrl } = document;
  try {
    if (document.kind === 'swagger') {
      const schemes = (Array.isArray(op.operation.schemes) ? op.operation.schemes : Array.isArray(api.schemes) ? api.schemes : []) as string[];
      const own = documentUrl.protocol.slice(0, -1);
      const scheme = schemes.length === 0 || schemes.includes(own) ? own : schemes.find((s) => s === 'https' || s === 'http') ?? schemes[0]!;
      const host = typeof api.host === 'string' && api.host !== '' ? api.host : documentUrl.host;
      const basePath = typeof api.basePath === 'string' ? api.basePath : '';
      return new URL(`${scheme}://${host}${basePath.startsWith('/') || basePath === '' ? basePath : `/${basePath}`}`);
    }
    const servers = [op.operation.servers, op.pathItem.servers, api.servers].find((list) => Array.isArray(list) && list.length > 0) as Node[] | undefined;
    const server = servers?.find((s) => typeof s?.url === 'string');
    if (!server) return new URL('/', documentUrl);
    const variables = (server.variables ?? {}) as Node;
    const expanded = (server.url as string).replace(/\{([^{}]+)\}/g, (_m, name: string) => {
      const fallback = variables[name]?.default;
      if (fallback === undefined) throw new OpenApiCallError('configuration', `server ${server.url} has variable {${name}} without a default`);
      return String(fallback);
    });
    return new URL(expanded, documentUrl);
  } catch (error) {
    if (error instanceof OpenApiCallError) throw error;
    throw new OpenApiCallError('configuration', `operation ${op.operationId}: its server URL is not valid (${(error as Error).message})`);
  }
}

/** Properties a body schema names, through allOf. */
function propertiesOf(schema: Node | undefined, depth = 0): string[] {
  if (!schema || typeof schema !== 'object' || depth > 8) return [];
  const own = schema.properties && typeof schema.properties === 'object' ? Object.keys(schema.properties) : [];
  const composed = Array.isArray(schema.allOf) ? (schema.allOf as Node[]).flatMap((part) => propertiesOf(part, depth + 1)) : [];
  return [...new Set([...own, ...composed])];
}

function bodyValue(values: Record<string, unknown>, key: string, schema: Node | undefined): unknown {
  const properties = propertiesOf(schema);
  if (Object.hasOwn(values, key) && !properties.includes(key)) return values[key];
  const picked = Object.fromEntries(properties.filter((name) => Object.hasOwn(values, name)).map((name) => [name, values[name]]));
  return Object.keys(picked).length > 0 ? picked : undefined;
}

function missingBody(op: Operation, key: string, schema: Node | undefined): OpenApiCallError {
  const properties = propertiesOf(schema);
  const hint = properties.length > 0 ? `, or its properties (${properties.slice(0, 8).join(', ')}) as parameters` : '';
  return new OpenApiCallError('validation', `operation ${op.operationId} needs a request body: give it as parameters.${key}${hint}`);
}

const isJsonType = (type: string) => type === 'application/json' || type.endsWith('+json') || type === '*/*';

function swaggerBody(document: OpenApiDocument, op: Operation, parameter: Parameter | undefined, form: Record<string, unknown>, values: Record<string, unknown>, headers: Record<string, string>): unknown {
  const consumes = ((op.operation.consumes ?? document.api.consumes ?? []) as string[]).map((t) => String(t).toLowerCase());
  if (Object.keys(form).length > 0) {
    if (consumes.length > 0 && !consumes.some((t) => t.startsWith('application/x-www-form-urlencoded'))) {
      throw new OpenApiCallError('configuration', `operation ${op.operationId} takes multipart/form-data, which Baton does not send (only application/x-www-form-urlencoded forms)`);
    }
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    return form;
  }
  if (!parameter) return undefined;
  const schema = parameter.definition.schema as Node | undefined;
  if (typeof schema?.$ref === 'string') throw new OpenApiCallError('configuration', `operation ${op.operationId}: its body schema refers to ${schema.$ref}, outside the document (external $refs are not fetched: bundle the document)`);
  const body = bodyValue(values, parameter.name, schema);
  if (body === undefined) {
    if (parameter.required) throw missingBody(op, parameter.name, schema);
    return undefined;
  }
  headers['content-type'] ??= consumes.find(isJsonType) ?? consumes[0] ?? 'application/json';
  if (headers['content-type'] === '*/*') headers['content-type'] = 'application/json';
  return body;
}

function openApiBody(op: Operation, values: Record<string, unknown>, headers: Record<string, string>): unknown {
  const requestBody = op.operation.requestBody as Node | undefined;
  if (!requestBody || typeof requestBody !== 'object') return undefined;
  if (typeof requestBody.$ref === 'string') throw new OpenApiCallError('configuration', `operation ${op.operationId}: its requestBody refers to ${requestBody.$ref}, outside the document (external $refs are not fetched: bundle the document)`);
  const content = (requestBody.content ?? {}) as Node;
  const types = Object.keys(content);
  const type =
    types.find((t) => isJsonType(t.toLowerCase())) ??
    types.find((t) => t.toLowerCase().startsWith('application/x-www-form-urlencoded')) ??
    types.find((t) => t.toLowerCase().startsWith('text/')) ??
    types[0];
  const schema = type !== undefined ? (content[type]?.schema as Node | undefined) : undefined;
  const key = typeof requestBody['x-codegen-request-body-name'] === 'string' ? requestBody['x-codegen-request-body-name'] : 'body';
  const body = bodyValue(values, key, schema);
  if (body === undefined) {
    if (requestBody.required === true) throw missingBody(op, key, schema);
    return undefined;
  }
  if (type?.toLowerCase().startsWith('multipart/')) {
    throw new OpenApiCallError('configuration', `operation ${op.operationId} takes ${type}, which Baton does not send (JSON, forms and text bodies only)`);
  }
  headers['content-type'] ??= type === undefined || type === '*/*' ? 'application/json' : type;
  return body;
}

/** JSON when the operation answers JSON, else what it declares, else nothing (the server picks). */
function acceptOf(document: OpenApiDocument, op: Operation): string | undefined {
  let types: string[];
  if (document.kind === 'swagger') types = ((op.operation.produces ?? document.api.produces ?? []) as unknown[]).map(String);
  else {
    const responses = (op.operation.responses ?? {}) as Node;
    types = Object.entries(responses)
      .filter(([status]) => /^(2\d\d|2XX|default)$/i.test(status))
      .flatMap(([, response]) => Object.keys((response as Node)?.content ?? {}));
  }
  if (types.length === 0) return undefined;
  return types.find((t) => t.toLowerCase() === 'application/json') ?? types.find((t) => isJsonType(t.toLowerCase())) ?? [...new Set(types)].join(', ');
}
