// GET /api/v1/runs/{id}/trace: where a run's OpenTelemetry trace is — its trace id (the caller's,
// when POST /api/v1/runs carried a traceparent; else derived from the top-level run's id), the
// run span's id and, when BATON_TRACE_URL is set, the page of a trace UI that shows it. The ids
// are the ones every service derives (@baton/tracing runTrace), whether or not tracing is on here.
import { rootRunId, formatTraceparent, runTrace } from '@baton/tracing';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../app.ts';
import { defineRoute } from '../route-kit.ts';
import { RunParams } from '../schemas.ts';
import { loadRun } from './runs.ts';

const RunTraceSchema = z.object({
  runId: z.string(),
  traceId: z.string().describe('32 hex digits'),
  spanId: z.string().describe("the run span's id (16 hex digits)"),
  traceparent: z.string().describe('the run span as a W3C traceparent'),
  parentSpanId: z.string().optional().describe("the caller's span (a top-level run started with a traceparent) or the parent run's span (a child run)"),
  url: z.string().optional().describe('BATON_TRACE_URL with this trace id, when configured'),
});

export function registerRunTraceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/runs/:id/trace',
    summary: "Where a run's OpenTelemetry trace is: its ids and, when configured, the trace UI's page",
    tag: 'runs',
    auth: 'user',
    params: RunParams,
    responses: {
      200: { description: "the run's trace", schema: RunTraceSchema },
      403: { description: 'the key is restricted to another namespace' },
      404: { description: 'no such run' },
    },
    handler: async ({ params, principal }) => {
      const run = await loadRun(ctx, principal, params.id);
      const root = rootRunId(run.id);
      const top = root === run.id ? run : await ctx.store.getRun(root);
      const caller = top?.trigger?.kind === 'api' ? top.trigger.traceparent : undefined;
      const trace = runTrace(run.id, caller);
      return {
        runId: run.id,
        traceId: trace.traceId,
        spanId: trace.span.spanId,
        traceparent: formatTraceparent(trace.span),
        ...(trace.parent && { parentSpanId: trace.parent.spanId }),
        ...(ctx.config.traceUrl !== undefined && { url: ctx.config.traceUrl.replaceAll('{traceId}', trace.traceId) }),
      };
    },
  });
}
