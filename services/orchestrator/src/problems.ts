// RFC 9457 problem details: every error the API returns has this shape, served as
// application/problem+json. Handlers throw ApiProblem; the error handler renders it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const BASE = 'https://baton.dev/problems';

/** The problem types this API uses; `type` is `${BASE}/<slug>`. */
export const ProblemTypes = {
  badRequest: `${BASE}/bad-request`,
  validation: `${BASE}/validation`,
  malformedBody: `${BASE}/malformed-body`,
  unauthorized: `${BASE}/unauthorized`,
  forbidden: `${BASE}/forbidden`,
  notFound: `${BASE}/not-found`,
  methodNotAllowed: `${BASE}/method-not-allowed`,
  conflict: `${BASE}/conflict`,
  payloadTooLarge: `${BASE}/payload-too-large`,
  unsupportedMediaType: `${BASE}/unsupported-media-type`,
  invalidWorkflow: `${BASE}/invalid-workflow`,
  notReady: `${BASE}/not-ready`,
  internal: `${BASE}/internal`,
} as const;

/** One entry of a problem's `problems` list: where (JSON Pointer) and what. */
export interface ProblemItem {
  path: string;
  message: string;
  [extension: string]: unknown;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  problems?: ProblemItem[];
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function titleFor(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

/** An error that reaches the client as a problem document. */
export class ApiProblem extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly problems?: ProblemItem[];
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    type: string,
    detail: string,
    options: { title?: string; problems?: ProblemItem[]; extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'ApiProblem';
    this.status = status;
    this.type = type;
    this.title = options.title ?? titleFor(status);
    if (options.problems !== undefined) this.problems = options.problems;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  toProblem(instance: string): ProblemDetails {
    const problem: ProblemDetails = { type: this.type, title: this.title, status: this.status, detail: this.message, instance, ...this.extensions };
    if (this.problems !== undefined) problem.problems = this.problems;
    return problem;
  }
}

export const notFound = (detail: string) => new ApiProblem(404, ProblemTypes.notFound, detail);
export const forbidden = (detail: string) => new ApiProblem(403, ProblemTypes.forbidden, detail);
export const conflict = (detail: string, extensions?: Record<string, unknown>) =>
  new ApiProblem(409, ProblemTypes.conflict, detail, extensions ? { extensions } : {});
export const badRequest = (detail: string) => new ApiProblem(400, ProblemTypes.badRequest, detail);

/** Zod issues as problem items, with the JSON Pointer of each offending value under `where`. */
export function zodProblems(error: z.ZodError, where: string): ProblemItem[] {
  return error.issues.map((issue) => ({
    path: `/${[where, ...issue.path.map(String)].map(escapePointerToken).join('/')}`,
    message: issueMessage(issue),
    code: issue.code,
  }));
}

/** An enum or literal names its allowed values in the words the run-time schema checks use. */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_value') return issue.message;
  const values = issue.values.map((v) => JSON.stringify(v));
  return values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(', ')}`;
}

export function validationProblem(error: z.ZodError, where: 'body' | 'query' | 'params'): ApiProblem {
  const problems = zodProblems(error, where);
  const first = problems[0];
  const detail = first ? `invalid request ${where}: ${first.path} ${first.message}` : `invalid request ${where}`;
  return new ApiProblem(400, ProblemTypes.validation, detail, { problems });
}

function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The path part of the request URL (no query string: it may carry cursors, never secrets, but stays short). */
export function instanceOf(request: FastifyRequest): string {
  const url = request.url;
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: ApiProblem): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers)) reply.header(name, value);
  return reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem.toProblem(instanceOf(request)));
}
