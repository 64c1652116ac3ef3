// Schedules (`schedule:` of a workflow's latest version): list, read, pause, resume, trigger now.
// They are created, moved and removed by registering workflow versions (routes/workflows.ts).
import type { ScheduleRecord } from '@baton/core';
import { nextTicks } from '@baton/core/document';
import { ScheduleNotFound, setSchedulePaused, triggerSchedule } from '@baton/engine';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../app.ts';
import { assertNamespace, listingNamespace, type Principal } from '../auth.ts';
import { notFound } from '../problems.ts';
import { defineRoute } from '../route-kit.ts';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../storable.ts';

const text = () => z.string().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);
const SCHEDULE_ID = /^[A-Za-z0-9-]{1,100}$/;
/** Ticks shown ahead of now. */
const NEXT_TICKS = 5;

const ListSchedulesQuery = z.object({
  namespace: text().min(1).optional(),
  name: text().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: text().min(1).optional(),
});
const ScheduleParams = z.object({ id: text().min(1) });

export const ScheduleSchema = z
  .object({
    id: z.string(),
    namespace: z.string(),
    name: z.string(),
    version: z.string().describe('the workflow version the schedule belongs to (the latest registered)'),
    definitionId: z.string(),
    kind: z.enum(['every', 'cron', 'after', 'on']),
    schedule: z.record(z.string(), z.unknown()).describe('the `schedule` as written in the document'),
    timezone: z.string().describe('cron: the time zone of the expression'),
    overlap: z.enum(['allow', 'skip', 'cancel-previous']),
    catchUp: z.enum(['skip', 'one', 'all']),
    catchUpWindow: z.string().describe('ISO duration: a tick later than this is missed (catchUp decides)'),
    catchUpLimit: z.number().int(),
    state: z.enum(['active', 'paused']),
    nextTicks: z.array(z.string()).describe('the next ticks (ISO times; every / cron; after once its run ended)'),
    lastTickAt: z.string().optional(),
    lastRunId: z.string().optional(),
    ticks: z.number().int().describe('runs started'),
    skipped: z.number().int().describe('ticks not started (catchUp, overlap skip, catchUpLimit)'),
    consuming: z.number().int().optional().describe('on: events consumed so far toward the next run'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Schedule' });
const SchedulePageSchema = z.object({ items: z.array(ScheduleSchema), nextCursor: z.string().optional() }).meta({ id: 'SchedulePage' });
const TriggeredSchema = z.object({
  schedule: ScheduleSchema,
  runId: z.string().optional().describe('the run started; absent when overlap skip kept it from starting (a run of the schedule still goes)'),
});

const isoDuration = (ms: number) => `PT${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(3)}S`;

export function scheduleView(s: ScheduleRecord, now = Date.now()): z.infer<typeof ScheduleSchema> {
  const upcoming = s.paused || s.nextAt === undefined ? [] : [s.nextAt, ...nextTicks(s.spec, s.anchorAt, Math.max(s.nextAt, now), NEXT_TICKS - 1).filter((t) => t > s.nextAt!)].slice(0, NEXT_TICKS);
  return {
    id: s.id,
    namespace: s.namespace,
    name: s.name,
    version: s.version,
    definitionId: s.definitionId,
    kind: s.kind,
    schedule: s.spec.source,
    timezone: s.spec.timezone,
    overlap: s.spec.overlap,
    catchUp: s.spec.catchUp,
    catchUpWindow: isoDuration(s.spec.catchUpWindowMs),
    catchUpLimit: s.spec.catchUpLimit,
    state: s.paused ? 'paused' : 'active',
    nextTicks: upcoming.map((t) => new Date(t).toISOString()),
    ...(s.lastTickAt !== undefined && { lastTickAt: new Date(s.lastTickAt).toISOString() }),
    ...(s.lastRunId !== undefined && { lastRunId: s.lastRunId }),
    ticks: s.ticks,
    skipped: s.skipped,
    ...(s.consumed && { consuming: s.consumed.events.length }),
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

async function loadSchedule(ctx: ApiContext, principal: Principal, id: string): Promise<ScheduleRecord> {
  const schedule = SCHEDULE_ID.test(id) ? await ctx.store.getSchedule(id) : undefined;
  if (!schedule) throw notFound(`no schedule ${id}; list them with GET /api/v1/schedules (baton schedules list)`);
  assertNamespace(principal, schedule.namespace);
  return schedule;
}

/** Runs an engine operation on a schedule, answering 404 for an id that does not exist. */
async function onSchedule<T>(id: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ScheduleNotFound) throw notFound(error.message);
    throw error;
  }
}

export function registerScheduleRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/schedules',
    summary: 'List schedules (by namespace and workflow name, keyset pages)',
    description: 'A workflow whose latest version has a `schedule` has one schedule; registering a newer version moves it there.',
    tag: 'schedules',
    auth: 'user',
    query: ListSchedulesQuery,
    responses: {
      200: { description: 'a page of schedules', schema: SchedulePageSchema },
      400: { description: 'bad limit or cursor' },
      403: { description: 'the key is restricted to another namespace' },
    },
    handler: async ({ query, principal }) => {
      const namespace = listingNamespace(principal, query.namespace);
      const page = await ctx.store.listSchedules({ namespace, name: query.name, limit: query.limit, cursor: query.cursor });
      const now = Date.now();
      const items = page.items.map((s) => scheduleView(s, now));
      return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/schedules/:id',
    summary: 'One schedule: its workflow version, next ticks, last run, state, counters',
    tag: 'schedules',
    auth: 'user',
    params: ScheduleParams,
    responses: {
      200: { description: 'the schedule', schema: ScheduleSchema },
      403: { description: 'the key is restricted to another namespace' },
      404: { description: 'no such schedule' },
    },
    handler: async ({ params, principal }) => scheduleView(await loadSchedule(ctx, principal, params.id)),
  });

  for (const action of ['pause', 'resume'] as const) {
    defineRoute(app, ctx.catalog, {
      method: 'POST',
      url: `/api/v1/schedules/:id/${action}`,
      summary: action === 'pause' ? 'Pause a schedule: no tick (nor event) starts a run until it is resumed' : 'Resume a paused schedule from its next tick after now (ticks of the pause are not started)',
      tag: 'schedules',
      auth: 'user',
      params: ScheduleParams,
      responses: {
        200: { description: `the schedule, ${action === 'pause' ? 'paused' : 'active'} (repeating the request changes nothing)`, schema: ScheduleSchema },
        403: { description: 'the key is restricted to another namespace' },
        404: { description: 'no such schedule' },
      },
      handler: async ({ params, principal }) => {
        await loadSchedule(ctx, principal, params.id);
        const schedule = await onSchedule(params.id, () => setSchedulePaused(ctx.store, params.id, action === 'pause', Date.now(), (s) => assertNamespace(principal, s.namespace)));
        ctx.logger.info({ scheduleId: schedule.id, workflow: `${schedule.namespace}/${schedule.name}`, by: principal.name }, `schedule ${action}d`);
        return scheduleView(schedule);
      },
    });
  }

  defineRoute(app, ctx.catalog, {
    method: 'POST',
    url: '/api/v1/schedules/:id/trigger',
    summary: 'Start a run of the schedule now (its overlap policy applies; a paused schedule too)',
    description: 'The run records `trigger: {kind: schedule, manual: true}`. An `on` schedule starts with an empty array of events as input.',
    tag: 'schedules',
    auth: 'user',
    params: ScheduleParams,
    responses: {
      202: { description: 'the run started (runId), or none when overlap skip kept it from starting', schema: TriggeredSchema },
      403: { description: 'the key is restricted to another namespace' },
      404: { description: 'no such schedule' },
    },
    handler: async ({ reply, params, principal }) => {
      await loadSchedule(ctx, principal, params.id);
      const result = await onSchedule(params.id, () => triggerSchedule(ctx.store, ctx.bus, params.id, Date.now(), (s) => assertNamespace(principal, s.namespace), ctx.logger));
      if (result.runId) {
        ctx.metrics.runsStarted.inc({ namespace: result.schedule.namespace });
        reply.header('location', `/api/v1/runs/${result.runId}`);
      }
      reply.status(202);
      return { schedule: scheduleView(result.schedule), ...(result.runId && { runId: result.runId }) };
    },
  });
}
