// Runs programs on the real jq (jq-wasm 1.8.2) for what the TypeScript engine does not cover.
// jq-wasm runs in a worker thread; this thread blocks on Atomics.wait until the reply or the
// deadline, and on timeout terminates the worker (a replacement starts at once, in the
// background). So a runaway fallback program is stopped like a runaway native one, and
// everything stays synchronous.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Limits } from './engine.ts';
import { JqCompileError, JqLimitError, JqRuntimeError, JqTimeoutError } from './errors.ts';
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
  ready: boolean;
}

const STARTUP_TIMEOUT_MS = 15_000;
let current: WorkerHandle | undefined;

/** Starts a worker without waiting for it: jq-wasm loads in its own thread. */
function spawn(): WorkerHandle {
  const state = new SharedArrayBuffer(4);
  const signal = new Int32Array(state);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./wasm-worker.mjs', import.meta.url), {
    workerData: { port: port2, state },
    transferList: [port2],
  });
  worker.unref();
  port1.unref();
  return { worker, port: port1, signal, ready: false };
}

/**
 * Waits until the worker has loaded jq-wasm (not counted in the evaluation's time: a start can
 * take seconds on a loaded machine). A replacement starts in the background as soon as a
 * runaway program is stopped, so it is usually ready by the next call.
 */
function awaitReady(handle: WorkerHandle): void {
  if (handle.ready) return;
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  if (Atomics.wait(handle.signal, 0, 0, STARTUP_TIMEOUT_MS) === 'timed-out' || !receiveBy(handle.port, deadline)) {
    stop(handle);
    throw new JqRuntimeError('jq-wasm worker did not start');
  }
  handle.ready = true; // the ready message is taken
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * The worker's message, once its signal is set: the signal can be seen a moment before the message
 * it follows is receivable on this side, so a message not there yet is waited for (until
 * `deadline`) rather than taken for a missing reply.
 */
function receiveBy(port: MessagePort, deadline: number): { message: unknown } | undefined {
  for (;;) {
    const received = receiveMessageOnPort(port);
    if (received || Date.now() > deadline) return received;
    Atomics.wait(pause, 0, 0, 1);
  }
}

function stop(handle: WorkerHandle, replace = false): void {
  handle.port.close();
  void handle.worker.terminate();
  if (current === handle) current = replace ? spawn() : undefined;
}

/**
 * Sends one program to the worker and blocks until its reply or the deadline. `--` ends the
 * options, so that a program such as `-1` is not taken for one.
 */
export function callWasm(src: string, input: string, flags: string[], timeoutMs: number): JqReply {
  const handle = (current ??= spawn());
  awaitReady(handle);
  Atomics.store(handle.signal, 0, 0);
  handle.port.postMessage({ src, input, flags: [...flags, '--'] });
  const deadline = Date.now() + timeoutMs;
  const outcome = Atomics.wait(handle.signal, 0, 0, timeoutMs);
  const message = outcome === 'timed-out' ? undefined : receiveBy(handle.port, deadline);
  if (!message) {
    stop(handle, true);
    throw new JqTimeoutError(timeoutMs);
  }
  const reply = message.message as JqReply;
  if (reply.fatal) stop(handle, true);
  return reply;
}

export function runWasm(src: string, input: unknown, vars: Record<string, unknown> | undefined, limits: Limits): unknown[] {
  const result = callWasm(src, JSON.stringify(input ?? null), ['-c', ...varFlags(vars)], limits.timeoutMs);
  if (result.exitCode !== 0) throw errorFromJq(result.exitCode, result.stderr);
  // jq-wasm's own memory is its worker's; what comes back is held to the same limit (its text).
  if (result.stdout.length > limits.maxValueBytes) throw new JqLimitError(limits.maxValueBytes, result.stdout.length, 'its outputs have a size');
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
    const message = compileMessage(result.stderr);
    const undefinedVar = UNDEFINED_VARIABLE.exec(shiftLines(message));
    if (undefinedVar?.[1]) {
      bound[undefinedVar[1]] = null;
      continue;
    }
    return ownMessage(src, bound);
  }
  return undefined;
}

/**
 * The compile error of the program as the user wrote it, so that its lines and columns are the
 * user's (inside the check's wrapper, `.a | map(` would end on a line it does not have). A
 * program that does not compile never runs; one that compiles only unwrapped (definitions
 * alone) is valid.
 */
function ownMessage(src: string, bound: Record<string, unknown>): string | undefined {
  let result;
  try {
    result = callWasm(src, 'null', ['-n', ...varFlags(bound)], CHECK_TIMEOUT_MS);
  } catch (e) {
    if (e instanceof JqTimeoutError) return undefined;
    throw e;
  }
  if (result.exitCode === 0) return undefined;
  const error = errorFromJq(result.exitCode, result.stderr);
  return error instanceof JqCompileError ? compileMessage(result.stderr) : undefined;
}

/** Undoes the one line the check wrapper adds before the program. */
function shiftLines(message: string): string {
  return message.replace(/line (\d+)/g, (_m, n: string) => `line ${Math.max(1, Number(n) - 1)}`);
}
