export { applyBatch, childRunId, type ApplyDeps, type BatchOutcome, type EngineFault } from './apply.ts';
export { enqueueDurably, relay, send, type Relay } from './outbox.ts';
export { DefinitionCache } from './definitions.ts';
export { createWorkflowRunner, defaultRunnerOptions, type RunnerOptions, type WorkflowRunner, type RunnerDeps } from './runner.ts';
export { matchingListens, routeCloudEvent } from './route-event.ts';
export { parseRunnerMessage } from './validate.ts';
export { ApprovalEventTypes, ApprovalWith, checkFormData, outcomeOf, outputOf, parseApprovalSpec, resultFor, type ApprovalOutput } from './approval-rules.ts';
export { decideApproval, publishDecision, type DecisionInput, type DecisionRefusal, type DecisionResult } from './approval-decisions.ts';
export { noticeOf, noticeTask, type ApprovalNotice } from './approvals.ts';
