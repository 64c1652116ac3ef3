// GET /api/v1/info: what a client needs to know about this deployment beyond the REST API —
// today where the fanout streams run events. The CLI asks it before `run --watch` and `logs -f`,
// so that `--url` alone is enough when the ports are not the default ones.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../app.ts';
import type { StreamEndpoint } from '../config.ts';
import { defineRoute } from '../route-kit.ts';

const InfoSchema = z.object({
  streamUrl: z.string().describe('base URL of the fanout: WebSocket at <streamUrl>/v1/stream (ws:// for http://), SSE at <streamUrl>/v1/runs/{id}/events/stream'),
});

export function registerInfoRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/info',
    summary: 'Where this deployment streams run events (the fanout)',
    description:
      'streamUrl is BATON_STREAM_PUBLIC_URL when set, else the host this request was sent to on FANOUT_PORT (default 8085). An explicit stream URL of a client (the CLI\'s --stream-url) wins over it.',
    tag: 'system',
    auth: 'user',
    responses: { 200: { description: 'the deployment facts', schema: InfoSchema } },
    handler: async ({ request, reply }) => {
      reply.header('cache-control', 'no-store').header('vary', 'host');
      return { streamUrl: streamUrlFor(ctx.config.stream, request) };
    },
  });
}

/** The configured public URL, else this request's scheme and host on the fanout's port. */
export function streamUrlFor(stream: StreamEndpoint, request: Pick<FastifyRequest, 'protocol' | 'hostname'>): string {
  if (stream.publicUrl !== undefined) return stream.publicUrl;
  try {
    const url = new URL(`${request.protocol}://${request.hostname || 'localhost'}`);
    url.port = String(stream.port);
    return url.origin;
  } catch {
    // A Host header that is no host name: the client knows better where it connected.
    return `${request.protocol}://localhost:${stream.port}`;
  }
}
