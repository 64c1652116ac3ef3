export { applyBatch, childRunId, type ApplyDeps, type BatchOutcome, type PublishedEvent } from './apply.ts';
export { DefinitionCache } from './definitions.ts';
export { createWorkflowRunner, defaultRunnerOptions, type RunnerOptions, type WorkflowRunner, type RunnerDeps } from './runner.ts';
export { routeCloudEvent } from './route-event.ts';
export { parseRunnerMessage } from './validate.ts';
