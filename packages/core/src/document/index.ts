// Workflow documents: parsing, validation against the official Serverless Workflow schema,
// Baton's profile (what it does not execute yet) and the semantic checks. See README.md.
export type { Problem } from './problem.ts';
export { WorkflowValidationError, pointer, pointerTokens } from './problem.ts';
export type { LoadResult, ValidateOptions } from './validate.ts';
export { loadWorkflow, validateWorkflow, SUPPORTED_DSL } from './validate.ts';
export type { SourceFormat } from './parse.ts';
export { isRuntimeExpression, expressionSource, implicitExpressions } from './expressions.ts';
export type { ExpressionSite } from './expressions.ts';
export { TASK_KINDS, FLOW_DIRECTIVES, taskKind, collectTasks } from './tasks.ts';
export type { TaskKind, TaskEntry, TaskList, DocumentTasks } from './tasks.ts';
export { classifyFunction, DEFAULT_CATALOG_FUNCTIONS, PROTOCOL_CALLS } from './functions.ts';
export type { FunctionRef } from './functions.ts';
export { UNSUPPORTED_CALLS, UNSUPPORTED_RUNS, UNSUPPORTED_AUTHENTICATIONS } from './profile.ts';
export { checkRateLimitRefs, RATE_LIMIT_NAME } from './rate-limit.ts';
export { readConcurrency, concurrencyKey, CONCURRENCY_STRATEGIES, MAX_CONCURRENCY_LIMIT } from './concurrency.ts';
export type { WorkflowConcurrency, ConcurrencyStrategy } from './concurrency.ts';
export { readSchedule, consumeEvent, planTicks, nextTick, nextTicks, eventTypesOf, SCHEDULE_KINDS, CATCH_UP_POLICIES, OVERLAP_POLICIES } from './schedule.ts';
export type { Consumed, Consumption, WorkflowSchedule, ScheduleKind, ScheduleConsumption, ScheduleFilter, CatchUpPolicy, OverlapPolicy, TickPlan } from './schedule.ts';
