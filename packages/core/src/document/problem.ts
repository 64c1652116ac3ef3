// A problem found in a workflow document. Every failure of parsing or validation is reported
// as a list of these, never thrown: callers (API, CLI, dashboard) show them as they are.

export interface Problem {
  /** JSON Pointer (RFC 6901) into the document; '' is the document root. */
  path: string;
  message: string;
  /** Set when the spec allows the construct but Baton does not execute it yet (see README). */
  feature?: string;
  /** 1-based position in the source text, when the document came from text. */
  line?: number;
  column?: number;
}

/** Escapes one reference token of a JSON Pointer. */
export function escapeToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Appends reference tokens to a JSON Pointer. */
export function pointer(base: string, ...tokens: Array<string | number>): string {
  return tokens.reduce<string>((acc, token) => `${acc}/${escapeToken(token)}`, base);
}

/** Splits a JSON Pointer into its unescaped reference tokens. */
export function pointerTokens(path: string): string[] {
  if (path === '') return [];
  return path.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Removes exact duplicates (same path and message), keeping the first occurrence. */
export function dedupeProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * An invalid (or not executable) workflow document as an error, for layers that throw. Its
 * `toProblemDetails()` is the RFC 9457 shape the API returns (status 400, problems attached).
 */
export class WorkflowValidationError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; '));
    this.name = 'WorkflowValidationError';
    this.problems = problems;
  }

  /** True when every problem is a profile rejection (the document is valid per the spec). */
  get onlyUnsupportedFeatures(): boolean {
    return this.problems.length > 0 && this.problems.every((p) => p.feature !== undefined);
  }

  toProblemDetails(): { type: string; title: string; status: number; detail: string; problems: Problem[] } {
    return {
      type: 'https://serverlessworkflow.io/spec/1.0.0/errors/validation',
      title: this.onlyUnsupportedFeatures ? 'Workflow uses features Baton does not support yet' : 'Invalid workflow document',
      status: 400,
      detail: this.message,
      problems: this.problems,
    };
  }
}
