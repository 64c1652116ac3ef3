// Turns what the real jq (jq-wasm) writes on stderr into Baton's typed jq errors, and builds the
// command line flags that bind jq variables.
import { JqCompileError, JqRuntimeError } from './errors.ts';

const RUNTIME_PREFIX = /^jq: error \(at [^)]*\)(?: \(not a string\))?: /;
const COMPILE_PREFIX = /^jq: error: /;
const COMPILE_TRAILER = /\njq: \d+ compile errors?\s*$/;

/** The flags that bind each variable (`{ x: 1 }` → `--argjson x 1`). */
export function varFlags(vars: Record<string, unknown> | undefined): string[] {
  const flags: string[] = [];
  if (!vars) return flags;
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) continue;
    flags.push('--argjson', name, JSON.stringify(value));
  }
  return flags;
}

/** The compile error message without jq's "jq: error: " prefix and "jq: 1 compile error" trailer. */
export function compileMessage(stderr: string): string {
  return stderr.replace(COMPILE_TRAILER, '').replace(COMPILE_PREFIX, '').trimEnd();
}

/** Maps a failed jq run (exit code + stderr) to JqCompileError or JqRuntimeError. */
export function errorFromJq(exitCode: number, stderr: string): Error {
  const text = stderr.trimEnd();
  if (exitCode === 3 || (COMPILE_PREFIX.test(text) && COMPILE_TRAILER.test(stderr))) {
    return new JqCompileError(compileMessage(stderr));
  }
  const firstLine = text.split('\n', 1)[0] ?? '';
  const match = RUNTIME_PREFIX.exec(firstLine);
  if (!match) return new JqRuntimeError(text, text); // halt_error prints its value raw
  const body = text.slice(match[0].length);
  if (match[0].includes('(not a string)')) {
    let value: unknown = body;
    try {
      value = JSON.parse(body);
    } catch {
      // jq printed something that is not JSON (e.g. a truncated value); keep the text.
    }
    return new JqRuntimeError(`${body} (not a string)`, value);
  }
  return new JqRuntimeError(body, body);
}
