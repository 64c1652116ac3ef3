// API keys (admin only). A namespace-restricted admin manages only keys of its own namespace, so
// it cannot mint a key wider than itself.
import type { ApiKeyRecord } from '@baton/core';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../app.ts';
import type { Principal } from '../auth.ts';
import { forbidden, notFound } from '../problems.ts';
import { defineRoute } from '../route-kit.ts';
import { ApiKeySchema, CreateKeyBody, CreatedApiKeySchema, KeyParams } from '../schemas.ts';

const ApiKeyList = z.object({ items: z.array(ApiKeySchema) });

function keyView(record: ApiKeyRecord): ApiKeyRecord {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as unknown as ApiKeyRecord;
}

function manages(principal: Principal, key: Pick<ApiKeyRecord, 'namespace'>): boolean {
  return principal.namespace === undefined || key.namespace === principal.namespace;
}

export function registerKeyRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, ctx.catalog, {
    method: 'POST',
    url: '/api/v1/keys',
    summary: 'Create an API key (the secret is shown once)',
    tag: 'keys',
    auth: 'admin',
    body: CreateKeyBody,
    responses: {
      201: { description: 'created; `secret` is not retrievable later', schema: CreatedApiKeySchema },
      400: { description: 'invalid body' },
      403: { description: 'not an admin key, or a namespace-restricted admin creating a key outside its namespace' },
    },
    handler: async ({ reply, body, principal }) => {
      const namespace = body.namespace ?? principal.namespace;
      if (!manages(principal, { namespace })) {
        throw forbidden(`key "${principal.name}" is restricted to namespace "${principal.namespace}" and can only create keys for it`);
      }
      const { record, secret } = await ctx.store.createApiKey({ name: body.name, role: body.role, ...(namespace !== undefined && { namespace }) });
      reply.status(201).header('location', `/api/v1/keys/${encodeURIComponent(record.id)}`);
      return { ...keyView(record), secret };
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/keys',
    summary: 'List API keys (never their secrets)',
    tag: 'keys',
    auth: 'admin',
    responses: {
      200: { description: 'the keys, revoked ones included', schema: ApiKeyList },
      403: { description: 'not an admin key' },
    },
    handler: async ({ principal }) => {
      const keys = await ctx.store.listApiKeys();
      return { items: keys.filter((key) => manages(principal, key)).map(keyView) };
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'DELETE',
    url: '/api/v1/keys/:id',
    summary: 'Revoke an API key',
    description: 'Takes effect at once on this server; other orchestrator replicas may accept the key for up to BATON_AUTH_CACHE_MS more.',
    tag: 'keys',
    auth: 'admin',
    params: KeyParams,
    responses: {
      204: { description: 'revoked' },
      403: { description: 'not an admin key, or the key belongs to another namespace' },
      404: { description: 'no such key (or already revoked)' },
    },
    handler: async ({ reply, params, principal }) => {
      const key = (await ctx.store.listApiKeys()).find((candidate) => candidate.id === params.id);
      if (!key || key.revokedAt !== undefined) throw notFound(`no active API key ${params.id}`);
      if (!manages(principal, key)) throw forbidden(`key ${params.id} belongs to another namespace`);
      if (!(await ctx.store.revokeApiKey(key.id))) throw notFound(`no active API key ${params.id}`);
      ctx.keys.forgetKey(key.id);
      return reply.status(204).send();
    },
  });
}
