// A Redis server of the test's own (not the machine's shared one), so that it can be SIGKILLed,
// restarted from its append-only file and wiped without touching anybody else's keys: the chaos
// harness needs all three. Persistence is AOF only (`appendfsync everysec` by default, as in the
// deployment's compose file), in a throwaway directory removed by stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './cluster.ts';

export interface RedisServerOptions {
  /** `always`, `everysec` (default) or `no`. */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** The executable (default `redis-server` on the PATH, or REDIS_SERVER_BIN). */
  binary?: string;
}

export interface RedisServer {
  url: string;
  port: number;
  /** The data directory (the AOF lives in its appendonlydir). */
  dir: string;
  running(): boolean;
  /** The server's process id while it runs (to kill it from a signal handler). */
  pid(): number | undefined;
  /** SIGKILL the server (nothing is flushed beyond what `appendfsync` already wrote). */
  kill(): Promise<void>;
  /** Start it again on the same port and directory: it loads its AOF before it answers. */
  restart(): Promise<void>;
  /** FLUSHALL through a connection of its own (logged to the AOF: a restart does not bring keys back). */
  flushAll(): Promise<void>;
  /** Stop it and remove its directory. */
  stop(): Promise<void>;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'baton-redis-'));
  const binary = options.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--appendonly', 'yes', '--appendfsync', options.appendfsync ?? 'everysec',
    // AOF is the only persistence (no RDB snapshots), and a tail cut by SIGKILL is loaded, not refused.
    '--save', '', '--aof-load-truncated', 'yes', '--daemonize', 'no', '--loglevel', 'warning',
  ];
  let child: ChildProcess | undefined;
  const output: string[] = [];
  const url = `redis://127.0.0.1:${port}`;
  const isUp = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  const launch = async () => {
    const started = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    const keep = (chunk: Buffer) => {
      output.push(...chunk.toString().split('\n').filter(Boolean));
      if (output.length > 50) output.splice(0, output.length - 50);
    };
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    const spawnFailed = new Promise<never>((_, reject) => started.once('error', reject));
    await Promise.race([waitForPing(url, () => started.exitCode !== null, output), spawnFailed]);
  };

  await launch();
  return {
    url,
    port,
    dir,
    running: isUp,
    pid: () => (isUp() ? child?.pid : undefined),
    async kill() {
      if (!child || !isUp()) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
    async restart() {
      if (isUp()) throw new Error('redis-server is still running');
      await launch();
    },
    async flushAll() {
      const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
      try {
        await client.flushall();
      } finally {
        client.disconnect();
      }
    },
    async stop() {
      if (child && isUp()) {
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Until the server answers PING (it answers LOADING while it replays a large AOF). */
async function waitForPing(url: string, exited: () => boolean, output: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`redis-server exited:\n${output.join('\n')}`);
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not listening yet, or still loading its AOF
    } finally {
      client.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not answer within ${timeoutMs} ms:\n${output.join('\n')}`);
}
