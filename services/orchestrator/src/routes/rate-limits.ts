// Rate limits (docs/OPERATIONS.md, "Rate limits"): named limits of a namespace — requests per
// second or minute (for a host, or for the tasks that name it), LLM tokens per minute (for a model,
// or for the agent steps that name it). Tasks wait for them durably (packages/engine/src/rate-limits.ts).
import type { RateLimitRecord, RateLimitSpec } from '@baton/core';
import { RATE_LIMIT_NAME } from '@baton/core/document';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../app.ts';
import { assertNamespace, listingNamespace } from '../auth.ts';
import { ApiProblem, conflict, notFound, ProblemTypes } from '../problems.ts';
import { defineRoute } from '../route-kit.ts';

/** The DSL's namespace pattern (document.namespace). */
const NAMESPACE = /^[a-z0-9](-*[a-z0-9])*$/;
/** A host name or address, with an optional port. */
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(:\d{1,5})?$/;
const MAX_LIMIT = 100_000_000;

const namespace = () => z.string().max(63).regex(NAMESPACE, 'must be a namespace (lowercase letters, digits and dashes, as document.namespace)');
const name = () => z.string().regex(RATE_LIMIT_NAME, "must be a limit name (letters, digits, '.', '_', '-'; at most 100, starting with a letter or digit)");

const LimitFields = z.strictObject({
  kind: z.enum(['requests', 'tokens']).describe('requests: calls (HTTP calls, model turns); tokens: the LLM tokens agent steps report'),
  per: z.enum(['second', 'minute']).describe('the period of `limit` (providers state tokens per minute; per second suits tests)'),
  limit: z.number().int().min(1).max(MAX_LIMIT).describe('units per period: the bucket holds this many, refilled continuously'),
  host: z.string().regex(HOST, 'must be a host name, optionally with :port (no scheme, no path)').optional().describe('requests: every call: http / openapi of the namespace to this host waits for the limit'),
  model: z.string().min(1).max(200).optional().describe('tokens: every agent step of the namespace on this model waits for the limit'),
});

/** Kind-dependent rules, each naming its field. */
function checkKind(value: z.infer<typeof LimitFields>, ctx: z.RefinementCtx): void {
  if (value.kind === 'tokens' && value.host !== undefined) ctx.addIssue({ code: 'custom', path: ['host'], message: 'host is for requests limits (a tokens limit takes model)' });
  if (value.kind === 'requests' && value.model !== undefined) ctx.addIssue({ code: 'custom', path: ['model'], message: 'model is for tokens limits (a requests limit takes host)' });
}

const CreateBody = LimitFields.extend({ namespace: namespace(), name: name() }).superRefine(checkKind);
const PutBody = LimitFields.extend({ namespace: namespace().optional(), name: name().optional() }).superRefine(checkKind);
const LimitParams = z.object({ namespace: namespace(), name: name() });
const ListQuery = z.object({ namespace: namespace().optional() });

export const RateLimitSchema = z
  .object({
    namespace: z.string(),
    name: z.string(),
    kind: z.enum(['requests', 'tokens']),
    per: z.enum(['second', 'minute']),
    limit: z.number().int(),
    host: z.string().optional(),
    model: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'RateLimit' });
const RateLimitListSchema = z.object({ items: z.array(RateLimitSchema) }).meta({ id: 'RateLimitList' });

function view(record: RateLimitRecord): z.infer<typeof RateLimitSchema> {
  return { ...record };
}

function specOf(namespace: string, name: string, body: z.infer<typeof LimitFields>): RateLimitSpec {
  return { namespace, name, kind: body.kind, per: body.per, limit: body.limit, ...(body.host !== undefined && { host: body.host }), ...(body.model !== undefined && { model: body.model }) };
}

export function registerRateLimitRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const forbiddenDoc = { description: 'the key is restricted to another namespace' };

  defineRoute(app, ctx.catalog, {
    method: 'POST',
    url: '/api/v1/rate-limits',
    summary: 'Declare a rate limit of a namespace',
    description: 'A task waits for it with `metadata.baton.rateLimit: NAME`; a requests limit with `host` applies to every call: http / openapi of the namespace to that host, a tokens limit with `model` to every agent step on that model. Over the limit, a task waits durably (it is not failed nor retried) and its run logs `dev.baton.task.rate-limited.v1`.',
    tag: 'rate-limits',
    auth: 'user',
    body: CreateBody,
    responses: {
      201: { description: 'declared', schema: RateLimitSchema },
      400: { description: 'invalid body (the problem names the field)' },
      403: forbiddenDoc,
      409: { description: 'the namespace already has a limit of this name (replace it with PUT)' },
    },
    handler: async ({ reply, body, principal }) => {
      assertNamespace(principal, body.namespace);
      if (await ctx.store.getRateLimit(body.namespace, body.name)) throw conflict(`namespace "${body.namespace}" already has a rate limit "${body.name}"; replace it with PUT /api/v1/rate-limits/${body.namespace}/${body.name} (baton rate-limits set)`);
      const { record } = await ctx.store.putRateLimit(specOf(body.namespace, body.name, body));
      ctx.logger.info({ rateLimit: `${record.namespace}/${record.name}`, kind: record.kind, per: record.per, limit: record.limit, by: principal.name }, 'rate limit declared');
      reply.status(201).header('location', `/api/v1/rate-limits/${record.namespace}/${record.name}`);
      return view(record);
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/rate-limits',
    summary: 'List rate limits (of one namespace, or of every namespace the key may see)',
    tag: 'rate-limits',
    auth: 'user',
    query: ListQuery,
    responses: { 200: { description: 'the limits, by namespace and name', schema: RateLimitListSchema }, 400: { description: 'invalid namespace' }, 403: forbiddenDoc },
    handler: async ({ query, principal }) => ({ items: (await ctx.store.listRateLimits(listingNamespace(principal, query.namespace))).map(view) }),
  });

  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/rate-limits/:namespace/:name',
    summary: 'One rate limit',
    tag: 'rate-limits',
    auth: 'user',
    params: LimitParams,
    responses: { 200: { description: 'the limit', schema: RateLimitSchema }, 403: forbiddenDoc, 404: { description: 'no such limit' } },
    handler: async ({ params, principal }) => {
      assertNamespace(principal, params.namespace);
      const record = await ctx.store.getRateLimit(params.namespace, params.name);
      if (!record) throw notFound(`namespace "${params.namespace}" has no rate limit "${params.name}"; list them with GET /api/v1/rate-limits?namespace=${params.namespace} (baton rate-limits list)`);
      return view(record);
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'PUT',
    url: '/api/v1/rate-limits/:namespace/:name',
    summary: 'Declare or replace a rate limit (its limiter state is kept: a lower limit applies from the next request)',
    tag: 'rate-limits',
    auth: 'user',
    params: LimitParams,
    body: PutBody,
    responses: {
      200: { description: 'replaced', schema: RateLimitSchema },
      201: { description: 'declared', schema: RateLimitSchema },
      400: { description: 'invalid body (the problem names the field), or a namespace / name that differs from the path' },
      403: forbiddenDoc,
    },
    handler: async ({ reply, params, body, principal }) => {
      assertNamespace(principal, params.namespace);
      for (const field of ['namespace', 'name'] as const) {
        if (body[field] !== undefined && body[field] !== params[field]) throw conflictingField(field, body[field], params[field]);
      }
      const { record, created } = await ctx.store.putRateLimit(specOf(params.namespace, params.name, body));
      ctx.logger.info({ rateLimit: `${record.namespace}/${record.name}`, kind: record.kind, per: record.per, limit: record.limit, by: principal.name }, created ? 'rate limit declared' : 'rate limit replaced');
      reply.status(created ? 201 : 200);
      return view(record);
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'DELETE',
    url: '/api/v1/rate-limits/:namespace/:name',
    summary: 'Remove a rate limit (a task that names it then fails with a configuration error when it runs)',
    tag: 'rate-limits',
    auth: 'user',
    params: LimitParams,
    responses: { 204: { description: 'removed' }, 403: forbiddenDoc, 404: { description: 'no such limit' } },
    handler: async ({ reply, params, principal }) => {
      assertNamespace(principal, params.namespace);
      if (!(await ctx.store.deleteRateLimit(params.namespace, params.name))) throw notFound(`namespace "${params.namespace}" has no rate limit "${params.name}"`);
      ctx.logger.info({ rateLimit: `${params.namespace}/${params.name}`, by: principal.name }, 'rate limit removed');
      reply.status(204);
      return undefined;
    },
  });
}

/** A body member that contradicts the path: 400 naming it. */
function conflictingField(field: string, inBody: string, inPath: string): ApiProblem {
  const path = `/body/${field}`;
  return new ApiProblem(400, ProblemTypes.validation, `invalid request body: ${path} is "${inBody}" but the path names "${inPath}" (leave it out or make them equal)`, { problems: [{ path, message: `must be "${inPath}", as in the path`, code: 'custom' }] });
}
