// `baton start` (what `npm start` runs) as a child process, as a user runs it: the all-in-one
// process on PGlite and the in-process bus, or on PostgreSQL and Redis when the environment names
// them. Ready when it prints its banner; stopped with SIGTERM like Ctrl-C. A test process that
// ends without stopping it (a timeout, a crash) kills it on its way out: no orphan keeps a port,
// a data folder and a core busy.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = 'apps/cli/bin/baton.mjs';

export interface BatonProcessOptions {
  /** The whole environment of the process (start from process.env and override). */
  env: NodeJS.ProcessEnv;
  /** Arguments for node before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** How long it may take to print its banner. Default 90 s (a loaded machine). */
  readyTimeoutMs?: number;
}

export interface BatonProcess {
  readonly child: ChildProcess;
  /** Everything it wrote on stdout and stderr so far. */
  output(): string;
  /** SIGTERM (Ctrl-C), then its exit code; SIGKILL and an error if it has not exited after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<number | null>;
}

const running = new Set<ChildProcess>();
let exitHook = false;

export async function startBatonProcess(options: BatonProcessOptions): Promise<BatonProcess> {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const child of running) child.kill('SIGKILL');
    });
  }
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, 'start'], { cwd: ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  while (!output.includes('Baton is running')) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`baton start exited (${child.exitCode ?? child.signalCode}): ${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`baton start did not come up: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    output: () => output,
    async stop(timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit') as Promise<[number | null]>;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
      const result = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (result === 'late') {
        child.kill('SIGKILL');
        throw new Error(`baton did not stop within ${timeoutMs} ms of SIGTERM: ${output.slice(-2000)}`);
      }
      return result[0];
    },
  };
}
