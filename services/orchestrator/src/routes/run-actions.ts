// What operators do to a run besides cancel (docs/OPERATIONS.md): rerun it, suspend it, resume it.
//   rerun    a new run of the same workflow (same or latest version), same or new input, linked
//            to the original (rerunOf, trigger { kind: 'rerun' }); created as POST /runs does
//   suspend  recorded in PostgreSQL (the outbox) before the answer, applied by a workflow-runner:
//   resume   the run's status becomes suspended / what it was, and what it held is dispatched
import type { RunnerMessage, RunRecord } from '@baton/core';
import { TERMINAL_STATUSES, uuidv7 } from '@baton/core';
import { enqueueDurably } from '@baton/engine';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../app.ts';
import type { Principal } from '../auth.ts';
import { canonicalJson } from '../content-hash.ts';
import { conflict, notFound } from '../problems.ts';
import { defineRoute } from '../route-kit.ts';
import { RerunBody, RunParams, RunSchema, SuspendRunBody } from '../schemas.ts';
import { createAndStart, loadRun, runView } from './runs.ts';

export function registerRunActionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, ctx.catalog, {
    method: 'POST',
    url: '/api/v1/runs/:id/rerun',
    summary: 'Start a new run of the same workflow with the same input (or a new one, or the latest version)',
    description:
      'The new run records `rerunOf` and the trigger `{ kind: "rerun", runId }`; the run rerun is left as it is (it may still be going). ' +
      'With an idempotencyKey, repeating the same request returns the first rerun.',
    tag: 'runs',
    auth: 'user',
    params: RunParams,
    body: RerunBody,
    bodyRequired: false,
    responses: {
      201: { description: 'the new run', schema: RunSchema },
      200: { description: 'the rerun of this idempotencyKey already existed (same request)', schema: RunSchema },
      400: { description: 'invalid body' },
      403: { description: 'the key is restricted to another namespace' },
      404: { description: 'no such run, or its workflow version is no longer registered' },
      409: { description: 'the idempotencyKey already started another run (members runId, differs)' },
    },
    handler: async ({ reply, params, body, principal }) => {
      const { run, created } = await rerun(ctx, principal, params.id, body ?? {});
      reply.header('location', `/api/v1/runs/${run.id}`);
      reply.status(created ? 201 : 200);
      return runView(run);
    },
  });

  for (const action of ['suspend', 'resume'] as const) {
    defineRoute(app, ctx.catalog, {
      method: 'POST',
      url: `/api/v1/runs/:id/${action}`,
      summary: action === 'suspend' ? 'Suspend a run: it dispatches nothing new until resumed (asynchronous)' : 'Resume a suspended run: what it held is dispatched, in order (asynchronous)',
      description:
        action === 'suspend'
          ? 'Tasks in flight finish and are recorded; timers, events and approval decisions still reach the run; the task attempts, child runs and approvals it decides meanwhile are held. Its live child runs are suspended too. Suspending a suspended run changes nothing.'
          : 'Held task attempts, child runs and approvals are dispatched in the order the run decided them; child runs suspended with it are resumed. Resuming a run that is not suspended changes nothing.',
      tag: 'runs',
      auth: 'user',
      params: RunParams,
      body: SuspendRunBody,
      bodyRequired: false,
      responses: {
        202: { description: `${action} requested; the run as it stands (its status becomes ${action === 'suspend' ? 'suspended' : 'running or waiting'} shortly)`, schema: RunSchema },
        403: { description: 'the key is restricted to another namespace' },
        404: { description: 'no such run' },
        409: { description: 'the run has already finished' },
      },
      handler: async ({ reply, params, body, principal }) => {
        const run = await loadRun(ctx, principal, params.id);
        if (TERMINAL_STATUSES.has(run.status)) {
          throw conflict(`run ${run.id} has already finished (status ${run.status}); there is nothing to ${action}`, { runStatus: run.status });
        }
        // Recorded in PostgreSQL before the answer; of several requests, the latest wins (the runner
        // drops older ones still waiting), so suspend-then-resume ends resumed.
        const message: RunnerMessage = { type: action, runId: run.id, ...(body?.reason !== undefined && { reason: body.reason }) };
        await enqueueDurably(ctx.store, ctx.bus, [message], ctx.logger);
        reply.status(202);
        return runView(run);
      },
    });
  }
}

async function rerun(ctx: ApiContext, principal: Principal, id: string, body: NonNullable<RerunBody>): Promise<{ run: RunRecord; created: boolean }> {
  const original = await loadRun(ctx, principal, id);
  const latest = body.version === 'latest';
  const definition = latest ? await ctx.store.getDefinition(original.namespace, original.name) : await ctx.store.getDefinitionById(original.definitionId);
  if (!definition) throw notFound(`workflow ${original.namespace}/${original.name}${latest ? '' : ` version ${original.version}`} is no longer registered; register it again with \`baton apply -f FILE\``);
  const input = body.input === undefined ? original.input : body.input;
  const result = await createAndStart(ctx, {
    id: uuidv7(),
    definitionId: definition.id,
    namespace: definition.namespace,
    name: definition.name,
    version: definition.version,
    input,
    ...(body.idempotencyKey !== undefined && { idempotencyKey: body.idempotencyKey }),
    trigger: { kind: 'rerun', runId: original.id },
    rerunOf: original.id,
  });
  if (!result.created && body.idempotencyKey !== undefined) assertSameRerun(result.run, original, body, input);
  return result;
}

/** A repeated idempotency key must come with the same rerun: of the same run, version and input. */
function assertSameRerun(run: RunRecord, original: RunRecord, body: NonNullable<RerunBody>, input: unknown): void {
  const differs = [
    ...(run.rerunOf !== original.id ? ['run'] : []),
    ...(body.version !== 'latest' && run.version !== original.version ? ['version'] : []),
    ...(canonicalJson(run.input) !== canonicalJson(input) ? ['input'] : []),
  ];
  if (differs.length === 0) return;
  throw conflict(
    `idempotency key "${body.idempotencyKey}" already started run ${run.id} (${run.namespace}/${run.name} version ${run.version}${run.rerunOf ? `, a rerun of ${run.rerunOf}` : ''}) with another ${differs.join(' and ')}; repeat the same request to get that run, or use a new key for a new one`,
    { runId: run.id, differs },
  );
}
