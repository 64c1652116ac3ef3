// Reset from a step (docs/OPERATIONS.md "Reset"): a new run of the same workflow version and input
// that replays the original's recorded outcomes before `from` and executes from `from` on.
//   POST /api/v1/runs/{id}/reset   one run
//   POST /api/v1/runs/reset        the runs a filter selects (at most `limit`), like Temporal's batch reset
// The plan (boundary, ledger) is engine/reset.ts; the run and its ledger are created in one
// transaction (Store.createResetRun) and started as POST /runs starts a run (createAndStart).
import type { RunRecord, WorkflowDocument } from '@baton/core';
import { planReset, ResetRefused } from '@baton/engine';
import type { FastifyInstance } from 'fastify';
import { uuidv7 } from '@baton/core';
import type { ApiContext } from '../app.ts';
import { listingNamespace, type Principal } from '../auth.ts';
import { ApiProblem, ProblemTypes, conflict, notFound } from '../problems.ts';
import { defineRoute } from '../route-kit.ts';
import { BulkResetBody, BulkResetResultSchema, ResetBody, RunParams, RunSchema } from '../schemas.ts';
import { createAndStart, loadRun, runView } from './runs.ts';

/** Runs a bulk reset looks at, at most, beyond its limit (those it skips: already reset, refused). */
const BULK_SCAN = 5_000;
const PAGE = 200;

export function registerRunResetRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, ctx.catalog, {
    method: 'POST',
    url: '/api/v1/runs/:id/reset',
    summary: 'Start a new run that replays what the run did before a task and executes from that task on',
    description:
      'The new run has the same workflow version and input. Recorded outcomes the run applied before `from` started (HTTP responses, agent turns, ' +
      'approval decisions, child-run results, elapsed waits and retry delays) are replayed instead of executed, and their events carry `replayedFrom`. ' +
      '`from` is a task pointer the run started, or `failed` (the task that failed, for a faulted run). The new run records `resetOf` and the trigger ' +
      '`{ kind: "reset", runId, from }`. With an idempotencyKey, repeating the same request returns the first reset.',
    tag: 'runs',
    auth: 'user',
    params: RunParams,
    body: ResetBody,
    responses: {
      201: { description: 'the new run', schema: RunSchema },
      200: { description: 'the reset of this idempotencyKey already existed (same request)', schema: RunSchema },
      400: { description: 'invalid body' },
      403: { description: 'the key is restricted to another namespace' },
      404: { description: "no such run, or its workflow version is no longer registered" },
      409: { description: 'the run has not finished, `failed` on a run that did not fail, or the idempotencyKey started another run (member from; runId, differs)' },
      422: { description: 'from names no task of the definition, or a task the run never started (member from)' },
    },
    handler: async ({ reply, params, body, principal }) => {
      const original = await loadRun(ctx, principal, params.id);
      const { run, created } = await resetRun(ctx, original, body.from, body.idempotencyKey);
      reply.header('location', `/api/v1/runs/${run.id}`);
      reply.status(created ? 201 : 200);
      return runView(run);
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'POST',
    url: '/api/v1/runs/reset',
    summary: 'Reset the runs a filter selects (default: faulted), at most `limit` (bulk)',
    description:
      'Each selected run is reset as POST /api/v1/runs/{id}/reset does, with the idempotency key `reset:<runId>:<from>` (`from` resolved): ' +
      'a run already reset from the same task is skipped (its reset is named), so repeating a bulk reset never resets a run twice. ' +
      'Runs are taken newest first; `limit` bounds the runs reset by this request.',
    tag: 'runs',
    auth: 'user',
    body: BulkResetBody,
    responses: {
      200: { description: 'the runs reset and the runs skipped, with the reason', schema: BulkResetResultSchema },
      400: { description: 'invalid body' },
      403: { description: 'the key is restricted to another namespace' },
    },
    handler: async ({ body, principal }) => bulkReset(ctx, principal, body),
  });
}

/** Plans and creates one reset; ResetRefused becomes a problem naming `from`. */
async function resetRun(ctx: ApiContext, original: RunRecord, from: string, idempotencyKey: string | undefined): Promise<{ run: RunRecord; created: boolean }> {
  const definition = await ctx.store.getDefinitionById(original.definitionId);
  if (!definition) throw notFound(`workflow ${original.namespace}/${original.name} version ${original.version} is no longer registered; a reset runs the same version — register it again with \`baton apply -f FILE\``);
  let plan;
  try {
    plan = await planReset(ctx.store, original, definition.document as WorkflowDocument, from);
  } catch (error) {
    if (!(error instanceof ResetRefused)) throw error;
    throw new ApiProblem(error.status, error.status === 409 ? ProblemTypes.conflict : ProblemTypes.validation, error.message, { extensions: { from: error.from, runStatus: original.status } });
  }
  const resetOf = { runId: original.id, from: plan.from };
  const result = await createAndStart(
    ctx,
    {
      id: uuidv7(),
      definitionId: definition.id,
      namespace: definition.namespace,
      name: definition.name,
      version: definition.version,
      input: original.input,
      ...(idempotencyKey !== undefined && { idempotencyKey }),
      trigger: { kind: 'reset', ...resetOf },
      resetOf,
    },
    (run) => ctx.store.createResetRun(run, plan.ledger),
  );
  if (!result.created && idempotencyKey !== undefined && (result.run.resetOf?.runId !== resetOf.runId || result.run.resetOf.from !== resetOf.from)) {
    throw conflict(
      `idempotency key "${idempotencyKey}" already started run ${result.run.id}${result.run.resetOf ? ` (a reset of ${result.run.resetOf.runId} from ${result.run.resetOf.from})` : ''}, not a reset of ${original.id} from ${plan.from}; repeat the same request to get that run, or use a new key`,
      { runId: result.run.id, differs: ['reset'], from },
    );
  }
  return result;
}

interface BulkResult {
  reset: { runId: string; newRunId: string }[];
  skipped: { runId: string; reason: string; newRunId?: string }[];
}

async function bulkReset(ctx: ApiContext, principal: Principal, body: BulkResetBody): Promise<BulkResult> {
  const { filter } = body;
  const namespace = listingNamespace(principal, filter.namespace);
  const after = filter.createdAfter === undefined ? undefined : Date.parse(filter.createdAfter);
  const before = filter.createdBefore === undefined ? undefined : Date.parse(filter.createdBefore);
  const result: BulkResult = { reset: [], skipped: [] };
  let cursor: string | undefined;
  let scanned = 0;
  while (result.reset.length < body.limit && scanned < BULK_SCAN) {
    const page = await ctx.store.listRuns({ status: filter.status ?? 'faulted', ...(namespace !== undefined && { namespace }), ...(filter.name !== undefined && { name: filter.name }), limit: PAGE, ...(cursor !== undefined && { cursor }) });
    for (const run of page.items) {
      const created = Date.parse(run.createdAt);
      if (after !== undefined && created <= after) return result; // newest first: the rest is older
      scanned += 1;
      if ((before !== undefined && created >= before) || (filter.version !== undefined && run.version !== filter.version) || run.parentRunId !== undefined) continue;
      await resetOne(ctx, run, body.from, result);
      if (result.reset.length >= body.limit) return result;
    }
    if (page.nextCursor === undefined) break;
    cursor = page.nextCursor;
  }
  return result;
}

/** One run of a bulk reset: reset, or skipped with the reason (refused, already reset from the same task). */
async function resetOne(ctx: ApiContext, run: RunRecord, from: string, result: BulkResult): Promise<void> {
  const definition = await ctx.store.getDefinitionById(run.definitionId);
  if (!definition) return void result.skipped.push({ runId: run.id, reason: `workflow version ${run.version} is no longer registered` });
  let plan;
  try {
    plan = await planReset(ctx.store, run, definition.document as WorkflowDocument, from);
  } catch (error) {
    if (!(error instanceof ResetRefused)) throw error;
    return void result.skipped.push({ runId: run.id, reason: error.message });
  }
  const resetOf = { runId: run.id, from: plan.from };
  const { run: reset, created } = await createAndStart(
    ctx,
    { id: uuidv7(), definitionId: definition.id, namespace: definition.namespace, name: definition.name, version: definition.version, input: run.input, idempotencyKey: `reset:${run.id}:${plan.from}`, trigger: { kind: 'reset', ...resetOf }, resetOf },
    (newRun) => ctx.store.createResetRun(newRun, plan.ledger),
  );
  if (created) result.reset.push({ runId: run.id, newRunId: reset.id });
  else result.skipped.push({ runId: run.id, reason: `already reset from ${plan.from}`, newRunId: reset.id });
}
