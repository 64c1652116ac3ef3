// Errors the client throws. Every failure a caller can act on is one of these three classes:
// the API answered with a problem (BatonApiError), the API could not be reached
// (BatonConnectionError), or it answered something this client cannot read (BatonResponseError).
import { ProblemSchema, type Problem, type ProblemItem } from './schemas.ts';

/** The API answered with an error status; `problem` is its RFC 9457 body. */
export class BatonApiError extends Error {
  override readonly name = 'BatonApiError';
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.problem = problem;
  }

  get status(): number {
    return this.problem.status;
  }
  get type(): string {
    return this.problem.type;
  }
  get title(): string {
    return this.problem.title;
  }
  get detail(): string | undefined {
    return this.problem.detail;
  }
  /** Validation errors (JSON Pointer + message), when the problem lists them. */
  get problems(): ProblemItem[] {
    return this.problem.problems ?? [];
  }
}

/** The request never got an answer (connection refused, DNS, TLS, timeout, abort). */
export class BatonConnectionError extends Error {
  override readonly name = 'BatonConnectionError';
  /** The server the client tried to reach. */
  readonly baseUrl: string;
  /** The system error code (ECONNREFUSED, ENOTFOUND, …) when there is one. */
  readonly code: string | undefined;
  /** The innermost message of the cause ("connect ECONNREFUSED 127.0.0.1:8081", "bad port"). */
  readonly reason: string;

  constructor(baseUrl: string, cause: unknown) {
    const code = systemErrorCode(cause);
    const reason = describeCause(cause);
    super(`cannot reach Baton at ${baseUrl}: ${reason}`, { cause });
    this.baseUrl = baseUrl;
    this.code = code;
    this.reason = reason;
  }

  /** Nothing listens at the address: most likely the server is not started. */
  get refused(): boolean {
    return this.code === 'ECONNREFUSED';
  }
}

/** The API answered with a body this client does not understand (wrong server, version skew). */
export class BatonResponseError extends Error {
  override readonly name = 'BatonResponseError';
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * The problem carried by an error response. A body that is not a problem document (a proxy's
 * HTML page, an empty 502) becomes one built from the status line, so callers see one shape.
 */
export function problemFromResponse(status: number, statusText: string, body: unknown, text: string): Problem {
  const parsed = ProblemSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const snippet = text.trim().replace(/\s+/g, ' ').slice(0, 200);
  const problem: Problem = { type: 'about:blank', title: statusText || `HTTP ${status}`, status };
  if (snippet !== '') problem.detail = snippet;
  return problem;
}

function systemErrorCode(error: unknown): string | undefined {
  // Node's fetch wraps the socket error: TypeError('fetch failed', { cause: { code } }); an
  // AggregateError (happy eyeballs: IPv4 and IPv6 both refused) carries it on each error.
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const { code, cause, errors } = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string' && !code.startsWith('UND_ERR_')) return code;
    if (Array.isArray(errors) && errors.length > 0) current = errors[0];
    else current = cause;
  }
  return undefined;
}

function describeCause(error: unknown): string {
  let current = error as { message?: unknown; cause?: unknown } | undefined;
  let message = 'unknown error';
  for (let depth = 0; current && depth < 5; depth++) {
    if (typeof current.message === 'string' && current.message !== '') message = current.message;
    current = current.cause as typeof current;
  }
  return message;
}
