// executeHttpCall: one task attempt of the http worker → its output or a WorkflowError. Never
// throws. A `call: http` payload is sent as written; a `call: openapi` payload (marked
// `call: 'openapi'` by the runner) is resolved against its OpenAPI document first (openapi/).
// The outcome is masked before it is returned: no secret this worker holds (nor the call's
// credentials) leaves it in an output, an error detail or an echoed `error.response`.
import { ErrorTypes, Fault, type SecretMasker, type WorkflowError } from '@baton/core';
import { evaluateDeferred } from '@baton/core/interpreter';
import { credentialsError, credentialStrings, resolveCredentials } from './auth.ts';
import { configurationError, expressionError } from './errors.ts';
import { executeOpenApiCall, isOpenApiPayload } from './openapi/execute.ts';
import { parseHttpCall } from './payload.ts';
import { describeCall, performCall, withDeadline, type HttpCallContext, type HttpCallOutcome } from './perform.ts';
import { type Redactor, secretMasker } from './redact.ts';

export { agentFor, closeAgent, type HttpCallContext, type HttpCallOutcome } from './perform.ts';

/** A $secrets expression that could not be resolved: the authorization error (403) as is, anything else an expression error. */
function deferredError(error: unknown, redact: Redactor): WorkflowError {
  if (error instanceof Fault && error.error.type === ErrorTypes.authorization) {
    const { instance: _none, ...rest } = error.error;
    return { ...rest, detail: redact(rest.detail ?? '') };
  }
  return expressionError(`could not resolve a $secrets expression: ${(error as Error).message ?? String(error)}`, redact);
}

export async function executeHttpCall(payload: unknown, ctx: HttpCallContext): Promise<HttpCallOutcome> {
  const masking = { masker: secretMasker(ctx.secrets) };
  const outcome = await attempt(payload, ctx, masking);
  return masking.masker.value(outcome);
}

async function attempt(payload: unknown, ctx: HttpCallContext, masking: { masker: SecretMasker }): Promise<HttpCallOutcome> {
  let redact: Redactor = masking.masker.text;
  let resolved: unknown;
  try {
    resolved = evaluateDeferred(payload, ctx.secrets);
  } catch (error) {
    return { ok: false, error: deferredError(error, redact) };
  }
  if (isOpenApiPayload(resolved)) return executeOpenApiCall(resolved, ctx, masking);
  const parsed = parseHttpCall(resolved);
  if (!parsed.ok) return { ok: false, error: configurationError(parsed.problem, redact) };
  const resolvedCredentials = resolveCredentials(parsed.call.authentication, ctx.secrets);
  if (!resolvedCredentials.ok) return { ok: false, error: credentialsError(resolvedCredentials, redact) };
  masking.masker = secretMasker(ctx.secrets, credentialStrings(resolvedCredentials.credentials));
  redact = masking.masker.text;
  const call = parsed.call;
  return withDeadline(ctx, () => describeCall(call), redact, (signal) => performCall(call, resolvedCredentials.credentials, ctx, signal, redact));
}
