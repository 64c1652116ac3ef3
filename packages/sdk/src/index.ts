// @baton/sdk: typed client for Baton's REST API. See README.md.
export { BatonClient } from './client.ts';
export type { ApplyResult, BatonClientOptions, CreateKeyRequest, RateLimitRequest, DecisionRequest, ListApprovalsQuery, ListQuery, ListRunsQuery, RerunRequest, BulkResetRequest, ResetRequest, StartRunRequest, StartRunResult, WorkflowFormat } from './client.ts';
export { BatonApiError, BatonConnectionError, BatonResponseError } from './errors.ts';
export { isoDurationFromMs, parseDuration } from './duration.ts';
export type { FetchLike } from './http.ts';
export { APPROVAL_STATUSES, RUN_STATUSES, SCHEDULE_KINDS, TERMINAL_EVENT_TYPES, isTerminalStatus } from './schemas.ts';
export type { ApiKey, Approval, ApprovalDecision, ApprovalStatus, ApprovalWithAudit, BulkResetResult, CreatedApiKey, EventAccepted, EventPage, Page, Problem, ProblemItem, RateLimit, Run, RunEvent, RunStatus, Schedule, ServerInfo, TriggeredSchedule, Workflow, WorkflowError, WorkflowSummary } from './schemas.ts';
export type { StreamEventsOptions } from './stream.ts';
export { streamRunEventsOverWebSocket, type WebSocketStreamOptions } from './ws-stream.ts';
