// The pure interpreter: see README.md.
export { compileWorkflow, CompileError } from './compile.ts';
export type { CompiledWorkflow, CompiledTask, CompiledList } from './compile.ts';
export { decide, initialState } from './decide.ts';
export { matchEvent } from './events.ts';
export type { MatchOptions } from './events.ts';
export { evaluateDeferred, isDeferred } from './expressions.ts';
export { Fault } from './fault.ts';
export { parseDuration, DurationError, MAX_DURATION_MS } from './duration.ts';
export { LifecycleTypes, iso, qualifiedRunName } from './lifecycle.ts';
export { DEFAULT_LIMITS, LIMIT_NAMES, MAX_VALUE_DEPTH, formatLimit, jsonSize, limitError, resolveLimits } from './limits.ts';
export type { LimitName, Limits } from './limits.ts';
export type { InterpreterState, Frame, Wait, WaitKind } from './state.ts';
export { valueErrorMessage, valueErrorText, valueErrorsText } from './value-errors.ts';
export type * from './document-types.ts';
export * from './types.ts';
