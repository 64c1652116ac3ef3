// Liveness, readiness, Prometheus metrics and the OpenAPI document. No authentication.
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../app.ts';
import { buildOpenApiDocument } from '../openapi.ts';
import { ApiProblem, ProblemTypes } from '../problems.ts';
import { defineRoute } from '../route-kit.ts';
import { HealthSchema, ReadySchema } from '../schemas.ts';

/** A dependency that does not answer within this time counts as not ready. */
const PING_TIMEOUT_MS = 2000;
const API_VERSION = '1.0.0';

async function pingWithin(ping: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS)));
  try {
    return await Promise.race([ping().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function registerSystemRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/health',
    summary: 'Liveness: the process answers',
    tag: 'system',
    auth: 'none',
    responses: { 200: { description: 'alive', schema: HealthSchema } },
    handler: async () => ({ status: 'ok' }),
  });

  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/ready',
    summary: 'Readiness: the store and the bus are reachable',
    tag: 'system',
    auth: 'none',
    responses: {
      200: { description: 'ready', schema: ReadySchema },
      503: { description: 'a dependency is unreachable; `checks` says which' },
    },
    handler: async () => {
      const [store, bus] = await Promise.all([pingWithin(() => ctx.store.ping()), pingWithin(() => ctx.bus.ping())]);
      const checks = { store, bus };
      if (!store || !bus) {
        const down = Object.entries(checks).filter(([, ok]) => !ok).map(([name]) => name);
        throw new ApiProblem(503, ProblemTypes.notReady, `not ready: ${down.join(' and ')} unreachable`, { extensions: { checks } });
      }
      return { status: 'ready', checks };
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/metrics',
    summary: 'Prometheus metrics (text exposition format)',
    tag: 'system',
    auth: 'none',
    responses: { 200: { description: 'metrics', contentType: 'text/plain; version=0.0.4', alternatives: { 'text/plain': { jsonSchema: { type: 'string' } } } } },
    handler: async ({ reply }) => {
      reply.type(ctx.registry.contentType);
      return ctx.registry.metrics();
    },
  });

  let openApi: Record<string, unknown> | undefined;
  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/openapi.json',
    summary: 'This API as an OpenAPI 3.1 document',
    tag: 'system',
    auth: 'none',
    responses: { 200: { description: 'the OpenAPI document' } },
    handler: async () => (openApi ??= buildOpenApiDocument(ctx.catalog, { version: API_VERSION })),
  });
}
