export * from './errors.ts';
export * from './interpreter/types.ts';
export type * from './ports/bus.ts';
export * from './ports/store.ts';
export * from './ports/messages.ts';
export { compileWorkflow, CompileError, decide, initialState, matchEvent, evaluateDeferred, isDeferred, Fault, parseDuration, DurationError, LifecycleTypes, valueErrorMessage } from './interpreter/index.ts';
export type { CompiledWorkflow, InterpreterState, MatchOptions, WorkflowDocument } from './interpreter/index.ts';
export * from './cloudevents.ts';
export * from './secrets/index.ts';
