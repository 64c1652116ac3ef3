// The three ways a jq expression fails. Messages follow jq's own wording where jq has one, so
// that users see the same text as with the jq command line tool.

/** The filter does not compile (syntax error, unknown function or variable). */
export class JqCompileError extends Error {
  override readonly name = 'JqCompileError';
}

/**
 * The filter raised an error while running: `error/1`, a type error, `halt_error`, …
 * `value` is the jq error value (what `try … catch .` would see); `message` is jq's text for it.
 */
export class JqRuntimeError extends Error {
  override readonly name = 'JqRuntimeError';
  readonly value: unknown;
  constructor(message: string, value: unknown = message) {
    super(message);
    this.value = value;
  }
}

/** The evaluation ran longer than its time (or step) budget and was stopped. */
export class JqTimeoutError extends Error {
  override readonly name = 'JqTimeoutError';
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`jq expression exceeded its time limit of ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The evaluation built a value larger than its size limit (`maxValueBytes`, see budget.ts) and
 * was stopped. Like a timeout, `try` does not catch it.
 */
export class JqLimitError extends Error {
  override readonly name = 'JqLimitError';
  readonly limitBytes: number;
  readonly sizeBytes: number;
  constructor(limitBytes: number, sizeBytes: number, what: string) {
    super(`jq expression exceeded its value size limit of ${formatBytes(limitBytes)}: ${what} of ${formatBytes(sizeBytes)}`);
    this.limitBytes = limitBytes;
    this.sizeBytes = sizeBytes;
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/**
 * Internal: the program needs something the TypeScript engine does not implement (found at
 * compile time, or at run time such as an Oniguruma-only regex). The program runs on jq-wasm.
 */
export class UnsupportedError extends Error {
  override readonly name = 'UnsupportedError';
}

/** jq's message for an error value: the string itself, or its JSON with jq's "(not a string)" note. */
export function errorMessageOf(value: unknown, toJson: (v: unknown) => string): string {
  if (typeof value === 'string') return value;
  return `${toJson(value)} (not a string)`;
}
