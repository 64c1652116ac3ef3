// The API's response shapes as the client sees them. Objects are loose (unknown fields pass
// through) so a newer server that adds a field does not break an older client; the fields the
// client relies on are checked. Types are inferred from these schemas.
import { z } from 'zod';

export const RUN_STATUSES = ['pending', 'running', 'waiting', 'suspended', 'completed', 'faulted', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

const TERMINAL: ReadonlySet<string> = new Set<RunStatus>(['completed', 'faulted', 'cancelled']);

/** A run in a terminal status never changes again. */
export function isTerminalStatus(status: string): boolean {
  return TERMINAL.has(status);
}

/** Lifecycle event types that end a run (Serverless Workflow 1.0). */
export const TERMINAL_EVENT_TYPES: ReadonlySet<string> = new Set([
  'io.serverlessworkflow.workflow.completed.v1',
  'io.serverlessworkflow.workflow.faulted.v1',
  'io.serverlessworkflow.workflow.cancelled.v1',
]);

export const ProblemItemSchema = z.looseObject({ path: z.string(), message: z.string() });
export type ProblemItem = z.infer<typeof ProblemItemSchema>;

/** RFC 9457 problem details. `problems` lists validation errors (JSON Pointer + message). */
export const ProblemSchema = z.looseObject({
  type: z.string().default('about:blank'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  problems: z.array(ProblemItemSchema).optional(),
});
export type Problem = z.infer<typeof ProblemSchema>;

/** The error a faulted run carries (Serverless Workflow error: a problem shape too). */
export const WorkflowErrorSchema = z.looseObject({
  type: z.string(),
  status: z.number(),
  title: z.string().optional(),
  detail: z.string().optional(),
  instance: z.string().optional(),
});
export type WorkflowError = z.infer<typeof WorkflowErrorSchema>;

export const WorkflowSummarySchema = z.looseObject({
  id: z.string(),
  namespace: z.string(),
  name: z.string(),
  version: z.string(),
  contentHash: z.string(),
  createdAt: z.string(),
});
export type WorkflowSummary = z.infer<typeof WorkflowSummarySchema>;

export const WorkflowSchema = WorkflowSummarySchema.extend({ document: z.unknown() });
export type Workflow = z.infer<typeof WorkflowSchema>;

export const RunSchema = z.looseObject({
  id: z.string(),
  definitionId: z.string(),
  namespace: z.string(),
  name: z.string(),
  version: z.string(),
  // A status this client does not know yet is kept as a string rather than rejected.
  status: z.union([z.enum(RUN_STATUSES), z.string()]),
  input: z.unknown(),
  output: z.unknown().optional(),
  error: WorkflowErrorSchema.optional(),
  idempotencyKey: z.string().optional(),
  parentRunId: z.string().optional(),
  /** What started the run: {kind: api | schedule | event | workflow | rerun, …}. */
  trigger: z.looseObject({ kind: z.string() }).optional(),
  scheduleId: z.string().optional(),
  /** The run this one reruns. */
  rerunOf: z.string().optional(),
  /** The run this one resets, and the task pointer it executes from. */
  resetOf: z.looseObject({ runId: z.string(), from: z.string() }).optional(),
  usage: z.record(z.string(), z.unknown()).optional(),
  /** Its priority among runs queued on a concurrency key (one run's record; absent when 0). */
  priority: z.number().optional(),
  /** Its place on the workflow's concurrency key until it ends: queued (position 1 = next) or running. */
  concurrency: z.looseObject({ key: z.unknown(), state: z.string(), position: z.number().optional() }).optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  updatedAt: z.string(),
});
export type Run = z.infer<typeof RunSchema>;

export const BulkResetResultSchema = z.looseObject({
  reset: z.array(z.looseObject({ runId: z.string(), newRunId: z.string() })),
  skipped: z.array(z.looseObject({ runId: z.string(), reason: z.string(), newRunId: z.string().optional() })),
});
export type BulkResetResult = z.infer<typeof BulkResetResultSchema>;

/** A run event: a CloudEvent 1.0 with Baton's extension attributes `runid` and `seq`. */
export const RunEventSchema = z.looseObject({
  specversion: z.string(),
  id: z.string(),
  source: z.string(),
  type: z.string(),
  time: z.string(),
  subject: z.string().optional(),
  datacontenttype: z.string().optional(),
  data: z.unknown().optional(),
  runid: z.string(),
  seq: z.number().int(),
});
export type RunEvent = z.infer<typeof RunEventSchema>;

export const EventPageSchema = z.looseObject({ items: z.array(RunEventSchema), nextAfter: z.number().int() });
export type EventPage = z.infer<typeof EventPageSchema>;

export const ApiKeySchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  role: z.string(),
  namespace: z.string().optional(),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const CreatedApiKeySchema = ApiKeySchema.extend({ secret: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'timed_out', 'cancelled'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const ApprovalDecisionSchema = z.looseObject({
  approver: z.string(),
  level: z.number().int(),
  decision: z.string(),
  comment: z.string().optional(),
  data: z.unknown().optional(),
  via: z.string(),
  actor: z.string().optional(),
  decidedAt: z.string(),
});
export type ApprovalDecision = z.infer<typeof ApprovalDecisionSchema>;

/** A human approval (`call: approval:1.0.0@default`): who may decide now, and what was decided. */
export const ApprovalSchema = z.looseObject({
  id: z.string(),
  runId: z.string(),
  namespace: z.string(),
  workflow: z.string(),
  task: z.string(),
  title: z.string(),
  description: z.string().optional(),
  status: z.union([z.enum(APPROVAL_STATUSES), z.string()]),
  level: z.number().int(),
  approvers: z.array(z.string()),
  quorum: z.number().int(),
  deadlineAt: z.string().optional(),
  form: z.record(z.string(), z.unknown()).optional(),
  decisions: z.array(ApprovalDecisionSchema),
  outcome: z.record(z.string(), z.unknown()).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().optional(),
});
export type Approval = z.infer<typeof ApprovalSchema>;

/** An approval with its `dev.baton.approval.*` events from the run's log. */
export const ApprovalWithAuditSchema = ApprovalSchema.extend({
  audit: z.array(z.looseObject({ seq: z.number().int(), type: z.string(), time: z.string(), data: z.unknown() })),
});
export type ApprovalWithAudit = z.infer<typeof ApprovalWithAuditSchema>;

export const EventAcceptedSchema = z.looseObject({ matched: z.number().int(), runs: z.array(z.string()).optional() });

export const SCHEDULE_KINDS = ['every', 'cron', 'after', 'on'] as const;

export const ScheduleSchema = z.looseObject({
  id: z.string(),
  namespace: z.string(),
  name: z.string(),
  version: z.string(),
  definitionId: z.string(),
  kind: z.union([z.enum(SCHEDULE_KINDS), z.string()]),
  schedule: z.record(z.string(), z.unknown()),
  timezone: z.string(),
  overlap: z.string(),
  catchUp: z.string(),
  state: z.string(),
  nextTicks: z.array(z.string()),
  lastTickAt: z.string().optional(),
  lastRunId: z.string().optional(),
  ticks: z.number().int(),
  skipped: z.number().int(),
  consuming: z.number().int().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Schedule = z.infer<typeof ScheduleSchema>;

/** A named rate limit of a namespace (docs/OPERATIONS.md, "Rate limits"). */
export const RateLimitSchema = z.looseObject({
  namespace: z.string(),
  name: z.string(),
  kind: z.enum(['requests', 'tokens']),
  per: z.enum(['second', 'minute']),
  limit: z.number(),
  host: z.string().optional(),
  model: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RateLimit = z.infer<typeof RateLimitSchema>;
export const RateLimitListSchema = z.looseObject({ items: z.array(RateLimitSchema) });

export const TriggeredScheduleSchema = z.looseObject({ schedule: ScheduleSchema, runId: z.string().optional() });
export type TriggeredSchedule = z.infer<typeof TriggeredScheduleSchema>;
export type EventAccepted = z.infer<typeof EventAcceptedSchema>;

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.looseObject({ items: z.array(item), nextCursor: z.string().optional() });
}
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; absent on the last page. */
  nextCursor?: string | undefined;
}

export const HealthSchema = z.looseObject({ status: z.string() });

/** GET /api/v1/info: where the deployment streams run events. */
export const ServerInfoSchema = z.looseObject({ streamUrl: z.string() });
export type ServerInfo = z.infer<typeof ServerInfoSchema>;
