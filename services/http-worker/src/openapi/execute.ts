// One `call: openapi` attempt: read the document (cache, address policy, the document
// endpoint's credentials), find the operation, build its request from `parameters`, and send it
// as a `call: http` is sent — same Idempotency-Key (the attempt id), credentials (`with.authentication`),
// redirects, output modes and errors. The document and the call share the call's deadline.
import { ErrorTypes, type SecretMasker, type WorkflowError } from '@baton/core';
import { credentialsError, credentialStrings, resolveCredentials } from '../auth.ts';
import { configurationError } from '../errors.ts';
import type { HttpCall } from '../payload.ts';
import { describeCall, displayUri, type HttpCallContext, type HttpCallOutcome, performCall, withDeadline } from '../perform.ts';
import { type Redactor, secretMasker } from '../redact.ts';
import { OpenApiDocumentError } from './document.ts';
import { fetchDocument } from './fetch.ts';
import { findOperation, OpenApiCallError, resolveRequest } from './operation.ts';
import { type OpenApiCall, parseOpenApiCall } from './payload.ts';

export { isOpenApiPayload } from './payload.ts';

/** `payload` has its $secrets resolved already; `masking` is widened with the call's credentials. */
export async function executeOpenApiCall(payload: unknown, ctx: HttpCallContext, masking: { masker: SecretMasker }): Promise<HttpCallOutcome> {
  let redact: Redactor = masking.masker.text;
  const parsed = parseOpenApiCall(payload);
  if (!parsed.ok) return { ok: false, error: configurationError(parsed.problem, redact) };
  const spec = parsed.call;
  const documentCredentials = resolveCredentials(spec.document.authentication, ctx.secrets);
  if (!documentCredentials.ok) return { ok: false, error: credentialsError(documentCredentials, redact) };
  const callCredentials = resolveCredentials(spec.authentication, ctx.secrets);
  if (!callCredentials.ok) return { ok: false, error: credentialsError(callCredentials, redact) };
  masking.masker = secretMasker(ctx.secrets, [...credentialStrings(documentCredentials.credentials), ...credentialStrings(callCredentials.credentials)]);
  redact = masking.masker.text;

  let current = () => ({ method: 'GET', uri: displayUri(spec.document.uri) });
  return withDeadline(ctx, () => current(), redact, async (signal) => {
    let call: HttpCall;
    try {
      const read = await fetchDocument(spec.document.uri, documentCredentials.credentials, ctx.options, signal, redact);
      if (!read.ok) return read;
      const operation = findOperation(read.document, spec.operationId);
      const request = resolveRequest(read.document, operation, spec.parameters);
      call = toHttpCall(spec, request);
    } catch (error) {
      const failure = invalidCall(error, spec, redact);
      if (failure) return { ok: false, error: failure };
      throw error;
    }
    current = () => describeCall(call);
    return performCall(call, callCredentials.credentials, ctx, signal, redact);
  });
}

function toHttpCall(spec: OpenApiCall, request: ReturnType<typeof resolveRequest>): HttpCall {
  return {
    method: request.method,
    uri: request.url,
    authentication: spec.authentication,
    headers: request.headers,
    query: {},
    body: request.body,
    output: spec.output,
    redirect: spec.redirect,
  };
}

/** A document that is not an OpenAPI document, an unknown operation, a missing parameter: no request was sent. */
function invalidCall(error: unknown, spec: OpenApiCall, redact: Redactor): WorkflowError | undefined {
  if (error instanceof OpenApiDocumentError) {
    return { type: ErrorTypes.configuration, status: 400, title: 'Invalid OpenAPI document', detail: redact(`${displayUri(spec.document.uri)}: ${error.message}`) };
  }
  if (error instanceof OpenApiCallError) {
    const validation = error.kind === 'validation';
    return {
      type: validation ? ErrorTypes.validation : ErrorTypes.configuration,
      status: 400,
      title: validation ? 'Invalid OpenAPI call parameters' : 'Invalid OpenAPI call',
      detail: redact(error.message),
      operationId: spec.operationId,
    };
  }
  return undefined;
}
