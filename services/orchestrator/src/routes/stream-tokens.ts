// POST /api/v1/stream-tokens: a short-lived token for the fanout's streams, for clients that
// cannot send an Authorization header (a browser's WebSocket or EventSource). The token is
// HMAC-signed with BATON_STREAM_TOKEN_SECRET, which every fanout replica also reads, so it is
// verified there without any shared state (format and reasons: services/fanout/src/tokens.ts,
// docs/STREAMING.md). It carries the issuing key's id (revoking the key voids its tokens) and
// a namespace no wider than the key's.
import { DEFAULT_TOKEN_TTL_SECONDS, MAX_TOKEN_TTL_SECONDS, mintStreamToken } from '@baton/fanout/tokens';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../app.ts';
import { assertNamespace } from '../auth.ts';
import { ApiProblem, ProblemTypes } from '../problems.ts';
import { defineRoute } from '../route-kit.ts';

const CreateStreamTokenBody = z
  .object({
    namespace: z.string().min(1).max(200).optional(),
    ttlSeconds: z.number().int().min(1).max(MAX_TOKEN_TTL_SECONDS).optional(),
  })
  .strict()
  .optional();

const StreamTokenSchema = z.object({
  token: z.string(),
  expiresAt: z.string(),
  namespace: z.string().optional(),
});

export function registerStreamTokenRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // From BATON_STREAM_TOKEN_SECRET (orchestratorConfigFromEnv), or the all-in-one process's own.
  const keys = ctx.config.streamTokens;
  defineRoute(app, ctx.catalog, {
    method: 'POST',
    url: '/api/v1/stream-tokens',
    summary: 'Create a short-lived token for the WebSocket / SSE streams of the fanout',
    description: `For browsers, which cannot set headers on a WebSocket or EventSource: pass it as ?token= to the fanout. Valid for ttlSeconds (default ${DEFAULT_TOKEN_TTL_SECONDS}, at most ${MAX_TOKEN_TTL_SECONDS}), read-only, limited to the namespace asked for (or the key's own). Revoking the key voids its tokens.`,
    tag: 'streams',
    auth: 'user',
    body: CreateStreamTokenBody,
    responses: {
      201: { description: 'the token and when it expires', schema: StreamTokenSchema },
      400: { description: 'invalid body' },
      403: { description: 'the key is restricted to another namespace' },
      503: { description: 'stream tokens are not configured (BATON_STREAM_TOKEN_SECRET unset)' },
    },
    handler: async ({ reply, body, principal }) => {
      if (!keys) {
        throw new ApiProblem(503, ProblemTypes.notReady, 'stream tokens are disabled: set BATON_STREAM_TOKEN_SECRET (the same value) on the orchestrator and on every fanout replica, or stream with an API key');
      }
      if (body?.namespace !== undefined) assertNamespace(principal, body.namespace);
      const namespace = body?.namespace ?? principal.namespace;
      const { token, claims } = mintStreamToken(keys, {
        keyId: principal.id,
        keyName: principal.name,
        ...(namespace !== undefined && { namespace }),
        ttlSeconds: body?.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS,
      });
      reply.status(201).header('cache-control', 'no-store');
      return { token, expiresAt: new Date(claims.exp * 1000).toISOString(), ...(namespace !== undefined && { namespace }) };
    },
  });
}
