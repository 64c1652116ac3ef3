// Workflow definitions: register (YAML or JSON), list, read. A definition is immutable: the same
// namespace/name/version may be registered again only with the same content.
import type { DefinitionRecord } from '@baton/core';
import { loadWorkflow, type Problem } from '@baton/core/document';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { YAML_TYPES, type ApiContext } from '../app.ts';
import { assertNamespace, listingNamespace } from '../auth.ts';
import { contentHash } from '../content-hash.ts';
import { ApiProblem, ProblemTypes, conflict, notFound } from '../problems.ts';
import { defineRoute, mediaTypeOf } from '../route-kit.ts';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../storable.ts';
import { DefinitionPageSchema, DefinitionSchema, DefinitionSummarySchema, ListWorkflowsQuery, WorkflowParams, WorkflowVersionParams } from '../schemas.ts';
import { registerWorkflow } from '@baton/engine';
import { ScheduleSchema, scheduleView } from './schedules.ts';

const RegisteredSchema = DefinitionSummarySchema.extend({ schedule: ScheduleSchema.optional().describe("the workflow's schedule, which follows its latest version") }).meta({ id: 'Registered' });

const DocumentHeader = z.object({ document: z.object({ namespace: z.string(), name: z.string(), version: z.string() }) });

const BODY_DOC = {
  'application/yaml': { type: 'string', description: 'a Serverless Workflow 1.0 document in YAML' },
  'application/json': { type: 'object', description: 'a Serverless Workflow 1.0 document in JSON' },
};
const YAML_RESPONSE = { 'application/yaml': { jsonSchema: { type: 'string', description: 'the source text as registered' } } };

const SYNTAX_ERROR = /^(YAML|JSON) syntax error: /;

/**
 * Syntax errors are the client's malformed body (400); a well-formed but invalid document is a
 * 422, and so is one beyond the parser's bounds (values, nesting, size once its aliases are
 * expanded: packages/core/src/document/README.md), whose problem names the bound. The document
 * is parsed once, by loadWorkflow, whose parser bounds what a hostile text may cost.
 */
function documentProblem(problems: readonly Problem[]): ApiProblem {
  if (problems.length > 0 && problems.every((p) => SYNTAX_ERROR.test(p.message))) {
    const first = problems[0]!;
    const format = first.message.startsWith('JSON') ? 'JSON' : 'YAML';
    return new ApiProblem(400, ProblemTypes.malformedBody, `the request body is not valid ${format}: ${first.message.replace(SYNTAX_ERROR, '')}`, {
      problems: problems.map((p) => ({ ...p })),
    });
  }
  const first = problems[0];
  const detail = `the workflow is invalid: ${first ? `${first.path || '(root)'}: ${first.message}` : 'unknown problem'}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`;
  return new ApiProblem(422, ProblemTypes.invalidWorkflow, detail, { problems: problems.map((p) => ({ ...p })) });
}

/** Whether the client asked for the YAML source rather than JSON (Accept, with q-values). */
export function prefersYaml(accept: string | undefined): boolean {
  if (!accept) return false;
  let best: { yaml: boolean; q: number } = { yaml: false, q: 0 };
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0)) continue;
    const yaml = YAML_TYPES.includes(type);
    if (!yaml && type !== 'application/json') continue;
    if (q > best.q || (q === best.q && !yaml && best.yaml)) best = { yaml, q };
  }
  return best.yaml;
}

function summary(record: DefinitionRecord) {
  const { id, namespace, name, version, contentHash: hash, createdAt } = record;
  return { id, namespace, name, version, contentHash: hash, createdAt };
}

function sendDefinition(request: FastifyRequest, reply: FastifyReply, record: DefinitionRecord) {
  reply.header('vary', 'Accept');
  if (prefersYaml(request.headers.accept)) return reply.type('application/yaml; charset=utf-8').send(record.source);
  return { ...summary(record), document: record.document };
}

export function registerWorkflowRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, ctx.catalog, {
    method: 'POST',
    url: '/api/v1/workflows',
    summary: 'Register a workflow definition (YAML or JSON)',
    description: 'The document\'s `document.namespace/name/version` identify it. Same content again: 200; other content under an existing version: 409.',
    tag: 'workflows',
    auth: 'user',
    bodyContent: { ...BODY_DOC, 'application/x-yaml': BODY_DOC['application/yaml'], 'text/yaml': BODY_DOC['application/yaml'] },
    responses: {
      201: { description: 'registered (with `schedule` when the workflow has one after this registration)', schema: RegisteredSchema },
      200: { description: 'already registered with the same content', schema: RegisteredSchema },
      400: { description: 'empty body or malformed JSON/YAML' },
      403: { description: 'the key is restricted to another namespace' },
      409: { description: 'this version exists with other content' },
      413: { description: 'body too large' },
      415: { description: 'unsupported Content-Type' },
      422: { description: 'not a valid (or not executable) workflow; `problems` lists each issue with its JSON Pointer' },
    },
    handler: async ({ request, reply, principal }) => {
      // Other media types were refused (415) before parsing.
      const type = mediaTypeOf(request);
      if (type === '') throw new ApiProblem(400, ProblemTypes.malformedBody, 'no workflow sent: send the document with Content-Type application/yaml or application/json');
      // JSON is stored as submitted, so the text rather than the parsed value.
      const text = type === 'application/json' ? request.rawBody : request.body;
      if (typeof text !== 'string' || text.trim() === '') {
        throw new ApiProblem(400, ProblemTypes.malformedBody, 'the request body is empty: send a workflow document as application/yaml or application/json');
      }
      const format = type === 'application/json' ? 'json' : 'yaml';
      if (!isStorableText(text)) throw new ApiProblem(400, ProblemTypes.malformedBody, `the request body ${UNSTORABLE_TEXT_MESSAGE}`);
      // The namespace's limits (BATON_LIMITS) refuse what they can see in the document (forks too wide).
      const loaded = loadWorkflow(text, format, { limits: ctx.config.limits });
      if (!loaded.ok) throw documentProblem(loaded.problems);
      const { namespace, name, version } = DocumentHeader.parse(loaded.document).document;
      assertNamespace(principal, namespace);
      const hash = contentHash(loaded.document);
      // The workflow's schedule follows its latest version, in the registration's transaction.
      const { outcome, definition, schedule } = await registerWorkflow(ctx.store, { namespace, name, version, document: loaded.document, source: text, contentHash: hash }, Date.now());
      if (outcome === 'conflict') {
        throw conflict(`${namespace}/${name} version ${version} is already registered with other content; definitions are immutable, register it under a new version`, {
          existingContentHash: definition.contentHash,
          contentHash: hash,
        });
      }
      reply.header('location', `/api/v1/workflows/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(version)}`);
      reply.status(outcome === 'created' ? 201 : 200);
      return { ...summary(definition), ...(schedule && { schedule: scheduleView(schedule) }) };
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/workflows',
    summary: 'List workflow definitions (newest first, keyset pages)',
    tag: 'workflows',
    auth: 'user',
    query: ListWorkflowsQuery,
    responses: {
      200: { description: 'a page of definitions', schema: DefinitionPageSchema },
      400: { description: 'bad limit or cursor' },
      403: { description: 'the key is restricted to another namespace' },
    },
    handler: async ({ query, principal }) => {
      const namespace = listingNamespace(principal, query.namespace);
      const page = await ctx.store.listDefinitions({ namespace, name: query.name, limit: query.limit, cursor: query.cursor });
      return page.nextCursor === undefined ? { items: page.items } : { items: page.items, nextCursor: page.nextCursor };
    },
  });

  const readResponses = {
    200: { description: 'the definition with its document (or the source text with Accept: application/yaml)', schema: DefinitionSchema, alternatives: YAML_RESPONSE },
    403: { description: 'the key is restricted to another namespace' },
    404: { description: 'no such definition' },
  };

  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/workflows/:namespace/:name',
    summary: 'The latest (highest semantic) version of a workflow',
    tag: 'workflows',
    auth: 'user',
    params: WorkflowParams,
    responses: readResponses,
    handler: async ({ request, reply, params, principal }) => {
      assertNamespace(principal, params.namespace);
      const record = await ctx.store.getDefinition(params.namespace, params.name);
      if (!record) throw notFound(`no workflow ${params.namespace}/${params.name}`);
      return sendDefinition(request, reply, record);
    },
  });

  defineRoute(app, ctx.catalog, {
    method: 'GET',
    url: '/api/v1/workflows/:namespace/:name/:version',
    summary: 'One version of a workflow',
    tag: 'workflows',
    auth: 'user',
    params: WorkflowVersionParams,
    responses: readResponses,
    handler: async ({ request, reply, params, principal }) => {
      assertNamespace(principal, params.namespace);
      const record = await ctx.store.getDefinition(params.namespace, params.name, params.version);
      if (!record) throw notFound(`no workflow ${params.namespace}/${params.name} version ${params.version}`);
      return sendDefinition(request, reply, record);
    },
  });
}
