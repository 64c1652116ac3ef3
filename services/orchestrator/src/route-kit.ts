// Routes declare their method, path, auth level and zod schemas once. The same declaration
// validates requests, types the handler, answers 405s and generates /openapi.json.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { requireAdmin, type Principal } from './auth.ts';
import { ApiProblem, instanceOf, ProblemTypes, validationProblem } from './problems.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
/** none: public; user: any valid key; admin: a key with role admin. */
export type AuthLevel = 'none' | 'user' | 'admin';

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Default application/json (application/problem+json for 4xx/5xx without a schema). */
  contentType?: string;
  /** Other representations of the same response (e.g. application/yaml source text). */
  alternatives?: Record<string, { schema?: z.ZodType; jsonSchema?: Record<string, unknown> }>;
}

export interface RouteDoc {
  method: HttpMethod;
  /** Fastify syntax: /api/v1/runs/:id */
  url: string;
  summary: string;
  description?: string;
  tag: string;
  auth: AuthLevel;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /**
   * Request body media types → JSON Schema, when the body is not (only) a zod-validated JSON
   * object. With `body` (which stands for application/json), the media types the route accepts.
   */
  bodyContent?: Record<string, Record<string, unknown>>;
  bodyRequired?: boolean;
  responses: Record<number, ResponseDoc>;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface HandlerContext<P, Q, B> {
  request: FastifyRequest;
  reply: FastifyReply;
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  /** The authenticated key (undefined on routes with auth 'none', which must not read it). */
  principal: Principal;
}

export interface RouteSpec<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, B extends z.ZodType | undefined>
  extends Omit<RouteDoc, 'params' | 'query' | 'body'> {
  params?: P;
  query?: Q;
  body?: B;
  handler: (ctx: HandlerContext<P, Q, B>) => Promise<unknown>;
}

/** Every declared route, in declaration order. */
export class RouteCatalog {
  readonly routes: RouteDoc[] = [];

  add(route: RouteDoc): void {
    this.routes.push(route);
  }

  /** Methods declared for a concrete path (for 405 and its Allow header). */
  methodsFor(path: string): HttpMethod[] {
    const segments = splitPath(path);
    const methods = new Set<HttpMethod>();
    for (const route of this.routes) {
      if (matchesPattern(splitPath(route.url), segments)) methods.add(route.method);
    }
    return [...methods];
  }
}

function splitPath(path: string): string[] {
  const q = path.indexOf('?');
  const bare = q === -1 ? path : path.slice(0, q);
  // Empty segments are kept: //api/v1/runs is not /api/v1/runs (the router does not match it either).
  return bare.split('/').slice(1);
}

function matchesPattern(pattern: string[], segments: string[]): boolean {
  if (pattern.length !== segments.length) return false;
  return pattern.every((p, i) => (p.startsWith(':') ? segments[i] !== '' : p === segments[i]));
}

/** The media types a route's request body may have: what OpenAPI documents is what is accepted. */
export function requestMediaTypes(route: Pick<RouteDoc, 'body' | 'bodyContent'>): string[] {
  return [...(route.body ? ['application/json'] : []), ...Object.keys(route.bodyContent ?? {})];
}

/** The media type of a Content-Type header, without parameters, lower case ('' when absent). */
export function mediaTypeOf(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * 415 naming what the route takes. Checked before parsing, so a body the route cannot take is
 * never parsed by a parser meant for another route (text/plain or YAML reaching a JSON route was
 * a 400 "expected object, received string").
 */
export function unsupportedMediaType(request: FastifyRequest, accepted: readonly string[]): ApiProblem {
  const sent = request.headers['content-type'] ?? '';
  if (accepted.length === 0) return new ApiProblem(415, ProblemTypes.unsupportedMediaType, `unsupported Content-Type "${sent}": ${request.method} ${instanceOf(request)} takes no request body`);
  return new ApiProblem(415, ProblemTypes.unsupportedMediaType, `unsupported Content-Type "${sent}": send the body as ${accepted.join(', ')}`, {
    headers: request.method === 'POST' ? { 'accept-post': accepted.join(', ') } : {},
  });
}

function parseWith<S extends z.ZodType | undefined>(schema: S, value: unknown, where: 'params' | 'query' | 'body'): Out<S> {
  if (schema === undefined) return undefined as Out<S>;
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(result.error, where);
  return result.data as Out<S>;
}

export function defineRoute<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  app: FastifyInstance,
  catalog: RouteCatalog,
  spec: RouteSpec<P, Q, B>,
): void {
  const { handler, ...doc } = spec;
  catalog.add(doc as RouteDoc);
  const accepted = requestMediaTypes(doc as RouteDoc);
  app.route({
    method: spec.method,
    url: spec.url,
    config: { bodyMediaTypes: accepted },
    // Any Content-Type sent is checked, even with an empty body; routes without a body ignore it
    // (clients often send Content-Type: application/json on every request).
    preParsing: async (request) => {
      if (accepted.length === 0 || request.headers['content-type'] === undefined) return;
      if (!accepted.includes(mediaTypeOf(request))) throw unsupportedMediaType(request, accepted);
    },
    handler: async (request, reply) => {
      const principal = request.principal;
      if (spec.auth !== 'none' && principal === undefined) {
        // The /api hook authenticates; reaching here without a key is a wiring bug, not a 500 for the client.
        throw new ApiProblem(401, ProblemTypes.unauthorized, 'this route needs an API key');
      }
      if (spec.auth === 'admin') requireAdmin(principal as Principal);
      const params = parseWith(spec.params as P, request.params, 'params');
      const query = parseWith(spec.query as Q, request.query, 'query');
      const body = parseWith(spec.body as B, request.body, 'body');
      return handler({ request, reply, params, query, body, principal: principal as Principal });
    },
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The media types the route's body may have (empty: it takes none). */
    bodyMediaTypes?: string[];
  }
  interface FastifyRequest {
    principal?: Principal;
    /** The text of a JSON body as received. */
    rawBody?: string;
  }
}
