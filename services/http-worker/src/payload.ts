// The `with` of a `call: http` task, after $secrets expressions were resolved. Validated here
// because it crossed a queue; a bad payload is a configuration error of the task.
import { z } from 'zod';

const headerValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))]);

const credentials = z.object({ username: z.string(), password: z.string() });
const secretReference = z.object({ use: z.string().min(1) });

export const AuthenticationSchema = z.union([
  z.object({ basic: z.union([credentials, secretReference]) }),
  // A string: the value of a secret-based policy ({ bearer: { use } }), resolved from a secret holding the token.
  z.object({ bearer: z.union([z.string(), z.object({ token: z.string() }), secretReference]) }),
  z.object({ digest: z.union([credentials, secretReference]) }),
  z.object({ oauth2: z.unknown() }),
  z.object({ oidc: z.unknown() }),
  z.object({ certificate: z.unknown() }),
  // A top-level policy reference the runner could not inline (see auth.ts).
  z.object({ use: z.string().min(1) }),
]);
export type Authentication = z.infer<typeof AuthenticationSchema>;

const EndpointSchema = z.union([
  z.string().min(1),
  z.object({ uri: z.string().min(1), authentication: AuthenticationSchema.optional() }),
]);

export const OutputModes = ['content', 'response', 'raw'] as const;
export type OutputMode = (typeof OutputModes)[number];

export const HttpCallSchema = z.object({
  method: z.string().regex(/^[A-Za-z]+$/, 'an HTTP method name such as get or post'),
  endpoint: EndpointSchema,
  headers: z.record(z.string(), headerValue).nullish(),
  query: z.record(z.string(), z.unknown()).nullish(),
  body: z.unknown().optional(),
  output: z.enum(OutputModes).default('content'),
  redirect: z.boolean().default(false),
});

export interface HttpCall {
  method: string;
  uri: URL;
  authentication: Authentication | undefined;
  headers: Record<string, string | string[]>;
  query: Record<string, unknown>;
  body: unknown;
  output: OutputMode;
  redirect: boolean;
}

export type ParseResult = { ok: true; call: HttpCall } | { ok: false; problem: string };

export function parseHttpCall(payload: unknown): ParseResult {
  const parsed = HttpCallSchema.safeParse(payload);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'with'}: ${issue.message}`);
    return { ok: false, problem: `invalid http call arguments (${problems.join('; ')})` };
  }
  const value = parsed.data;
  const endpoint = typeof value.endpoint === 'string' ? { uri: value.endpoint, authentication: undefined } : value.endpoint;
  let uri: URL;
  try {
    uri = new URL(endpoint.uri);
  } catch {
    return { ok: false, problem: `endpoint "${endpoint.uri}" is not an absolute URI` };
  }
  if (uri.protocol !== 'http:' && uri.protocol !== 'https:') {
    return { ok: false, problem: `endpoint scheme "${uri.protocol}" is not supported (use http or https)` };
  }
  return {
    ok: true,
    call: {
      method: value.method.toUpperCase(),
      uri,
      authentication: endpoint.authentication,
      headers: normalizeHeaders(value.headers ?? {}),
      query: value.query ?? {},
      body: value.body,
      output: value.output,
      redirect: value.redirect,
    },
  };
}

function normalizeHeaders(headers: Record<string, z.infer<typeof headerValue>>): Record<string, string | string[]> {
  const normalized: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    normalized[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return normalized;
}

/** Appends `query` to the URI's own query string (arrays repeat the name, objects are JSON). */
export function withQuery(uri: URL, query: Record<string, unknown>): URL {
  const result = new URL(uri);
  for (const [name, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined || item === null) continue;
      result.searchParams.append(name, typeof item === 'object' ? JSON.stringify(item) : String(item));
    }
  }
  return result;
}
