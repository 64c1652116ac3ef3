// A child process that evaluates jq programs with the engine and the limits the interpreter
// uses (expressionMs, stateBytes): the jq target sends it one program and input at a time. In a
// process of its own, an evaluation that ends the process (stack, heap) is seen as an exit, and
// one that ignores its time limit as a missing answer — while the fuzzer itself goes on.
import { DEFAULT_LIMITS } from '@baton/core/interpreter';
import { compileJq, JqCompileError, JqLimitError, JqRuntimeError, JqTimeoutError } from '@baton/core/jq';

export interface JqRequest {
  id: number;
  program: string;
  input: unknown;
}

export interface JqReply {
  id: number;
  /** ok, or which of the engine's documented errors; `unexpected` is anything else. */
  outcome: 'ok' | 'compile' | 'runtime' | 'timeout' | 'limit' | 'unexpected';
  ms: number;
  engine?: string;
  error?: string;
}

const OPTIONS = { timeoutMs: DEFAULT_LIMITS.expressionMs, maxValueBytes: DEFAULT_LIMITS.stateBytes };

function evaluate(request: JqRequest): JqReply {
  const started = performance.now();
  let engine: string | undefined;
  try {
    const program = compileJq(request.program);
    engine = program.engine;
    program.all(request.input, { x: 1, input: request.input, context: {} }, OPTIONS);
    return { id: request.id, outcome: 'ok', ms: performance.now() - started, engine };
  } catch (error) {
    const ms = performance.now() - started;
    const outcome = error instanceof JqCompileError ? 'compile' : error instanceof JqRuntimeError ? 'runtime' : error instanceof JqTimeoutError ? 'timeout' : error instanceof JqLimitError ? 'limit' : 'unexpected';
    const text = error instanceof Error ? `${error.name}: ${error.message}${outcome === 'unexpected' ? `\n${error.stack ?? ''}` : ''}` : String(error);
    return { id: request.id, outcome, ms, ...(engine && { engine }), error: text.slice(0, 2000) };
  }
}

process.on('message', (request: JqRequest) => {
  process.send!(evaluate(request));
});
process.send!({ id: 0, outcome: 'ok', ms: 0 } satisfies JqReply);
