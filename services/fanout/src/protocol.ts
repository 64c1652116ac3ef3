// The stream protocol (docs/STREAMING.md is its reference): the messages a client sends, the
// control messages the server sends besides events, the close codes. Every client message is
// validated with these schemas; the types are derived from them.
import { z } from 'zod';

export const PROTOCOL = 'baton.stream.v1';

const Id = z.string().min(1).max(300);
// NUL would let two names meet in the hub's workflow index (namespace U+0000 name).
const Name = z.string().min(1).max(200).refine((name) => !name.includes('\u0000'), 'must not contain U+0000');

/** Run ids are UUIDv7 or `<parent id>.<effect id>`: anything else names no run and is never looked up. */
const RUN_ID = /^[A-Za-z0-9._:-]{1,300}$/;
export const isRunId = (id: string): boolean => RUN_ID.test(id);

/** The largest seq the store holds (an int4 column): a larger `after` is beyond every run's end. */
export const MAX_SEQ = 2_147_483_647;

export const RunSelector = z.object({ run: Id, after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() }).strict();
export const WorkflowSelector = z.object({ workflow: z.object({ namespace: Name, name: Name }).strict() }).strict();
export const NamespaceSelector = z.object({ namespace: Name }).strict();
export const Selector = z.union([RunSelector, WorkflowSelector, NamespaceSelector]);

/** An optional client-chosen id, echoed in the answer to the message. */
const RequestId = z.union([z.string().max(100), z.number()]).optional();

export const ClientMessage = z.union([
  z.object({ subscribe: Selector, id: RequestId }).strict(),
  z.object({ unsubscribe: Selector, id: RequestId }).strict(),
]);

export type RunSelector = z.infer<typeof RunSelector>;
export type WorkflowSelector = z.infer<typeof WorkflowSelector>;
export type NamespaceSelector = z.infer<typeof NamespaceSelector>;
export type Selector = z.infer<typeof Selector>;
export type ClientMessage = z.infer<typeof ClientMessage>;
export type RequestIdValue = z.infer<typeof RequestId>;

export function isRunSelector(selector: Selector): selector is RunSelector {
  return 'run' in selector;
}
export function isWorkflowSelector(selector: Selector): selector is WorkflowSelector {
  return 'workflow' in selector;
}

/** WebSocket close codes (4000–4999 are application codes, RFC 6455 §7.4.2). */
export const CloseCodes = {
  normal: 1000,
  /** The server is shutting down: reconnect (to another replica) and resume with `after`. */
  goingAway: 1001,
  /** A client message larger than FANOUT_MAX_MESSAGE_BYTES. */
  messageTooBig: 1009,
  internalError: 1011,
  /** The connection's credentials were revoked (the API key, or the key behind a stream token). */
  credentialsRevoked: 4001,
  /** No subscription for FANOUT_IDLE_TIMEOUT_MS. */
  idle: 4002,
  /** The client did not read fast enough: more than FANOUT_BUFFER_LIMIT_BYTES queued. Resume with `after`. */
  slowConsumer: 4008,
} as const;

const PROBLEM_BASE = 'https://baton.dev/problems';

export interface StreamProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 426: 'Upgrade Required', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };
const SLUGS: Record<number, string> = { 400: 'bad-request', 401: 'unauthorized', 403: 'forbidden', 404: 'not-found', 405: 'method-not-allowed', 409: 'conflict', 426: 'upgrade-required', 429: 'too-many-requests', 500: 'internal', 503: 'not-ready' };

export function problem(status: number, detail: string, extra: Record<string, unknown> = {}): StreamProblem {
  return { type: `${PROBLEM_BASE}/${SLUGS[status] ?? 'bad-request'}`, title: TITLES[status] ?? 'Error', status, detail, ...extra };
}

/** A problem a handler throws; the connection turns it into an `error` message. */
export class StreamProblemError extends Error {
  override readonly name = 'StreamProblemError';
  constructor(readonly problem: StreamProblem) {
    super(problem.detail);
  }
}

export const fail = (status: number, detail: string, extra?: Record<string, unknown>) => new StreamProblemError(problem(status, detail, extra));

/** Server control messages: one member naming the message, plus the request id when given. */
export function controlMessage(name: 'hello' | 'subscribed' | 'unsubscribed' | 'caughtUp' | 'error', body: unknown, id?: RequestIdValue): string {
  return JSON.stringify(id === undefined ? { [name]: body } : { [name]: body, id });
}

/** The first problem of a failed parse, as a readable sentence. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? `/${issue.path.join('/')}` : 'message'}: ${issue.message}`)
    .join('; ');
}
