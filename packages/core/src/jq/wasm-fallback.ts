// Runs a program on the real jq (jq-wasm, jq 1.8.2). Step 1: in-process and synchronous.
import { loadJq } from 'jq-wasm';
import { JqCompileError } from './errors.ts';
import { compileMessage, errorFromJq, varFlags } from './wasm-messages.ts';

const jq = await loadJq();

export function runWasm(src: string, input: unknown, vars: Record<string, unknown> | undefined, _timeoutMs: number): unknown[] {
  const result = jq.raw(JSON.stringify(input ?? null), src, ['-c', ...varFlags(vars)]);
  if (result.exitCode !== 0) throw errorFromJq(result.exitCode, result.stderr);
  return result.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as unknown);
}

const UNDEFINED_VARIABLE = /^\$(\w+) is not defined/;

/**
 * Compiles without running: the program runs after `empty`, which never yields. Variables are
 * bound at evaluation time, so an undefined `$name` is not a compile error here.
 */
export function checkWasm(src: string): string | undefined {
  const bound: Record<string, unknown> = {};
  for (let attempt = 0; attempt < 32; attempt++) {
    const result = jq.raw('null', `empty | (\n${src}\n)`, ['-n', ...varFlags(bound)]);
    if (result.exitCode === 0) return undefined;
    const error = errorFromJq(result.exitCode, result.stderr);
    if (!(error instanceof JqCompileError)) return undefined;
    const message = shiftLines(compileMessage(result.stderr));
    const undefinedVar = UNDEFINED_VARIABLE.exec(message);
    if (!undefinedVar?.[1]) return message;
    bound[undefinedVar[1]] = null;
  }
  return undefined;
}

/** Undoes the one line the check wrapper adds before the program. */
function shiftLines(message: string): string {
  return message.replace(/line (\d+)/g, (_m, n: string) => `line ${Math.max(1, Number(n) - 1)}`);
}
