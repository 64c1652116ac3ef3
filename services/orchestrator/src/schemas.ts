// The API's wire shapes. Requests are validated with these schemas at the edge; the types the
// handlers use are inferred from them, and /openapi.json is generated from the same schemas.
import { z } from 'zod';
import { isStorableText, jsonValueIssue, UNSTORABLE_TEXT_MESSAGE } from './storable.ts';

export const RUN_STATUSES = ['pending', 'running', 'waiting', 'suspended', 'completed', 'faulted', 'cancelled'] as const;
export const MAX_PAGE_LIMIT = 500;
export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_EVENTS_LIMIT = 1000;
export const DEFAULT_EVENTS_LIMIT = 100;

/** A string stored in a text column (see storable.ts). */
const text = () => z.string().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);

/** A JSON value the store can keep as it is (see jsonValueIssue). */
const jsonValue = () =>
  z.unknown().superRefine((value, ctx) => {
    const issue = jsonValueIssue(value);
    if (issue) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  });

/** DSL 1.0 names and namespaces (`^[a-z0-9](-?[a-z0-9])*$`). */
const dslName = z.string().regex(/^[a-z0-9](-?[a-z0-9])*$/, 'must be lowercase letters, digits and single dashes (e.g. "my-flow")').max(100);

const limitOf = (max: number, fallback: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback).describe(`page size, 1–${max} (default ${fallback})`);

// ---- shared -----------------------------------------------------------------------------------

export const ProblemItemSchema = z
  .object({ path: z.string().describe('JSON Pointer of the offending value'), message: z.string() })
  .catchall(z.unknown());

export const ProblemSchema = z
  .object({
    type: z.string().describe('URI of the problem type'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional().describe('path of the request'),
    problems: z.array(ProblemItemSchema).optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' });

export const WorkflowErrorSchema = z
  .object({
    type: z.string(),
    status: z.number(),
    title: z.string().optional(),
    detail: z.string().optional(),
    instance: z.string().optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'WorkflowError' });

// ---- workflows --------------------------------------------------------------------------------

export const DefinitionSummarySchema = z
  .object({
    id: z.string(),
    namespace: z.string(),
    name: z.string(),
    version: z.string(),
    contentHash: z.string().describe('sha256 (hex) of the canonical JSON of the document'),
    createdAt: z.string(),
  })
  .meta({ id: 'DefinitionSummary' });

export const DefinitionSchema = DefinitionSummarySchema.extend({
  document: z.unknown().describe('the parsed Serverless Workflow document'),
}).meta({ id: 'Definition' });

export const DefinitionPageSchema = z
  .object({ items: z.array(DefinitionSummarySchema), nextCursor: z.string().optional() })
  .meta({ id: 'DefinitionPage' });

export const ListWorkflowsQuery = z.object({
  namespace: text().min(1).optional(),
  name: text().min(1).optional(),
  limit: limitOf(MAX_PAGE_LIMIT, DEFAULT_PAGE_LIMIT),
  cursor: text().min(1).optional(),
});

export const WorkflowParams = z.object({ namespace: text().min(1), name: text().min(1) });
export const WorkflowVersionParams = WorkflowParams.extend({ version: text().min(1) });

// ---- runs -------------------------------------------------------------------------------------

export const RunStatusSchema = z.enum(RUN_STATUSES);

export const RunTriggerSchema = z
  .union([
    z.object({ kind: z.literal('api'), traceparent: z.string().optional().describe("the W3C traceparent the request carried: the run's trace continues it") }),
    z.object({ kind: z.literal('schedule'), scheduleId: z.string(), tick: z.string().describe('ISO time of the tick'), manual: z.literal(true).optional().describe('started by trigger now') }),
    z.object({ kind: z.literal('event'), scheduleId: z.string(), eventId: z.string(), source: z.string(), eventIds: z.array(z.string()).optional() }),
    z.object({ kind: z.literal('workflow'), parentRunId: z.string() }),
    z.object({ kind: z.literal('rerun'), runId: z.string().describe('the run rerun') }),
    z.object({ kind: z.literal('reset'), runId: z.string().describe('the run reset'), from: z.string().describe('the task pointer the reset starts from') }),
  ])
  .describe('what started the run')
  .meta({ id: 'RunTrigger' });

export const RunSchema = z
  .object({
    id: z.string().describe('UUIDv7'),
    definitionId: z.string(),
    namespace: z.string(),
    name: z.string(),
    version: z.string(),
    status: RunStatusSchema,
    input: z.unknown(),
    output: z.unknown().optional(),
    error: WorkflowErrorSchema.optional(),
    idempotencyKey: z.string().optional(),
    parentRunId: z.string().optional(),
    trigger: RunTriggerSchema.optional(),
    scheduleId: z.string().optional().describe('the schedule whose tick or event started the run'),
    rerunOf: z.string().optional().describe('the run this one reruns (POST /api/v1/runs/{id}/rerun)'),
    resetOf: z
      .object({ runId: z.string(), from: z.string().describe('the task pointer it executes from (failed resolved)') })
      .optional()
      .describe('the run this one resets (POST /api/v1/runs/{id}/reset): its recorded outcomes before `from` replay'),
    parentEffectId: z.string().optional(),
    usage: z.record(z.string(), z.unknown()).optional(),
    priority: z.number().int().optional().describe('its priority among runs queued on a concurrency key (one run only; absent when 0)'),
    concurrency: z
      .object({
        key: z.unknown().describe("the key's value (null: one key for the whole workflow)"),
        state: z.enum(['queued', 'running']).describe('queued: waits for a slot (status pending); running: holds one'),
        position: z.number().int().optional().describe('queued: its place in the queue, 1 = next'),
      })
      .optional()
      .describe("its place on the workflow's concurrency key until it ends (GET of one run only; docs/OPERATIONS.md, Concurrency)"),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    endedAt: z.string().optional(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Run' });

export const RunPageSchema = z.object({ items: z.array(RunSchema), nextCursor: z.string().optional() }).meta({ id: 'RunPage' });

export const CreateRunBody = z
  .object({
    namespace: dslName,
    name: dslName,
    version: text().min(1).optional().describe('default: the highest semantic version'),
    input: jsonValue().optional().describe('the workflow input (default {})'),
    idempotencyKey: text().min(1).max(200).optional().describe('unique per namespace; repeating it returns the first run'),
    priority: z.number().int().min(-1_000_000).max(1_000_000).optional().describe('among runs queued on a concurrency key, higher starts first (default 0); equal priorities start in order of creation'),
    wait: text().min(2).optional().describe('ISO 8601 duration, e.g. PT30S: answer when the run has finished, or when this time is up'),
  })
  .strict();
export type CreateRunBody = z.infer<typeof CreateRunBody>;

export const ListRunsQuery = z.object({
  status: RunStatusSchema.optional(),
  namespace: text().min(1).optional(),
  name: text().min(1).optional(),
  scheduleId: text().min(1).max(200).optional(),
  parentRunId: text().min(1).max(200).optional().describe('child runs of this run'),
  rerunOf: text().min(1).max(200).optional().describe('reruns of this run'),
  resetOf: text().min(1).max(200).optional().describe('resets of this run'),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
    .optional()
    .describe('the run with this id, and runs whose input holds this value (a string containing it, case-insensitive, or a number equal to it); each page examines at most the newest 1,000 runs that pass the other filters — see nextCursor'),
  limit: limitOf(MAX_PAGE_LIMIT, DEFAULT_PAGE_LIMIT),
  cursor: text().min(1).optional(),
});

export const RunParams = z.object({ id: text().min(1) });

export const CancelRunBody = z.object({ reason: text().max(1000).optional() }).strict().optional();

export const SuspendRunBody = z.object({ reason: text().max(1000).optional().describe('kept in the workflow.suspended / resumed event') }).strict().optional();

export const RerunBody = z
  .object({
    input: jsonValue().optional().describe("the new run's input (default: the input of the run rerun)"),
    version: z.enum(['same', 'latest']).optional().describe('the version of the run rerun (same, the default) or the highest registered (latest)'),
    idempotencyKey: text().min(1).max(200).optional().describe('unique per namespace; repeating the same request returns the first rerun'),
  })
  .strict()
  .optional();
export type RerunBody = z.infer<typeof RerunBody>;

/** `failed`, or a task's JSON pointer (as in events' `task`). */
const resetFrom = () =>
  text()
    .min(1)
    .max(1000)
    .refine((from) => from === 'failed' || from.startsWith('/'), 'must be "failed" or a task\'s JSON pointer such as /do/2/charge')
    .describe('"failed" (the task that failed) or a task\'s JSON pointer, as in the `task` field of the run\'s events');

export const ResetBody = z
  .object({
    from: resetFrom(),
    idempotencyKey: text().min(1).max(200).optional().describe('unique per namespace; repeating the same request returns the first reset'),
  })
  .strict();
export type ResetBody = z.infer<typeof ResetBody>;

export const BulkResetBody = z
  .object({
    filter: z
      .object({
        namespace: text().min(1).optional(),
        name: text().min(1).optional(),
        version: text().min(1).optional(),
        status: z.enum(['completed', 'faulted', 'cancelled']).optional().describe('default faulted'),
        createdAfter: z.iso.datetime({ offset: true }).optional(),
        createdBefore: z.iso.datetime({ offset: true }).optional(),
      })
      .strict(),
    from: resetFrom(),
    limit: z.number().int().min(1).max(1000).describe('most runs to reset in this request'),
  })
  .strict();
export type BulkResetBody = z.infer<typeof BulkResetBody>;

export const BulkResetResultSchema = z
  .object({
    reset: z.array(z.object({ runId: z.string(), newRunId: z.string() })),
    skipped: z.array(z.object({ runId: z.string(), reason: z.string(), newRunId: z.string().optional() })),
  })
  .meta({ id: 'BulkResetResult' });

/** The largest seq the store holds (an int4 column). */
export const MAX_SEQ = 2_147_483_647;

export const ListEventsQuery = z.object({
  after: z.coerce.number().int().min(0).max(MAX_SEQ).default(0).describe(`return events with seq greater than this (default 0, at most ${MAX_SEQ})`),
  limit: limitOf(MAX_EVENTS_LIMIT, DEFAULT_EVENTS_LIMIT),
});

// ---- events (CloudEvents) ---------------------------------------------------------------------

export const CloudEventSchema = z
  .object({
    specversion: z.literal('1.0'),
    id: text().min(1),
    source: text().min(1),
    type: text().min(1),
    time: z.iso.datetime({ offset: true }).optional(),
    subject: z.string().optional(),
    datacontenttype: z.string().optional(),
    dataschema: z.string().optional(),
    data: jsonValue().optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'CloudEvent', description: 'CloudEvents 1.0, structured JSON mode' });

export const RunEventSchema = CloudEventSchema.extend({
  time: z.string(),
  subject: z.string().describe('the run id'),
  datacontenttype: z.literal('application/json'),
  runid: z.string(),
  seq: z.number().int().describe('per-run position, from 1'),
}).meta({ id: 'RunEvent' });

export const EventPageSchema = z
  .object({ items: z.array(RunEventSchema), nextAfter: z.number().int().describe('pass as `after` to continue') })
  .meta({ id: 'RunEventPage' });

export const EventAcceptedSchema = z.object({
  matched: z.number().int().describe('runs the event was delivered to'),
  runs: z.array(z.string()).describe('runs started by workflows whose schedule.on consumed the event'),
});

// ---- keys -------------------------------------------------------------------------------------

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().describe('first characters of the secret, to recognise it'),
    role: z.enum(['admin', 'user']),
    namespace: z.string().optional(),
    createdAt: z.string(),
    revokedAt: z.string().optional(),
  })
  .meta({ id: 'ApiKey' });

export const CreatedApiKeySchema = ApiKeySchema.extend({ secret: z.string().describe('shown once; store it now') }).meta({ id: 'CreatedApiKey' });

export const CreateKeyBody = z
  .object({
    name: text().min(1).max(200),
    role: z.enum(['admin', 'user']),
    namespace: dslName.optional().describe('restrict the key to one namespace'),
  })
  .strict();

export const KeyParams = z.object({ id: text().min(1) });

// ---- system -----------------------------------------------------------------------------------

export const HealthSchema = z.object({ status: z.literal('ok') });
export const ReadySchema = z.object({ status: z.literal('ready'), checks: z.object({ store: z.boolean(), bus: z.boolean() }) });
