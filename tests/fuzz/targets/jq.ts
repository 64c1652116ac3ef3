// jq expressions through the real engine with the interpreter's limits (250 ms, 16 MiB), in a
// child process (jq-engine.ts). Fails when the engine throws anything but its documented errors
// (compile, runtime, timeout, value limit), when an evaluation outlives its time limit by far
// (a hang: more than 3 s), or when the engine's process dies.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jqCase, type JqInput } from '../gen/jq.ts';
import type { Target } from '../lane.ts';
import type { JqReply, JqRequest } from '../jq-engine.ts';

/** An evaluation limited to 250 ms that takes longer than this was not stopped by its limit. */
export const JQ_HANG_MS = 3_000;

class EngineProcess {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private next = 1;
  private pending = new Map<number, (reply: JqReply | { exit: string }) => void>();
  exits = 0;

  async evaluate(request: Omit<JqRequest, 'id'>, hangMs: number): Promise<JqReply | { exit: string } | { hang: true }> {
    await this.start();
    const id = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.kill();
        resolve({ hang: true });
      }, hangMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.child!.send({ ...request, id });
    });
  }

  kill(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
    this.ready = undefined;
  }

  private start(): Promise<void> {
    this.ready ??= new Promise((resolve, reject) => {
      const child = fork(fileURLToPath(new URL('../jq-engine.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx', '--max-old-space-size=2048'], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
      this.child = child;
      // A send to a process that just died (killed after a hang) is reported here; its exit settles the evaluation.
      child.on('error', () => undefined);
      child.once('message', () => resolve());
      child.on('message', (reply: JqReply) => {
        this.pending.get(reply.id)?.(reply);
        this.pending.delete(reply.id);
      });
      child.on('exit', (code, signal) => {
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
        }
        this.exits++;
        for (const settle of this.pending.values()) settle({ exit: `the jq engine's process exited (code ${code}, signal ${signal}): ${stderr.slice(-1500)}` });
        this.pending.clear();
        reject(new Error(`the jq engine's process exited during startup: ${stderr}`));
      });
    });
    return this.ready;
  }
}

export function jqTarget(): Target<JqInput> & { engine: EngineProcess } {
  const engine = new EngineProcess();
  return {
    name: 'jq',
    arbitrary: jqCase,
    engine,
    async dispose() {
      engine.kill();
    },
    async run(input, env) {
      const reply = await engine.evaluate(input, Math.min(env.hangMs, JQ_HANG_MS));
      env.stats.sent++;
      if ('hang' in reply) {
        env.stats.count('hang');
        return `HANG: the jq engine did not answer within ${JQ_HANG_MS} ms (its limit is 250 ms)`;
      }
      if ('exit' in reply) {
        env.stats.count('crash');
        return `CRASH: ${reply.exit}`;
      }
      env.stats.count(reply.outcome);
      env.stats.maxMs = Math.max(env.stats.maxMs, reply.ms);
      if (reply.outcome === 'unexpected') return `the jq engine threw an undocumented error (${reply.engine ?? 'compile'}): ${reply.error}`;
      if (reply.ms > JQ_HANG_MS) return `HANG: the evaluation took ${Math.round(reply.ms)} ms under a 250 ms limit (${reply.engine}, ${reply.outcome})`;
      return undefined;
    },
  };
}
