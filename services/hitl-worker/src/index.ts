// @baton/hitl-worker: human approvals — notices, notifications with signed links, deadlines (see README.md).
export { createHitlWorker, APPROVAL_TASK_QUEUE, type HitlWorker, type HitlWorkerDeps } from './worker.ts';
export { hitlWorkerOptionsFromEnv, approvalSecretFromEnv, loadOrCreateApprovalSecret, DEFAULT_HITL_OPTIONS, type HitlWorkerOptions } from './options.ts';
export { MemoryDeadlines, RedisDeadlines, type DeadlineSchedule, type DueDeadline } from './deadlines.ts';
export { createDeadlineSchedule } from './schedule.ts';
export { generateApprovalSecret, signApprovalLink, verifyApprovalLink, type LinkClaims, type LinkVerification } from './tokens.ts';
export { jsonPayload, slackPayload, linksFor, type NotifyOptions, type NotifyAttempt } from './notify.ts';
