// The system under fuzz: `baton start` (what `npm start` runs) as a child process of its own, on
// a throwaway BATON_DATA_DIR, listening on loopback only. A crash is seen as the process
// exiting; its stdout and stderr are kept to look for what Node prints when an error escapes
// every handler.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startBatonProcess } from '@baton/testkit';
import WebSocket from 'ws';

export const FUZZ_API_KEY = 'bt_fuzz_admin_key_do_not_use_0123456789';
export const FUZZ_APPROVAL_SECRET = 'fuzz-approval-secret-0123456789abcdef';
export const FUZZ_STREAM_SECRET = 'fuzz-stream-token-secret-0123456789abcdef0123';

/** What Node (or Baton's fatal handler) writes when an error escaped every handler. */
const FATAL = [/uncaughtException/i, /unhandledRejection/i, /Unhandled promise rejection/i, /UnhandledPromiseRejection/, /^\s*at .+:\d+:\d+\)?\s*$/m, /"level":60/, /FATAL ERROR/, /JavaScript heap out of memory/];

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The process generation that exited (1 for the first start). */
  generation: number;
}

export class BatonProcess {
  apiUrl = '';
  fanoutUrl = '';
  /** Increments at every (re)start: lanes notice that the process they talked to has gone. */
  generation = 0;
  readonly exits: Exit[] = [];
  private child: ChildProcess | undefined;
  /** The output of the processes before the current one (a crash's is kept). */
  private earlier = '';
  private current: () => string = () => '';
  private starting: Promise<void> | undefined;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'baton-fuzz-'));

  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  /** True while the current process runs (no exit seen). */
  alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process, or restarts it after a crash (same data folder: the state survives). */
  async ensureStarted(): Promise<void> {
    if (this.alive()) return;
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Lines of the output that only an escaped error produces (empty when healthy). */
  fatalLines(): string[] {
    const lines = this.output().split('\n');
    return lines.filter((line) => FATAL.some((pattern) => pattern.test(line))).slice(0, 20);
  }

  /** Structured log lines at level error (50) or above, for the summary. */
  errorLogLines(): string[] {
    return this.output().split('\n').filter((line) => /"level":(5\d|6\d)/.test(line));
  }

  tail(chars = 4000): string {
    return this.output().slice(-chars);
  }

  private output(): string {
    return this.earlier + this.current();
  }

  /** SIGTERM, and the exit code of a clean shutdown (0) or what happened instead. */
  async stop(timeoutMs = 20_000): Promise<{ code: number | null; signal: string | null; timedOut: boolean }> {
    const child = this.child;
    if (!child || !this.alive()) return { code: child?.exitCode ?? null, signal: child?.signalCode ?? null, timedOut: false };
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    child.kill('SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
    const result = await Promise.race([exited, timer]);
    if (result === 'timeout') {
      child.kill('SIGKILL');
      await exited;
      return { code: null, signal: 'SIGKILL', timedOut: true };
    }
    return { code: result[0], signal: result[1], timedOut: false };
  }

  /**
   * What the process's main thread is doing, for a process that stopped answering: the process
   * runs with the inspector on a loopback port (--inspect=127.0.0.1:0), which pauses the main
   * thread even inside a loop that never yields (the inspector has a thread of its own), and the
   * paused call stack is returned with the last lines of the output. Undefined when no stack
   * came within 10 s (the process is gone, or blocked outside JavaScript).
   */
  async diagnose(): Promise<string | undefined> {
    if (!this.alive()) return undefined;
    const stack = await pausedStack(this.current(), 10_000);
    return stack && `main thread's call stack (paused by the inspector):\n  ${stack.join('\n  ')}\noutput tail: ${this.tail(1500)}`;
  }

  /** Kills whatever still runs and removes the data folder. */
  async dispose(): Promise<void> {
    if (this.alive()) {
      const exited = once(this.child!, 'exit');
      this.child!.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async start(): Promise<void> {
    const apiPort = await freePort();
    const fanoutPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BATON_DATA_DIR: this.dataDir,
      BATON_API_KEY: FUZZ_API_KEY,
      BATON_APPROVAL_SECRET: FUZZ_APPROVAL_SECRET,
      BATON_STREAM_TOKEN_SECRET: FUZZ_STREAM_SECRET,
      ORCHESTRATOR_HOST: '127.0.0.1',
      ORCHESTRATOR_PORT: String(apiPort),
      FANOUT_HOST: '127.0.0.1',
      FANOUT_PORT: String(fanoutPort),
      // `wait` of POST /api/v1/runs is capped, so no request legitimately takes long.
      BATON_MAX_WAIT: 'PT2S',
      // Belt and braces: generated documents are never run when they call out, and even so no
      // call may leave the machine (outbound address policy of the http-worker).
      HTTP_WORKER_DENY_CIDRS: '0.0.0.0/0,::/0',
      HTTP_WORKER_ALLOW_CIDRS: '127.0.0.0/8',
      LOG_LEVEL: 'warn',
      ...this.extraEnv,
    };
    for (const name of ['DB_HOST', 'REDIS_URL', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'BATON_PUBLIC_URL']) delete env[name];
    this.earlier = this.output();
    // testkit's start kills the process should the fuzzer itself die: no orphan keeps a core busy.
    // The inspector, on loopback, so that a hung process can say where it is (diagnose()).
    const started = await startBatonProcess({ env, readyTimeoutMs: 120_000, nodeArgs: ['--inspect=127.0.0.1:0'] });
    const child = started.child;
    this.child = child;
    this.current = started.output;
    const generation = ++this.generation;
    child.on('exit', (code, signal) => this.exits.push({ code, signal, generation }));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (!this.alive()) throw new Error(`baton start exited during startup: ${this.tail()}`);
      if ((await this.answers(`http://127.0.0.1:${apiPort}/health`)) && (await this.answers(`http://127.0.0.1:${fanoutPort}/health`))) {
        this.apiUrl = `http://127.0.0.1:${apiPort}`;
        this.fanoutUrl = `http://127.0.0.1:${fanoutPort}`;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGKILL');
    throw new Error(`baton start did not answer /health within 60 s: ${this.tail()}`);
  }

  private async answers(url: string): Promise<boolean> {
    try {
      return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).status === 200;
    } catch {
      return false;
    }
  }
}

/**
 * Connects to the Node inspector a process announced in its output (`Debugger listening on
 * ws://…`), pauses the main thread and returns the paused call stack, innermost first
 * (`function url:line:column`), then lets it run again. Undefined without an inspector.
 */
export async function pausedStack(output: string, timeoutMs: number): Promise<string[] | undefined> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
  if (!url) return undefined;
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    const finish = (stack: string[] | undefined) => {
      clearTimeout(timer);
      resolve(stack);
      if (stack && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id: 3, method: 'Debugger.resume' }), () => socket.close());
      else socket.terminate();
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.on('error', () => finish(undefined));
    socket.on('open', () => {
      socket.send(JSON.stringify({ id: 1, method: 'Debugger.enable' }));
      socket.send(JSON.stringify({ id: 2, method: 'Debugger.pause' }));
    });
    // A frame's url is empty for code a loader compiled (tsx): the script's own url comes with Debugger.enable.
    const scripts = new Map<string, string>();
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { method?: string; params?: { scriptId?: string; url?: string; callFrames?: Array<{ functionName: string; url: string; location: { scriptId: string; lineNumber: number; columnNumber: number } }> } };
      if (message.method === 'Debugger.scriptParsed' && message.params?.scriptId) scripts.set(message.params.scriptId, message.params.url ?? '');
      if (message.method !== 'Debugger.paused') return;
      finish((message.params?.callFrames ?? []).slice(0, 30).map((f) => `${f.functionName || '(anonymous)'} ${f.url || scripts.get(f.location.scriptId) || '?'}:${f.location.lineNumber + 1}:${f.location.columnNumber + 1}`));
    });
  });
}
