// Runs: start (idempotent, optionally waiting for the outcome), read, list, cancel; rerun,
// suspend and resume are in run-actions.ts.
import type { DefinitionPick, DefinitionSummary, NewRun, RunnerMessage, RunRecord } from '@baton/core';
import { Queues, TERMINAL_STATUSES, uuidv7 } from '@baton/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { enqueueDurably } from '@baton/engine';
import { formatTraceparent, parseTraceparent } from '@baton/tracing';
import type { ApiContext } from '../app.ts';
import { assertNamespace, listingNamespace, type Principal } from '../auth.ts';
import { ApiProblem, ProblemTypes, conflict, notFound } from '../problems.ts';
import { defineRoute } from '../route-kit.ts';
import { CancelRunBody, CreateRunBody, ListRunsQuery, RunPageSchema, RunParams, RunSchema } from '../schemas.ts';
import { canonicalJson } from '../content-hash.ts';
import { parseIsoDuration } from '../wait.ts';

/** Run ids: UUIDv7 for API-started runs, `<parent id>.<effect id>` for child runs. */
const RUN_ID = /^[A-Za-z0-9._:-]{1,200}$/;

/** Drops undefined members so responses carry only what the run has. */
export function runView(run: RunRecord): RunRecord {
  return Object.fromEntries(Object.entries(run).filter(([, value]) => value !== undefined)) as unknown as RunRecord;
}

/** A run the key may see, or 404/403. Malformed ids name no run: 404, without a store query. */
export async function loadRun(ctx: ApiContext, principal: Principal, id: string): Promise<RunRecord> {
  const run = RUN_ID.test(id) ? await ctx.store.getRun(id) : undefined;
  if (!run) throw notFound(`no run ${id}`);
  assertNamespace(principal, run.namespace);
  return run;
}

function waitMs(ctx: ApiContext, wait: string | undefined): number | undefined {
  if (wait === undefined) return undefined;
  const ms = parseIsoDuration(wait);
  if (ms === undefined) {
    throw new ApiProblem(400, ProblemTypes.validation, `wait "${wait}" is not an ISO 8601 duration (e.g. PT30S, PT1M30S)`, {
      problems: [{ path: '/body/wait', message: 'expected an ISO 8601 duration such as PT30S' }],
    });
  }
  return Math.min(ms, ctx.config.maxWaitMs);
}

/** An AbortSignal that fires when the client goes away before the answer. */
function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  // The response closes before it finished only when the connection went away.
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** A valid W3C `traceparent` header, normalised; an invalid one is ignored, as the W3C says. */
function callerTrace(header: string | string[] | undefined): string | undefined {
  const context = parseTraceparent(Array.isArray(header) ? undefined : header);
  return context ? formatTraceparent(context) : undefined;
}

async function startRun(ctx: ApiContext, principal: Principal, body: CreateRunBody, traceparent: string | undefined, id = uuidv7()): Promise<{ run: RunRecord; created: boolean }> {
  assertNamespace(principal, body.namespace);
  const input = body.input === undefined ? {} : body.input;
  const runOf = (definition: DefinitionSummary): NewRun => ({
    id,
    definitionId: definition.id,
    namespace: definition.namespace,
    name: definition.name,
    version: definition.version,
    input,
    ...(body.idempotencyKey !== undefined && { idempotencyKey: body.idempotencyKey }),
    ...(body.priority !== undefined && body.priority !== 0 && { priority: body.priority }),
    // The run's trace continues the caller's (@baton/tracing runTrace): kept with the run.
    trigger: traceparent === undefined ? { kind: 'api' } : { kind: 'api', traceparent },
  });
  // The definition the same request was last created from: one statement, while it still holds.
  const pick = ctx.picks.get(body.namespace, body.name, body.version);
  if (pick) {
    const created = await createPicked(ctx, runOf(pick), pick);
    if (created) return { run: created, created: true };
    ctx.picks.delete(body.namespace, body.name, body.version);
  }
  const definition = await ctx.store.findDefinition(body.namespace, body.name, body.version);
  if (!definition) {
    throw notFound(`no workflow ${body.namespace}/${body.name}${body.version ? ` version ${body.version}` : ''}; register it with \`baton apply -f FILE\` (or POST /api/v1/workflows)`);
  }
  ctx.picks.set(body.namespace, body.name, body.version, definition);
  const result = await createAndStart(ctx, runOf(definition));
  if (!result.created && body.idempotencyKey !== undefined) assertSameRequest(result.run, body, input);
  return result;
}

/**
 * A run of a pick, created and — with a starter, for a request alone — started in one transaction;
 * otherwise (or when that declined) its start is sent. Undefined when the pick no longer holds or
 * the run conflicts.
 *
 * Alone: no other POST /api/v1/runs is being answered. The inline start takes a commit and two
 * hops off the request's way (bench/README.md), but it is one transaction and one relay per turn
 * of requests, where a runner's batch takes the starts of every request waiting on the queue at
 * once: with 20 callers it cost ~0.75 ms more CPU per run in all (the API, and the http-workers
 * taking tasks in smaller batches), −13 % runs/s. Concurrent requests leave starts to the runner,
 * as do requests before the starter recorded the transport epoch (RunStarter.ready).
 */
async function createPicked(ctx: ApiContext, run: NewRun, pick: DefinitionPick): Promise<RunRecord | undefined> {
  if (!ctx.starter?.ready() || ctx.runRequests.inFlight > 1) {
    const created = await ctx.store.createPickedRun(run, pick);
    if (created) await sendStart(ctx, created);
    return created;
  }
  await ctx.starter.prepare(pick.id);
  const created = await ctx.store.createAndStartPickedRun(run, pick, ctx.starter);
  if (!created) return undefined;
  if (created.started) ctx.metrics.runsStarted.inc({ namespace: created.run.namespace });
  else await sendStart(ctx, created.run);
  return created.run;
}

/**
 * Creates a run (idempotent on its key) and, when it is new, sends its start. `create` writes the
 * run (a reset run is written with its replay ledger).
 */
export async function createAndStart(ctx: ApiContext, newRun: NewRun, create = (run: NewRun) => ctx.store.createRun(run)): Promise<{ run: RunRecord; created: boolean }> {
  const result = await create(newRun);
  if (result.created) await sendStart(ctx, result.run);
  return result;
}

/**
 * The start of a new run. The pending run is the start's durable record: if this enqueue fails or
 * is lost (crash, transport down), the runner's pending-run sweep starts the run. The answer stands.
 */
async function sendStart(ctx: ApiContext, run: RunRecord): Promise<void> {
  const start: RunnerMessage = { type: 'start', runId: run.id };
  await ctx.bus.enqueue(Queues.runner, [start]).catch((error: unknown) => ctx.logger.warn({ err: error, runId: run.id }, 'start message not sent; the runner sweep starts the run'));
  ctx.metrics.runsStarted.inc({ namespace: run.namespace });
}

/**
 * A repeated idempotency key must come with the same request, or it is a 409 (silently returning
 * the first run hid the client's bug: its second request never ran). The same request: the same
 * name, the same version when the request names one (a request without one asks for whichever is
 * the latest, which the first run's version answered), and the same input as canonical JSON (key
 * order and number spelling do not matter). The run keeps its name, version and input, so nothing
 * else needs storing.
 */
function assertSameRequest(run: RunRecord, body: CreateRunBody, input: unknown): void {
  const differs = [
    ...(run.name !== body.name ? ['name'] : []),
    ...(body.version !== undefined && run.version !== body.version ? ['version'] : []),
    ...(canonicalJson(run.input) !== canonicalJson(input) ? ['input'] : []),
  ];
  if (differs.length === 0) return;
  throw conflict(
    `idempotency key "${body.idempotencyKey}" already started run ${run.id} (${run.namespace}/${run.name} version ${run.version}) with another ${differs.join(' and ')}; repeat the same request to get that run, or use a new key for a new one`,
    { runId: run.id, differs },
  );
}

/** POST /api/v1/runs: starts a run; with `wait`, answers with its end (or the run as it stands when the wait ends). */
async function createRunRoute(ctx: ApiContext, request: FastifyRequest, reply: FastifyReply, body: CreateRunBody, principal: Principal): Promise<RunRecord> {
  const timeoutMs = waitMs(ctx, body.wait);
  const traceparent = callerTrace(request.headers.traceparent);
  if (timeoutMs === undefined) {
    const { run, created } = await startRun(ctx, principal, body, traceparent);
    reply.header('location', `/api/v1/runs/${run.id}`);
    reply.status(created ? 201 : 200);
    return runView(run);
  }
  // The waiter is there before the run is: its end wakes it, with no read of the run between.
  const gone = clientGone(reply);
  let started: { run: RunRecord; created: boolean } | undefined;
  const id = uuidv7();
  let outcome = await ctx.waiters.waitForNew(id, timeoutMs, gone, async () => {
    started = await startRun(ctx, principal, body, traceparent, id);
    return started.created ? started.run : undefined;
  });
  const { run } = started!;
  if (run.id !== id) outcome = await ctx.waiters.wait(run.id, timeoutMs, gone);
  reply.header('location', `/api/v1/runs/${run.id}`);
  const current = outcome?.run ?? run;
  reply.status(outcome?.finished ? 200 : 202);
  return runView(current);
}

export function registerRunRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, ctx.catalog, {
    method: 'POST',
    url: '/api/v1/runs',
    summary: 'Start a run of a workflow (idempotent with idempotencyKey; optionally wait for its outcome)',
    tag: 'runs',
    auth: 'user',
    body: CreateRunBody,
    responses: {
      201: { description: 'run created (without wait)', schema: RunSchema },
      200: { description: 'the run of this idempotencyKey already existed (same request), or (with wait) the run finished in time', schema: RunSchema },
      202: { description: '(with wait) the wait ended before the run finished; the run as it stands', schema: RunSchema },
      400: { description: 'invalid body or wait duration' },
      403: { description: 'the key is restricted to another namespace' },
      404: { description: 'no such workflow (or version)' },
      409: { description: 'the idempotencyKey already started a run of another request (other name, version or input); members runId, differs' },
    },
    handler: async ({ request, reply, body, principal }) => {
      ctx.runRequests.inFlight += 1;
      try {
        return await createRunRoute(ctx, request, reply, body, principal);
      } finally {
        ctx.runRequests.inFlight -= 1;
      }
    },
  });


  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/runs',
    summary: 'List runs, newest first (keyset pages)',
    tag: 'runs',
    auth: 'user',
    query: ListRunsQuery,
    responses: {
      200: { description: 'a page of runs', schema: RunPageSchema },
      400: { description: 'bad status, limit, cursor or q' },
      403: { description: 'the key is restricted to another namespace' },
    },
    handler: async ({ query, principal }) => {
      const namespace = listingNamespace(principal, query.namespace);
      const page = await ctx.store.listRuns({
        status: query.status,
        namespace,
        name: query.name,
        scheduleId: query.scheduleId,
        parentRunId: query.parentRunId,
        rerunOf: query.rerunOf,
        resetOf: query.resetOf,
        search: query.q,
        limit: query.limit,
        cursor: query.cursor,
      });
      const items = page.items.map(runView);
      return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/runs/:id',
    summary: 'One run: status, input, output, error, timestamps, usage',
    tag: 'runs',
    auth: 'user',
    params: RunParams,
    responses: {
      200: { description: 'the run', schema: RunSchema },
      403: { description: 'the key is restricted to another namespace' },
      404: { description: 'no such run' },
    },
    handler: async ({ params, principal }) => runView(await loadRun(ctx, principal, params.id)),
  });

  defineRoute(app, ctx.catalog, {
    method: 'POST',
    url: '/api/v1/runs/:id/cancel',
    summary: 'Ask for a run to be cancelled (asynchronous)',
    tag: 'runs',
    auth: 'user',
    params: RunParams,
    body: CancelRunBody,
    bodyRequired: false,
    responses: {
      202: { description: 'cancellation requested; the run as it stands (it becomes cancelled shortly)', schema: RunSchema },
      403: { description: 'the key is restricted to another namespace' },
      404: { description: 'no such run' },
      409: { description: 'the run has already finished' },
    },
    handler: async ({ reply, params, body, principal }) => {
      const run = await loadRun(ctx, principal, params.id);
      if (TERMINAL_STATUSES.has(run.status)) {
        throw conflict(`run ${run.id} has already finished (status ${run.status}); there is nothing to cancel`, { runStatus: run.status });
      }
      // Recorded in PostgreSQL (the outbox) before the answer: a crash or a lost transport after
      // the 202 cannot lose the cancellation.
      const cancel: RunnerMessage = { type: 'cancel', runId: run.id, ...(body?.reason !== undefined && { reason: body.reason }) };
      await enqueueDurably(ctx.store, ctx.bus, [cancel], ctx.logger);
      reply.status(202);
      return runView(run);
    },
  });
}
