// The orchestrator's Fastify app: wiring of hooks, parsers, error handling and routes. It does not
// listen; the launcher (embedded or service main) calls listen().
import { randomUUID } from 'node:crypto';
import type { Bus, Store } from '@baton/core';
import type { RunStarter } from '@baton/engine';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ApiKeyCache, authenticate } from './auth.ts';
import type { OrchestratorConfig } from './config.ts';
import { orchestratorMetrics, type OrchestratorMetrics } from './metrics.ts';
import { ApiProblem, ProblemTypes, sendProblem } from './problems.ts';
import { RouteCatalog, unsupportedMediaType } from './route-kit.ts';
import { registerApprovalPageRoutes } from './routes/approval-page.ts';
import { registerApprovalRoutes } from './routes/approvals.ts';
import { registerDashboardRoutes } from './routes/dashboard.ts';
import { registerEventRoutes } from './routes/events.ts';
import { registerInfoRoutes } from './routes/info.ts';
import { registerKeyRoutes } from './routes/keys.ts';
import { registerRunActionRoutes } from './routes/run-actions.ts';
import { registerRunResetRoutes } from './routes/run-reset.ts';
import { registerRunRoutes } from './routes/runs.ts';
import { registerRunTraceRoutes } from './routes/run-trace.ts';
import { registerRateLimitRoutes } from './routes/rate-limits.ts';
import { registerScheduleRoutes } from './routes/schedules.ts';
import { registerStreamTokenRoutes } from './routes/stream-tokens.ts';
import { registerSystemRoutes } from './routes/system.ts';
import { registerSystemViewRoutes } from './routes/system-view.ts';
import { registerWorkflowRoutes } from './routes/workflows.ts';
import { jsonValueIssue, pointerUnder, type JsonValueIssue } from './storable.ts';
import { DefinitionPicks } from './definition-picks.ts';
import { RunWaiters } from './wait.ts';

export interface OrchestratorDeps {
  store: Store;
  bus: Bus;
  logger: Logger;
  metrics: Registry;
  config: OrchestratorConfig;
  /** Starts runs created through POST /api/v1/runs in the transaction that creates them (@baton/engine inline-start.ts); without it the runner starts them. */
  starter?: RunStarter;
}

/** The resources every route shares. */
export interface ApiContext {
  store: Store;
  bus: Bus;
  logger: Logger;
  config: OrchestratorConfig;
  registry: Registry;
  metrics: OrchestratorMetrics;
  keys: ApiKeyCache;
  /** The definitions runs were last created from (createPickedRun). */
  picks: DefinitionPicks;
  waiters: RunWaiters;
  catalog: RouteCatalog;
  starter?: RunStarter;
  /** POST /api/v1/runs requests being answered (waits included): a request alone starts its run inline. */
  runRequests: { inFlight: number };
}

const JSON_TYPES = ['application/json', 'application/cloudevents+json'];
export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

export async function createOrchestratorApp(deps: OrchestratorDeps): Promise<FastifyInstance> {
  const { store, bus, logger, config } = deps;
  const metrics = orchestratorMetrics(deps.metrics);
  const app = Fastify({
    loggerInstance: logger,
    // Fastify's own two lines per request are replaced by one line in registerObservability.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.maxBodyBytes,
    return503OnClosing: true,
    genReqId: (request) => headerRequestId(request.headers['x-request-id']) ?? randomUUID(),
    // Malformed URLs and over-long path parameters are refused before routing and hooks.
    frameworkErrors: (error, request, reply) => {
      const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
      void sendProblem(reply, request, new ApiProblem(status, status === 404 ? ProblemTypes.notFound : ProblemTypes.badRequest, error.message));
      recordRequest(metrics, request, reply);
    },
  }) as unknown as FastifyInstance;

  const ctx: ApiContext = {
    store,
    bus,
    logger,
    config,
    registry: deps.metrics,
    metrics,
    keys: new ApiKeyCache(store, config.authCacheMs),
    picks: new DefinitionPicks(),
    waiters: new RunWaiters(store, bus, logger),
    catalog: new RouteCatalog(),
    runRequests: { inFlight: 0 },
    ...(deps.starter && { starter: deps.starter }),
  };

  app.decorateRequest('principal', undefined);
  registerBodyParsers(app);
  registerObservability(app, ctx);
  app.addHook('onRequest', async (request) => {
    // The matched route decides (an encoded path such as /%61pi/… still routes to /api/…); the
    // raw path only for requests that matched nothing, so unknown /api paths also need a key.
    const pattern = request.routeOptions.url;
    if (pattern !== undefined ? isApiPath(pattern) : isApiPath(request.url)) request.principal = await authenticate(request, ctx.keys);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => sendProblem(reply, request, toProblem(error, request, config)));
  app.setNotFoundHandler((request, reply) => sendProblem(reply, request, notFoundProblem(request, ctx.catalog)));
  // Release held `wait` requests first, or close would wait for them (up to BATON_MAX_WAIT).
  app.addHook('preClose', async () => ctx.waiters.close());
  app.addHook('onClose', async () => ctx.starter?.stop());

  registerSystemRoutes(app, ctx);
  registerSystemViewRoutes(app, ctx);
  registerWorkflowRoutes(app, ctx);
  registerRunRoutes(app, ctx);
  registerRunTraceRoutes(app, ctx);
  registerRunActionRoutes(app, ctx);
  registerRunResetRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  registerScheduleRoutes(app, ctx);
  registerRateLimitRoutes(app, ctx);
  registerKeyRoutes(app, ctx);
  registerStreamTokenRoutes(app, ctx);
  registerInfoRoutes(app, ctx);
  registerApprovalRoutes(app, ctx);
  registerApprovalPageRoutes(app, ctx);
  registerDashboardRoutes(app, ctx);
  return app;
}

function isApiPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
}

function headerRequestId(value: string | string[] | undefined): string | undefined {
  const id = Array.isArray(value) ? value[0] : value;
  return id && /^[A-Za-z0-9._:-]{1,128}$/.test(id) ? id : undefined;
}

/**
 * JSON bodies: empty → undefined (so optional bodies may be sent with a JSON content type);
 * malformed → 400 naming the parser's complaint; a value the store cannot keep as sent (a number
 * such as 1e400, which parses to Infinity and would be stored as null; nesting deeper than
 * MAX_JSON_DEPTH, which overflowed the stack of every later recursive walk) → 400 naming its
 * path, for every route at once. YAML bodies arrive as text (the workflow route parses them).
 * application/cloudevents+json is JSON.
 */
function registerBodyParsers(app: FastifyInstance): void {
  const secureParse = app.getDefaultJsonParser('error', 'remove');
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    // Kept for routes that store the text as submitted (workflow definitions).
    request.rawBody = text;
    if (text.trim() === '') return done(null, undefined);
    void secureParse(request, text, (error: Error | null, value?: unknown) => {
      if (error) return done(malformedJson(text), undefined);
      const issue = jsonValueIssue(value);
      if (issue) return done(unstorableJson(issue), undefined);
      done(null, value);
    });
  });
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));
}

function malformedJson(text: string): ApiProblem {
  try {
    JSON.parse(text);
  } catch (error) {
    return new ApiProblem(400, ProblemTypes.malformedBody, `the request body is not valid JSON: ${(error as Error).message}`);
  }
  // JSON.parse succeeding means the secure parser rejected a __proto__ key: valid JSON, so say
  // what is refused rather than "not valid JSON".
  return new ApiProblem(400, ProblemTypes.malformedBody, `the request body has a "__proto__" member, which Baton refuses in JSON bodies (prototype poisoning); rename it`);
}

function unstorableJson(issue: JsonValueIssue): ApiProblem {
  const path = pointerUnder('body', issue.path);
  const shown = path.length > 120 ? `${path.slice(0, 120)}…` : path;
  return new ApiProblem(400, ProblemTypes.validation, `invalid request body: ${shown} ${issue.message}`, { problems: [{ path, message: issue.message }] });
}

function registerObservability(app: FastifyInstance, ctx: ApiContext): void {
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => recordRequest(ctx.metrics, request, reply));
}

/** One log line and one histogram observation per request; never headers (Authorization) or bodies (secrets). */
function recordRequest(metrics: OrchestratorMetrics, request: FastifyRequest, reply: FastifyReply): void {
  const route = request.routeOptions.url ?? 'unmatched';
  const durationMs = reply.elapsedTime;
  metrics.httpRequestDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, durationMs / 1000);
  request.log.info({ method: request.method, route, status: reply.statusCode, durationMs: Math.round(durationMs * 10) / 10 }, 'request');
}

function toProblem(error: FastifyError, request: FastifyRequest, config: OrchestratorConfig): ApiProblem {
  if (error instanceof ApiProblem) return error;
  if (error.name === 'InvalidCursorError') return new ApiProblem(400, ProblemTypes.badRequest, `invalid cursor: ${error.message}`);
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiProblem(413, ProblemTypes.payloadTooLarge, `the request body is larger than ${config.maxBodyBytes} bytes (BATON_MAX_BODY_BYTES)`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      // A body without Content-Type, or one sent to a route that takes none (routes check the rest before parsing).
      return unsupportedMediaType(request, request.routeOptions.config.bodyMediaTypes ?? []);
  }
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) return new ApiProblem(status, ProblemTypes.badRequest, error.message);
  if (request.method === 'GET' && isDataException(error)) {
    // A read's SQL is fixed: a value PostgreSQL refuses (SQLSTATE class 22: out of range, not a
    // timestamp, U+0000 in text) came from the request. Inputs are validated before they reach
    // a query; this is the net under that, so a check missed is a 400, still logged to be fixed.
    request.log.warn({ err: error }, 'a request value reached a query and was refused by PostgreSQL');
    return new ApiProblem(400, ProblemTypes.badRequest, `a value in the request is not one the store can read (${error.message}); check the query parameters and cursor`);
  }
  if (isUnavailable(error)) {
    // PostgreSQL or Redis went away mid-request (restart, failover, dropped connection): nothing
    // was half done — writes are transactions, and work is recorded before it is sent — so the
    // caller may retry (with its idempotencyKey for a start).
    request.log.warn({ err: error }, 'a dependency was unavailable; answered 503');
    return new ApiProblem(503, ProblemTypes.notReady, `a dependency of the API is unavailable right now (${error.message}); retry shortly`, { headers: { 'retry-after': '1' } });
  }
  request.log.error({ err: error }, 'unhandled error');
  return new ApiProblem(500, ProblemTypes.internal, `internal error (request id ${request.id}); the server log has the details`);
}

/**
 * An error that means "not now": a lost or refused connection to PostgreSQL (SQLSTATE 08…,
 * 57P01–57P03 shutdown, 53… out of resources, node-postgres' "Connection terminated", a pool
 * timeout) or to Redis (connection closed, retries exhausted, a closed bus).
 */
function isUnavailable(error: Error): boolean {
  const { code } = error as Error & { code?: unknown };
  if (typeof code === 'string' && (/^(08|53)[0-9A-Z]{3}$/.test(code) || /^57P0[123]$/.test(code))) return true;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'BUS_CLOSED'].includes(code)) return true;
  if (code === '55000' && /is not currently accepting connections/.test(error.message)) return true; // ALLOW_CONNECTIONS false
  return /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed|Reached the max retries per request limit|Stream isn't writeable)/.test(error.message) || error.name === 'MaxRetriesPerRequestError';
}

/** A PostgreSQL data exception (SQLSTATE class 22), from node-postgres or PGlite. */
function isDataException(error: FastifyError): boolean {
  const { code, severity } = error as FastifyError & { severity?: unknown };
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code) && typeof severity === 'string';
}

function notFoundProblem(request: FastifyRequest, catalog: RouteCatalog): ApiProblem {
  const allowed = catalog.methodsFor(request.url);
  if (allowed.length > 0) {
    const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].join(', ');
    return new ApiProblem(405, ProblemTypes.methodNotAllowed, `${request.method} is not allowed on ${request.url.split('?')[0]}; allowed: ${allow}`, { headers: { allow } });
  }
  return new ApiProblem(404, ProblemTypes.notFound, `no route ${request.method} ${request.url.split('?')[0]}; see /openapi.json`);
}
