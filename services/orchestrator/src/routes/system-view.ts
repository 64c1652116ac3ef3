// GET /api/v1/system, /system/queues, /system/backlog: the machinery as an operator asks about it
// first when runs are slow — what each queue holds and since when, who consumes it (alive or gone,
// what each holds), what PostgreSQL holds that is due, and how far the runner is behind. Admin
// keys without a namespace only: queues and backlog span every namespace.
import { Queues, type Bus, type QueueInspection, type SystemBacklog, type TaskKind } from '@baton/core';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../app.ts';
import type { Principal } from '../auth.ts';
import { forbidden } from '../problems.ts';
import { defineRoute } from '../route-kit.ts';

/** A consumer seen (consume or lease renewal) within this time counts as alive; workers consume every ≤ 5 s when idle and renew leases every 10 s when busy. */
export const ALIVE_WITHIN_MS = 30_000;
/** Held messages listed per consumer. */
const HELD_LIMIT = 20;

const TASK_SERVICES: Record<TaskKind, string> = { http: 'http-worker', agent: 'agent-runner', approval: 'hitl-worker' };
/** The queues Baton uses, and the service that consumes each. */
export const SYSTEM_QUEUES: { name: string; service: string }[] = [
  { name: Queues.runner, service: 'workflow-runner' },
  ...(Object.keys(TASK_SERVICES) as TaskKind[]).map((kind) => ({ name: Queues.tasks(kind), service: TASK_SERVICES[kind] })),
];

const ms = z.number().int().nonnegative();
const HeldSchema = z.object({
  id: z.string().describe('transport id (Redis stream entry id)'),
  deliveries: z.number().int().describe('1 on first delivery; more after a reclaim'),
  ageMs: ms.describe('since it was enqueued'),
  idleMs: ms.describe('since it was delivered or its lease renewed'),
  runId: z.string().optional(),
  attemptId: z.string().optional().describe('task messages: the attempt'),
  task: z.string().optional().describe('task messages: the task name'),
  reference: z.string().optional().describe("task messages: the task's JSON pointer"),
  namespace: z.string().optional(),
  type: z.string().optional().describe('runner messages: start, result, timer, cancel, event, events, continue…'),
});
const ConsumerSchema = z.object({
  name: z.string(),
  alive: z.boolean().describe(`seen (consumed or renewed a lease) within aliveWithinMs`),
  idleMs: ms.describe('since it last consumed or renewed a lease'),
  pending: z.number().int().describe('messages it holds (delivered, not acked)'),
  held: z.array(HeldSchema).describe(`up to ${HELD_LIMIT} of them, oldest first (no payloads)`),
});
const QueueSchema = z.object({
  name: z.string(),
  service: z.string().describe('the service that consumes it'),
  waiting: z.number().int().describe('enqueued, not delivered yet'),
  inFlight: z.number().int().describe('delivered, not acked'),
  oldestAgeMs: ms.optional().describe('age of the oldest message, waiting or in flight'),
  oldestWaitingAgeMs: ms.optional().describe('age of the oldest message not delivered yet'),
  consumers: z.array(ConsumerSchema).describe('alive consumers, and gone ones still holding messages'),
  aliveConsumers: z.number().int(),
  goneConsumers: z.number().int().describe('consumers not seen within aliveWithinMs that hold nothing (not listed)'),
});
const QueuesSchema = z.object({
  at: z.string().describe('when this was read (ISO)'),
  aliveWithinMs: ms,
  queues: z.array(QueueSchema),
});
const Count = z.object({ count: z.number().int(), oldestMs: ms.optional() });
const BacklogSchema = z.object({
  at: z.string().describe("the database's time of the reading"),
  countCap: z.number().int().describe('counts stop here'),
  pendingRuns: Count.describe('runs created, not started (oldestMs: since created)'),
  scheduledAttempts: z.array(Count.extend({ kind: z.string() })).describe('attempts out with workers or child runs, per kind (oldestMs: since created)'),
  outboxDue: Count.describe('outbox rows past their relay time (oldestMs: overdue by)'),
  timersDue: Count.describe('timers past their time, not fired (oldestMs: overdue by)'),
  schedulesDue: Count.describe('schedule ticks past their time, not started (oldestMs: overdue by)'),
});
const LagSchema = z.object({
  lagMs: ms.describe('the largest of the figures below: how far the runner is behind'),
  runnerQueueMs: ms.describe('age of the oldest message waiting in the runner queue'),
  timersMs: ms.describe('the most overdue timer'),
  outboxMs: ms.describe('the most overdue outbox row'),
  schedulesMs: ms.describe('the most overdue schedule tick'),
});
const OverviewSchema = z.object({ queues: QueuesSchema, backlog: BacklogSchema, runnerLag: LagSchema });

export type QueuesView = z.infer<typeof QueuesSchema>;

function requireWholeSystem(principal: Principal): void {
  if (principal.namespace !== undefined) {
    throw forbidden(`key "${principal.name}" is restricted to namespace "${principal.namespace}"; the system view spans every namespace and needs an admin key without one`);
  }
}

export function registerSystemViewRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const forbiddenDoc = { description: 'not an admin key, or one restricted to a namespace' };
  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/system',
    summary: 'The machinery at a glance: queues, the PostgreSQL backlog and the runner lag',
    description: 'GET /api/v1/system/queues, /api/v1/system/backlog and the lag computed from both, in one answer (what the dashboard\'s System page polls).',
    tag: 'system',
    auth: 'admin',
    responses: { 200: { description: 'the overview', schema: OverviewSchema }, 403: forbiddenDoc },
    handler: async ({ principal, reply }) => {
      requireWholeSystem(principal);
      reply.header('cache-control', 'no-store');
      const [queues, backlog] = await Promise.all([inspectQueues(ctx.bus), ctx.store.systemBacklog()]);
      return { queues, backlog, runnerLag: runnerLag(queues, backlog) };
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/system/queues',
    summary: 'Queues: depth, oldest message age, consumers alive and gone, what each holds',
    tag: 'system',
    auth: 'admin',
    responses: { 200: { description: 'every queue of Baton', schema: QueuesSchema }, 403: forbiddenDoc },
    handler: async ({ principal, reply }) => {
      requireWholeSystem(principal);
      reply.header('cache-control', 'no-store');
      return inspectQueues(ctx.bus);
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/system/backlog',
    summary: 'What PostgreSQL holds that is due: pending runs, scheduled attempts, outbox rows, timers, schedule ticks',
    tag: 'system',
    auth: 'admin',
    responses: { 200: { description: 'counts and ages', schema: BacklogSchema }, 403: forbiddenDoc },
    handler: async ({ principal, reply }) => {
      requireWholeSystem(principal);
      reply.header('cache-control', 'no-store');
      return ctx.store.systemBacklog();
    },
  });
}

export async function inspectQueues(bus: Bus): Promise<QueuesView> {
  const at = new Date().toISOString();
  const inspections = await Promise.all(SYSTEM_QUEUES.map((q) => bus.inspect(q.name, { heldLimit: HELD_LIMIT })));
  return {
    at,
    aliveWithinMs: ALIVE_WITHIN_MS,
    queues: inspections.map((inspection, i) => queueView(inspection, SYSTEM_QUEUES[i]!.service)),
  };
}

function queueView(inspection: QueueInspection, service: string): QueuesView['queues'][number] {
  const consumers = inspection.consumers.map((c) => ({ name: c.name, alive: c.idleMs < ALIVE_WITHIN_MS, idleMs: c.idleMs, pending: c.pending, held: c.held.map(({ id, deliveries, ageMs, idleMs, body }) => ({ id, deliveries, ageMs, idleMs, ...describeBody(body) })) }));
  const listed = consumers.filter((c) => c.alive || c.pending > 0);
  const view: QueuesView['queues'][number] = {
    name: inspection.queue,
    service,
    waiting: inspection.waiting,
    inFlight: inspection.inFlight,
    consumers: listed,
    aliveConsumers: consumers.filter((c) => c.alive).length,
    goneConsumers: consumers.length - listed.length,
  };
  if (inspection.oldestAgeMs !== undefined) view.oldestAgeMs = inspection.oldestAgeMs;
  if (inspection.oldestWaitingAgeMs !== undefined) view.oldestWaitingAgeMs = inspection.oldestWaitingAgeMs;
  return view;
}

/** Names from a task or runner message; never its payload (arguments, outputs, secrets). */
function describeBody(body: unknown): Partial<Record<'runId' | 'attemptId' | 'task' | 'reference' | 'namespace' | 'type', string>> {
  if (typeof body !== 'object' || body === null) return {};
  const record = body as Record<string, unknown>;
  const names: Record<string, string> = {};
  const take = (key: string, from = key) => {
    if (typeof record[from] === 'string') names[key] = record[from];
  };
  take('runId');
  take('attemptId');
  take('task', 'name');
  take('reference');
  take('namespace');
  if (typeof record.kind !== 'string') take('type'); // a runner message (task messages have a kind)
  return names;
}

export function runnerLag(queues: QueuesView, backlog: SystemBacklog): z.infer<typeof LagSchema> {
  const figures = {
    runnerQueueMs: queues.queues.find((q) => q.name === Queues.runner)?.oldestWaitingAgeMs ?? 0,
    timersMs: backlog.timersDue.oldestMs ?? 0,
    outboxMs: backlog.outboxDue.oldestMs ?? 0,
    schedulesMs: backlog.schedulesDue.oldestMs ?? 0,
  };
  return { lagMs: Math.max(...Object.values(figures)), ...figures };
}
