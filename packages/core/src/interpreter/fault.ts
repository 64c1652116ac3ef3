// A workflow error raised while the interpreter handles a task. Handlers throw it; the run loop
// catches it and faults the task that was being handled (see run.ts).
import { ErrorTypes, workflowError } from '../errors.ts';
import type { WorkflowError } from '../errors.ts';

export class Fault extends Error {
  override readonly name = 'Fault';
  readonly error: WorkflowError;
  constructor(error: WorkflowError) {
    super(error.detail ?? error.title ?? error.type);
    this.error = error;
  }
}

export function expressionFault(detail: string, instance: string): Fault {
  return new Fault(workflowError(ErrorTypes.expression, 400, detail, instance, 'Expression Error'));
}

export function validationFault(detail: string, instance: string): Fault {
  return new Fault(workflowError(ErrorTypes.validation, 400, detail, instance, 'Validation Error'));
}

export function configurationFault(detail: string, instance: string): Fault {
  return new Fault(workflowError(ErrorTypes.configuration, 400, detail, instance, 'Configuration Error'));
}

export function runtimeFault(detail: string, instance: string): Fault {
  return new Fault(workflowError(ErrorTypes.runtime, 500, detail, instance, 'Runtime Error'));
}

export function timeoutError(detail: string, instance: string): WorkflowError {
  return workflowError(ErrorTypes.timeout, 408, detail, instance, 'Timeout');
}
