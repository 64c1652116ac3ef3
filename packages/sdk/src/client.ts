// BatonClient: one typed method per route of the REST API (docs/API.md). Every method returns
// the validated response body or throws BatonApiError / BatonConnectionError / BatonResponseError.
import { z } from 'zod';
import { isoDurationFromMs } from './duration.ts';
import { HttpTransport, apiPath, type FetchLike } from './http.ts';
import {
  ApiKeySchema,
  ApprovalSchema,
  ApprovalWithAuditSchema,
  BulkResetResultSchema,
  CreatedApiKeySchema,
  EventAcceptedSchema,
  EventPageSchema,
  HealthSchema,
  RateLimitListSchema,
  RateLimitSchema,
  RunSchema,
  ScheduleSchema,
  ServerInfoSchema,
  TriggeredScheduleSchema,
  WorkflowSchema,
  WorkflowSummarySchema,
  pageSchema,
  type ApiKey,
  type Approval,
  type ApprovalStatus,
  type ApprovalWithAudit,
  type BulkResetResult,
  type CreatedApiKey,
  type EventAccepted,
  type EventPage,
  type Page,
  type RateLimit,
  type Run,
  type RunEvent,
  type RunStatus,
  type Schedule,
  type ServerInfo,
  type TriggeredSchedule,
  type Workflow,
  type WorkflowSummary,
} from './schemas.ts';
import { followRunEvents, type StreamEventsOptions } from './stream.ts';
import { streamRunEventsOverWebSocket } from './ws-stream.ts';

export interface BatonClientOptions {
  /** e.g. http://localhost:8081 (no /api/v1). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string | undefined;
  /** Defaults to the global fetch (Node 20). */
  fetch?: FetchLike | undefined;
  /**
   * The fanout (e.g. http://localhost:8085). When set, streamEvents reads its WebSocket (live,
   * resumed automatically after disconnects); without it, streamEvents pages the REST API.
   */
  streamUrl?: string | undefined;
}

export type WorkflowFormat = 'yaml' | 'json';

export interface ApplyResult {
  /** true: registered now (201); false: the same content was already registered (200). */
  created: boolean;
  workflow: WorkflowSummary;
}

export interface ListQuery {
  namespace?: string | undefined;
  name?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface ListRunsQuery extends ListQuery {
  status?: RunStatus | undefined;
  /** The runs one schedule started. */
  scheduleId?: string | undefined;
  /** The reruns of one run. */
  rerunOf?: string | undefined;
  /** The resets of one run. */
  resetOf?: string | undefined;
}

export interface ResetRequest {
  /** `failed` (the task that failed) or a task's JSON pointer, as in the `task` field of the run's events. */
  from: string;
  /** Unique per namespace: the same reset again with the same key returns the first one. */
  idempotencyKey?: string | undefined;
}

export interface BulkResetRequest {
  filter: { namespace?: string; name?: string; version?: string; status?: 'completed' | 'faulted' | 'cancelled'; createdAfter?: string; createdBefore?: string };
  from: string;
  /** Most runs to reset (at most 1000). */
  limit: number;
}

export interface RerunRequest {
  /** Default: the input of the run rerun. */
  input?: unknown;
  /** `same` (default): the version of the run rerun; `latest`: the highest registered. */
  version?: 'same' | 'latest' | undefined;
  /** Unique per namespace: the same rerun again with the same key returns the first one. */
  idempotencyKey?: string | undefined;
}

export interface StartRunRequest {
  namespace: string;
  name: string;
  /** Default: the highest semantic version. */
  version?: string | undefined;
  input?: unknown;
  /** Unique per namespace: starting again with the same key returns the first run. */
  idempotencyKey?: string | undefined;
  /** Among runs queued on the workflow's concurrency key, higher starts first (default 0). */
  priority?: number | undefined;
  /** Hold the answer until the run finishes or this time is up: ISO 8601 (PT30S) or milliseconds. */
  wait?: string | number | undefined;
}

export interface StartRunResult {
  run: Run;
  /** 201 created; 200 existing run (idempotency key) or finished within the wait; 202 wait ended first. */
  httpStatus: number;
}

export interface ListApprovalsQuery {
  status?: ApprovalStatus | undefined;
  /** Approvals whose current level lists this approver (an inbox). */
  approver?: string | undefined;
  namespace?: string | undefined;
  runId?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface DecisionRequest {
  decision: 'approve' | 'reject';
  comment?: string | undefined;
  /** Form data, validated against the approval's form. */
  data?: Record<string, unknown> | undefined;
  /** On whose behalf: one of the current level's approvers (may be omitted when there is one). */
  approver?: string | undefined;
}

/** A rate limit as declared (POST / PUT /api/v1/rate-limits). */
export interface RateLimitRequest {
  kind: 'requests' | 'tokens';
  per: 'second' | 'minute';
  limit: number;
  /** requests: every call: http / openapi of the namespace to this host. */
  host?: string;
  /** tokens: every agent step of the namespace on this model. */
  model?: string;
}

export interface CreateKeyRequest {
  name: string;
  role: 'admin' | 'user';
  namespace?: string | undefined;
}

const RunPageSchema = pageSchema(RunSchema);
const SchedulePageSchema = pageSchema(ScheduleSchema);
const WorkflowPageSchema = pageSchema(WorkflowSummarySchema);
const ApprovalPageSchema = pageSchema(ApprovalSchema);
const KeyListSchema = z.looseObject({ items: z.array(ApiKeySchema) });
const NoContent = z.unknown();

export class BatonClient {
  private readonly http: HttpTransport;
  private readonly streamUrl: string | undefined;
  private readonly apiKey: string | undefined;

  constructor(options: BatonClientOptions) {
    this.http = new HttpTransport(options);
    this.streamUrl = options.streamUrl;
    this.apiKey = options.apiKey;
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** Liveness of the server (no key needed). */
  async health(): Promise<{ status: string }> {
    return (await this.http.request({ method: 'GET', path: '/health' }, HealthSchema)).value;
  }

  /** Facts about the deployment, such as the fanout's URL (any valid key). */
  async info(): Promise<ServerInfo> {
    return (await this.http.request({ method: 'GET', path: apiPath('info') }, ServerInfoSchema)).value;
  }

  // ---- workflows ------------------------------------------------------------------------------

  /**
   * Registers a workflow document: YAML or JSON text, or an object (sent as JSON). Text without
   * `format` is sent as JSON when it starts with `{`, as YAML otherwise.
   */
  async applyWorkflow(document: string | object, options: { format?: WorkflowFormat } = {}): Promise<ApplyResult> {
    const text = typeof document === 'string' ? document : JSON.stringify(document);
    const format = options.format ?? (typeof document !== 'string' || text.trimStart().startsWith('{') ? 'json' : 'yaml');
    const contentType = format === 'json' ? 'application/json' : 'application/yaml';
    const { status, value } = await this.http.request({ method: 'POST', path: apiPath('workflows'), body: { text, contentType } }, WorkflowSummarySchema);
    return { created: status === 201, workflow: value };
  }

  /** One version of a workflow, or the highest version when `version` is omitted. */
  async getWorkflow(namespace: string, name: string, version?: string): Promise<Workflow> {
    const path = version === undefined ? apiPath('workflows', namespace, name) : apiPath('workflows', namespace, name, version);
    return (await this.http.request({ method: 'GET', path }, WorkflowSchema)).value;
  }

  /** The document's source text exactly as it was registered (YAML or JSON). */
  async getWorkflowSource(namespace: string, name: string, version?: string): Promise<string> {
    const path = version === undefined ? apiPath('workflows', namespace, name) : apiPath('workflows', namespace, name, version);
    return this.http.requestText({ method: 'GET', path, accept: 'application/yaml, application/problem+json;q=0.5' });
  }

  async listWorkflows(query: ListQuery = {}): Promise<Page<WorkflowSummary>> {
    return (await this.http.request({ method: 'GET', path: apiPath('workflows'), query: { ...query } }, WorkflowPageSchema)).value;
  }

  /** Every workflow matching the query, page after page. */
  iterateWorkflows(query: Omit<ListQuery, 'cursor'> = {}): AsyncIterable<WorkflowSummary> {
    return paginate((cursor) => this.listWorkflows({ ...query, cursor }));
  }

  // ---- runs -----------------------------------------------------------------------------------

  /**
   * Starts a run. With `wait`, answers when the run finished (200) or the wait ended (202). The
   * same request again with its idempotencyKey answers the first run (200); another request with
   * that key throws BatonApiError 409 (`problem.runId`, `problem.differs`).
   */
  async startRun(request: StartRunRequest): Promise<StartRunResult> {
    const { wait, ...rest } = request;
    const body: Record<string, unknown> = dropUndefined(rest);
    if (wait !== undefined) body.wait = typeof wait === 'number' ? isoDurationFromMs(wait) : wait;
    const { status, value } = await this.http.request({ method: 'POST', path: apiPath('runs'), body: { json: body } }, RunSchema);
    return { run: value, httpStatus: status };
  }

  async getRun(id: string): Promise<Run> {
    return (await this.http.request({ method: 'GET', path: apiPath('runs', id) }, RunSchema)).value;
  }

  /** One page of runs, newest first. */
  async listRuns(query: ListRunsQuery = {}): Promise<Page<Run>> {
    return (await this.http.request({ method: 'GET', path: apiPath('runs'), query: { ...query } }, RunPageSchema)).value;
  }

  /** Every run matching the query, newest first, page after page (`limit` is the page size). */
  iterateRuns(query: Omit<ListRunsQuery, 'cursor'> = {}): AsyncIterable<Run> {
    return paginate((cursor) => this.listRuns({ ...query, cursor }));
  }

  /** Asks for the run to be cancelled; answers with the run as it stands (cancellation is asynchronous). */
  async cancelRun(id: string, options: { reason?: string } = {}): Promise<Run> {
    const body = options.reason === undefined ? undefined : { json: { reason: options.reason } };
    return (await this.http.request({ method: 'POST', path: apiPath('runs', id, 'cancel'), body }, RunSchema)).value;
  }

  /**
   * Starts a new run of the run's workflow — same version unless `version: 'latest'`, same input
   * unless `input` — linked to it (`rerunOf`). 201 created, 200 the rerun of this idempotencyKey.
   */
  async rerunRun(id: string, request: RerunRequest = {}): Promise<StartRunResult> {
    const body = dropUndefined({ ...request });
    const { status, value } = await this.http.request({ method: 'POST', path: apiPath('runs', id, 'rerun'), body: { json: body } }, RunSchema);
    return { run: value, httpStatus: status };
  }

  /**
   * Starts a new run of the same version and input that replays what the run did before `from`
   * (recorded HTTP responses, agent turns, approvals, child runs, elapsed timers) and executes from
   * `from` on; it records `resetOf`. 201 created, 200 the reset of this idempotencyKey.
   */
  async resetRun(id: string, request: ResetRequest): Promise<StartRunResult> {
    const body = dropUndefined({ ...request });
    const { status, value } = await this.http.request({ method: 'POST', path: apiPath('runs', id, 'reset'), body: { json: body } }, RunSchema);
    return { run: value, httpStatus: status };
  }

  /** Resets the runs a filter selects (default: faulted), at most `limit`; a run already reset from the same task is skipped. */
  async resetRuns(request: BulkResetRequest): Promise<BulkResetResult> {
    return (await this.http.request({ method: 'POST', path: apiPath('runs', 'reset'), body: { json: request } }, BulkResetResultSchema)).value;
  }

  /**
   * Asks for the run to be suspended: it dispatches nothing new (tasks in flight finish) until
   * resumed. Asynchronous: answers with the run as it stands; its status becomes `suspended`.
   */
  async suspendRun(id: string, options: { reason?: string } = {}): Promise<Run> {
    const body = options.reason === undefined ? undefined : { json: { reason: options.reason } };
    return (await this.http.request({ method: 'POST', path: apiPath('runs', id, 'suspend'), body }, RunSchema)).value;
  }

  /** Asks for a suspended run to be resumed: what it held is dispatched, in order. Asynchronous. */
  async resumeRun(id: string, options: { reason?: string } = {}): Promise<Run> {
    const body = options.reason === undefined ? undefined : { json: { reason: options.reason } };
    return (await this.http.request({ method: 'POST', path: apiPath('runs', id, 'resume'), body }, RunSchema)).value;
  }

  // ---- events ---------------------------------------------------------------------------------

  /** One page of a run's events with seq > `after`; continue with `after = page.nextAfter`. */
  async listEvents(runId: string, options: { after?: number; limit?: number; signal?: AbortSignal } = {}): Promise<EventPage> {
    const query = { after: options.after, limit: options.limit };
    return (await this.http.request({ method: 'GET', path: apiPath('runs', runId, 'events'), query, signal: options.signal }, EventPageSchema)).value;
  }

  /**
   * Follows a run's events from `after` (default 0) until the run has finished and its last
   * event was yielded. Each event is yielded once, in seq order; breaking out of the loop stops
   * the stream. With `streamUrl` it reads the fanout's WebSocket and resumes by itself after a
   * disconnect (pollIntervalMs and pageSize do not apply); without it, it pages GET /runs/{id}/events.
   */
  streamEvents(runId: string, options: StreamEventsOptions = {}): AsyncIterable<RunEvent> {
    if (this.streamUrl !== undefined) {
      return streamRunEventsOverWebSocket(runId, { fanoutUrl: this.streamUrl, apiKey: this.apiKey, after: options.after, signal: options.signal, maxRetries: options.maxRetries });
    }
    return followRunEvents(
      {
        listEvents: (after, signal) => this.listEvents(runId, { after, signal, ...(options.pageSize !== undefined && { limit: options.pageSize }) }),
        getRun: () => this.getRun(runId),
      },
      options,
    );
  }

  /** Publishes a CloudEvent (structured mode) to the runs listening for it. */
  async postEvent(event: { specversion?: '1.0'; id: string; source: string; type: string; [attribute: string]: unknown }): Promise<EventAccepted> {
    const body = { json: { specversion: '1.0', ...event } };
    return (await this.http.request({ method: 'POST', path: apiPath('events'), body }, EventAcceptedSchema)).value;
  }

  // ---- schedules ------------------------------------------------------------------------------

  /** One page of schedules, by namespace and workflow name. */
  async listSchedules(query: ListQuery = {}): Promise<Page<Schedule>> {
    return (await this.http.request({ method: 'GET', path: apiPath('schedules'), query: { ...query } }, SchedulePageSchema)).value;
  }

  iterateSchedules(query: Omit<ListQuery, 'cursor'> = {}): AsyncIterable<Schedule> {
    return paginate((cursor) => this.listSchedules({ ...query, cursor }));
  }

  async getSchedule(id: string): Promise<Schedule> {
    return (await this.http.request({ method: 'GET', path: apiPath('schedules', id) }, ScheduleSchema)).value;
  }

  /** Pause (no tick starts a run) or resume (from the next tick after now). */
  async setSchedulePaused(id: string, paused: boolean): Promise<Schedule> {
    return (await this.http.request({ method: 'POST', path: apiPath('schedules', id, paused ? 'pause' : 'resume') }, ScheduleSchema)).value;
  }

  /** Starts a run of the schedule now; `runId` is absent when its overlap policy `skip` kept it from starting. */
  async triggerSchedule(id: string): Promise<TriggeredSchedule> {
    return (await this.http.request({ method: 'POST', path: apiPath('schedules', id, 'trigger') }, TriggeredScheduleSchema)).value;
  }

  // ---- rate limits ----------------------------------------------------------------------------

  /** The rate limits of a namespace (or of every namespace the key may see). */
  async listRateLimits(query: { namespace?: string } = {}): Promise<RateLimit[]> {
    return (await this.http.request({ method: 'GET', path: apiPath('rate-limits'), query: { ...query } }, RateLimitListSchema)).value.items;
  }

  async getRateLimit(namespace: string, name: string): Promise<RateLimit> {
    return (await this.http.request({ method: 'GET', path: apiPath('rate-limits', namespace, name) }, RateLimitSchema)).value;
  }

  /** Declares a limit; a 409 BatonApiError when the namespace already has one of that name (use setRateLimit). */
  async createRateLimit(limit: RateLimitRequest & { namespace: string; name: string }): Promise<RateLimit> {
    return (await this.http.request({ method: 'POST', path: apiPath('rate-limits'), body: { json: dropUndefined({ ...limit }) } }, RateLimitSchema)).value;
  }

  /** Declares or replaces a limit. */
  async setRateLimit(namespace: string, name: string, limit: RateLimitRequest): Promise<RateLimit> {
    return (await this.http.request({ method: 'PUT', path: apiPath('rate-limits', namespace, name), body: { json: dropUndefined({ ...limit }) } }, RateLimitSchema)).value;
  }

  async deleteRateLimit(namespace: string, name: string): Promise<void> {
    await this.http.request({ method: 'DELETE', path: apiPath('rate-limits', namespace, name) }, NoContent);
  }

  // ---- approvals ------------------------------------------------------------------------------

  /** One page of approvals, newest first. */
  async listApprovals(query: ListApprovalsQuery = {}): Promise<Page<Approval>> {
    return (await this.http.request({ method: 'GET', path: apiPath('approvals'), query: { ...query } }, ApprovalPageSchema)).value;
  }

  /** Every approval matching the query, newest first, page after page. */
  iterateApprovals(query: Omit<ListApprovalsQuery, 'cursor'> = {}): AsyncIterable<Approval> {
    return paginate((cursor) => this.listApprovals({ ...query, cursor }));
  }

  /** One approval with its decisions and audit trail. */
  async getApproval(id: string): Promise<ApprovalWithAudit> {
    return (await this.http.request({ method: 'GET', path: apiPath('approvals', id) }, ApprovalWithAuditSchema)).value;
  }

  /** Approves or rejects on behalf of one approver; answers with the approval as it stands. */
  async decideApproval(id: string, request: DecisionRequest): Promise<Approval> {
    const body = { json: dropUndefined({ ...request }) };
    return (await this.http.request({ method: 'POST', path: apiPath('approvals', id, 'decision'), body }, ApprovalSchema)).value;
  }

  // ---- keys -----------------------------------------------------------------------------------

  /** Creates an API key (admin). The returned `secret` is shown once. */
  async createKey(request: CreateKeyRequest): Promise<CreatedApiKey> {
    return (await this.http.request({ method: 'POST', path: apiPath('keys'), body: { json: dropUndefined({ ...request }) } }, CreatedApiKeySchema)).value;
  }

  async listKeys(): Promise<ApiKey[]> {
    return (await this.http.request({ method: 'GET', path: apiPath('keys') }, KeyListSchema)).value.items;
  }

  async revokeKey(id: string): Promise<void> {
    await this.http.request({ method: 'DELETE', path: apiPath('keys', id) }, NoContent);
  }
}

async function* paginate<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
