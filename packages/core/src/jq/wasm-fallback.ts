// Runs programs on the real jq (jq-wasm 1.8.2) for what the TypeScript engine does not cover.
// jq-wasm runs in a worker thread; this thread blocks on Atomics.wait until the reply or the
// deadline, and on timeout terminates the worker (a fresh one is started on next use). So a
// runaway fallback program is stopped like a runaway native one, and everything stays synchronous.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { JqCompileError, JqRuntimeError, JqTimeoutError } from './errors.ts';
import { compileMessage, errorFromJq, varFlags } from './wasm-messages.ts';

interface JqReply {
  stdout: string;
  stderr: string;
  exitCode: number;
  fatal?: boolean;
}

interface WorkerHandle {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
}

const STARTUP_TIMEOUT_MS = 15_000;
let current: WorkerHandle | undefined;

function start(): WorkerHandle {
  const state = new SharedArrayBuffer(4);
  const signal = new Int32Array(state);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./wasm-worker.mjs', import.meta.url), {
    workerData: { port: port2, state },
    transferList: [port2],
  });
  worker.unref();
  port1.unref();
  const handle = { worker, port: port1, signal };
  if (Atomics.wait(signal, 0, 0, STARTUP_TIMEOUT_MS) === 'timed-out') {
    void worker.terminate();
    throw new JqRuntimeError('jq-wasm worker did not start');
  }
  receiveMessageOnPort(port1); // the ready message
  return handle;
}

function stop(handle: WorkerHandle): void {
  handle.port.close();
  void handle.worker.terminate();
  if (current === handle) current = undefined;
}

/**
 * Sends one program to the worker and blocks until its reply or the deadline. `--` ends the
 * options, so that a program such as `-1` is not taken for one.
 */
export function callWasm(src: string, input: string, flags: string[], timeoutMs: number): JqReply {
  const handle = (current ??= start());
  Atomics.store(handle.signal, 0, 0);
  handle.port.postMessage({ src, input, flags: [...flags, '--'] });
  const outcome = Atomics.wait(handle.signal, 0, 0, timeoutMs);
  const message = receiveMessageOnPort(handle.port);
  if (outcome === 'timed-out' || !message) {
    stop(handle);
    throw new JqTimeoutError(timeoutMs);
  }
  const reply = message.message as JqReply;
  if (reply.fatal) stop(handle);
  return reply;
}

export function runWasm(src: string, input: unknown, vars: Record<string, unknown> | undefined, timeoutMs: number): unknown[] {
  const result = callWasm(src, JSON.stringify(input ?? null), ['-c', ...varFlags(vars)], timeoutMs);
  if (result.exitCode !== 0) throw errorFromJq(result.exitCode, result.stderr);
  return result.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as unknown);
}

const UNDEFINED_VARIABLE = /^\$(\w+) is not defined/;
const CHECK_TIMEOUT_MS = 5_000;

/**
 * Compiles without running: the program runs after `empty`, which never yields. Variables are
 * bound at evaluation time, so an undefined `$name` is not a compile error here.
 */
export function checkWasm(src: string): string | undefined {
  const bound: Record<string, unknown> = {};
  for (let attempt = 0; attempt < 32; attempt++) {
    const result = callWasm(`empty | (\n${src}\n)`, 'null', ['-n', ...varFlags(bound)], CHECK_TIMEOUT_MS);
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
