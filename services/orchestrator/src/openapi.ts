// OpenAPI 3.1 generated from the route catalog: the zod schemas that validate requests are the
// ones documented (z.toJSONSchema, JSON Schema 2020-12 as OpenAPI 3.1 uses).
import { z } from 'zod';
import { requestMediaTypes, type RouteCatalog, type RouteDoc } from './route-kit.ts';
import { ProblemSchema } from './schemas.ts';
import { PROBLEM_CONTENT_TYPE } from './problems.ts';

type JsonSchema = Record<string, unknown>;

interface Components {
  schemas: Record<string, JsonSchema>;
}

/** Converts a zod schema, moving schemas that carry a `meta({ id })` into components. */
function toSchema(schema: z.ZodType, io: 'input' | 'output', components: Components): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    reused: 'inline',
  }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  delete json.$schema;
  hoistDefs(json, components);
  return json;
}

/** zod emits `$defs` with `#/$defs/X` refs for schemas with an id; OpenAPI wants components. */
function hoistDefs(json: JsonSchema & { $defs?: Record<string, JsonSchema> }, components: Components): void {
  const defs = json.$defs ?? {};
  delete json.$defs;
  for (const [name, def] of Object.entries(defs)) {
    if (!components.schemas[name]) components.schemas[name] = rewriteRefs(def) as JsonSchema;
  }
  Object.assign(json, rewriteRefs(json));
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof item === 'string' ? item.replace('#/$defs/', '#/components/schemas/') : rewriteRefs(item);
  }
  return out;
}

function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(route: RouteDoc, components: Components): JsonSchema[] {
  const out: JsonSchema[] = [];
  const add = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!schema) return;
    const json = toSchema(schema, 'input', components) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      const { description, ...rest } = property;
      const parameter: JsonSchema = { name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: rest };
      if (typeof description === 'string') parameter.description = description;
      out.push(parameter);
    }
  };
  add(route.params, 'path');
  add(route.query, 'query');
  return out;
}

function operation(route: RouteDoc, components: Components): JsonSchema {
  const op: JsonSchema = {
    operationId: `${route.method.toLowerCase()}${openApiPath(route.url).replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: route.summary,
    tags: [route.tag],
    security: route.auth === 'none' ? [] : [{ bearerAuth: [] }],
  };
  if (route.description) op.description = route.description;
  const params = parameters(route, components);
  if (params.length > 0) op.parameters = params;
  if (route.bodyContent || route.body) {
    const content: Record<string, { schema: JsonSchema }> = {};
    if (route.body) content['application/json'] = { schema: toSchema(route.body, 'input', components) };
    for (const [type, schema] of Object.entries(route.bodyContent ?? {})) content[type] = { schema };
    op.requestBody = { required: route.bodyRequired ?? true, content };
  }
  const responses: Record<string, JsonSchema> = {};
  // Every route that takes a body refuses other media types the same way (route-kit).
  const accepted = requestMediaTypes(route);
  const documented = accepted.length > 0 && route.responses[415] === undefined ? { ...route.responses, 415: { description: `Content-Type other than ${accepted.join(', ')}` } } : route.responses;
  for (const [status, doc] of Object.entries(documented)) {
    const isError = Number(status) >= 400;
    const contentType = doc.contentType ?? (isError ? PROBLEM_CONTENT_TYPE : 'application/json');
    const schema = doc.schema ? toSchema(doc.schema, 'output', components) : isError ? { $ref: '#/components/schemas/Problem' } : undefined;
    const content: Record<string, { schema: JsonSchema }> = {};
    if (schema) content[contentType] = { schema };
    for (const [type, alt] of Object.entries(doc.alternatives ?? {})) {
      content[type] = { schema: alt.schema ? toSchema(alt.schema, 'output', components) : (alt.jsonSchema ?? {}) };
    }
    responses[status] = Object.keys(content).length > 0 ? { description: doc.description, content } : { description: doc.description };
  }
  op.responses = responses;
  return op;
}

export function buildOpenApiDocument(catalog: RouteCatalog, info: { version: string }): JsonSchema {
  const components: Components = { schemas: {} };
  // Registers the Problem component (the schema carries meta id 'Problem').
  toSchema(ProblemSchema, 'output', components);
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of catalog.routes) {
    const path = openApiPath(route.url);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(route, components);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Baton orchestrator API',
      version: info.version,
      description: 'Workflow definitions (Serverless Workflow DSL 1.0), runs, run events and API keys. Errors are RFC 9457 problem details.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: components.schemas,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'an API key: Authorization: Bearer <key>' } },
    },
  };
}
