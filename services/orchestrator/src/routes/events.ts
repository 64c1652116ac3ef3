// CloudEvents in (POST /api/v1/events, delivered to runs waiting in a `listen` task) and a run's
// event log out (GET /api/v1/runs/{id}/events, CloudEvents with seq for resuming).
import type { CloudEvent } from '@baton/core';
import { routeCloudEvent } from '@baton/engine';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../app.ts';
import { toCloudEvent } from '@baton/core';
import { defineRoute } from '../route-kit.ts';
import { CloudEventSchema, EventAcceptedSchema, EventPageSchema, ListEventsQuery, RunParams } from '../schemas.ts';
import { loadRun } from './runs.ts';

export function registerEventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, ctx.catalog, {
    method: 'POST',
    url: '/api/v1/events',
    summary: 'Publish a CloudEvent to the runs listening for it and the workflows scheduled on it',
    description:
      'Structured JSON mode (application/cloudevents+json or application/json). Runs whose `listen` filters match receive the event; workflows whose `schedule.on` consumes it start runs (their ids in `runs`).',
    tag: 'events',
    auth: 'user',
    body: CloudEventSchema,
    bodyContent: { 'application/cloudevents+json': { $ref: '#/components/schemas/CloudEvent' } },
    responses: {
      202: { description: 'accepted; `matched` listens will receive it; `runs` were started by schedules', schema: EventAcceptedSchema },
      400: { description: 'not a CloudEvent 1.0 (specversion, id, source and type are required)' },
    },
    handler: async ({ reply, body, principal }) => {
      const event = body as CloudEvent;
      // A namespace-restricted key delivers only to runs of its namespace.
      const routing = await routeCloudEvent(ctx.store, ctx.bus, event, principal.namespace, ctx.logger);
      reply.status(202);
      return { matched: routing.listens.length, runs: routing.runs };
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/runs/:id/events',
    summary: "A run's event log as CloudEvents, from a position (seq)",
    tag: 'runs',
    auth: 'user',
    params: RunParams,
    query: ListEventsQuery,
    responses: {
      200: { description: 'events with seq > after, in order; continue with after = nextAfter', schema: EventPageSchema },
      400: { description: 'bad after or limit' },
      403: { description: 'the key is restricted to another namespace' },
      404: { description: 'no such run' },
    },
    handler: async ({ params, query, principal }) => {
      const run = await loadRun(ctx, principal, params.id);
      const records = await ctx.store.listEvents(run.id, query.after, query.limit);
      const items = records.map((record) => toCloudEvent(record, run));
      return { items, nextAfter: records.at(-1)?.seq ?? query.after };
    },
  });
}
