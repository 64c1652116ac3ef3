// The `with` of a `call: openapi` task as the runner sends it (marked `call: 'openapi'`), after
// $secrets expressions were resolved. Validated here because it crossed a queue.
import { z } from 'zod';
import { type Authentication, AuthenticationSchema, OutputModes, type OutputMode } from '../payload.ts';

const EndpointSchema = z.union([z.string().min(1), z.object({ uri: z.string().min(1), authentication: AuthenticationSchema.optional() })]);

export const OpenApiCallSchema = z.object({
  call: z.literal('openapi'),
  document: z.object({ name: z.string().optional(), endpoint: EndpointSchema }),
  operationId: z.string().min(1),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  authentication: AuthenticationSchema.optional(),
  output: z.enum(OutputModes).default('content'),
  redirect: z.boolean().default(false),
});

export interface OpenApiCall {
  /** Where the OpenAPI document is, and the credentials to fetch it with. */
  document: { uri: URL; authentication: Authentication | undefined };
  operationId: string;
  parameters: Record<string, unknown>;
  /** The credentials of the operation's request. */
  authentication: Authentication | undefined;
  output: OutputMode;
  redirect: boolean;
}

export function isOpenApiPayload(payload: unknown): payload is Record<string, unknown> {
  return typeof payload === 'object' && payload !== null && (payload as { call?: unknown }).call === 'openapi';
}

export function parseOpenApiCall(payload: unknown): { ok: true; call: OpenApiCall } | { ok: false; problem: string } {
  const parsed = OpenApiCallSchema.safeParse(payload);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'with'}: ${issue.message}`);
    return { ok: false, problem: `invalid openapi call arguments (${problems.join('; ')})` };
  }
  const value = parsed.data;
  const endpoint = typeof value.document.endpoint === 'string' ? { uri: value.document.endpoint, authentication: undefined } : value.document.endpoint;
  let uri: URL;
  try {
    uri = new URL(endpoint.uri);
  } catch {
    return { ok: false, problem: `document.endpoint "${endpoint.uri}" is not an absolute URI` };
  }
  if (uri.protocol !== 'http:' && uri.protocol !== 'https:') {
    return { ok: false, problem: `document.endpoint scheme "${uri.protocol}" is not supported (use http or https)` };
  }
  return {
    ok: true,
    call: {
      document: { uri, authentication: endpoint.authentication },
      operationId: value.operationId,
      parameters: value.parameters ?? {},
      authentication: value.authentication,
      output: value.output,
      redirect: value.redirect,
    },
  };
}
