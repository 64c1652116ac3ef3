// The fuzz suite can fail: a lane reports a 5xx and a crash with the input that caused it, and
// shrinking replays that input alone. The server here is a stand-in written to be broken (a
// 500 on a NUL in the body, an exit on a request without credentials), so the test is fast and
// its outcome known; tests/fuzz/fuzz.test.ts runs the same lanes against `baton start`.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@baton/testkit';
import { pausedStack, type Exit } from './baton-process.ts';
import { HUNG, RecentInputs, TargetStats, runLane, shrinkFailure, type Supervised, type TargetEnv } from './lane.ts';
import { startHeartbeat } from './suite.ts';
import { restTarget } from './targets/rest.ts';
import type { HttpInput } from './wire.ts';

const OPENAPI = {
  paths: {
    '/things': { post: { requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { name: { type: 'string' } } } } } } } },
    '/things/{id}': { get: { parameters: [{ name: 'id', in: 'path', schema: { type: 'string' } }] } },
  },
};

const hasNul = (text: string) => text.includes('\u0000') || text.includes('\\u0000');

/** Answers 500 to a body holding U+0000 (raw or escaped), 400 to other bodies, 200 otherwise. */
function brokenServer(): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      res.statusCode = hasNul(body) ? 500 : body ? 400 : 200;
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  return once(server, 'listening').then(() => server);
}

/** A child process standing in for `baton start`. */
abstract class StandIn implements Supervised {
  apiUrl = '';
  fanoutUrl = '';
  generation = 0;
  readonly exits: Exit[] = [];
  protected child: ChildProcess | undefined;

  alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  abstract ensureStarted(): Promise<void>;

  stop(): void {
    this.child?.kill('SIGKILL');
  }
}

/** A process that exits on a request without an Authorization header, restarted on demand. */
class CrashingProcess extends StandIn {
  async ensureStarted(): Promise<void> {
    if (this.alive()) return;
    const port = await freePort();
    const code = `require('http').createServer((q, s) => { if (!q.headers.authorization) process.exit(3); q.resume(); q.on('end', () => { s.statusCode = 404; s.end(); }); }).listen(${port}, '127.0.0.1', () => console.log('up'));`;
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    const generation = ++this.generation;
    child.on('exit', (exitCode, signal) => this.exits.push({ code: exitCode, signal, generation }));
    this.child = child;
    await once(child.stdout!, 'data');
    this.apiUrl = `http://127.0.0.1:${port}`;
  }
}

/** A process that answers until GET /hang, after which its main thread loops for ever (spinForever); run with the inspector on. */
class HangingProcess extends StandIn {
  private stderr = '';

  async ensureStarted(): Promise<void> {
    if (this.child) return;
    this.generation = 1;
    const port = await freePort();
    const code = `require('http').createServer((q, s) => { if (q.url === '/hang') setImmediate(function spinForever() { for (;;); }); s.end('{}'); }).listen(${port}, '127.0.0.1', () => console.log('up'));`;
    const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.child = child;
    await once(child.stdout!, 'data');
    this.apiUrl = `http://127.0.0.1:${port}`;
    this.fanoutUrl = this.apiUrl;
  }

  async diagnose(): Promise<string | undefined> {
    return (await pausedStack(this.stderr, 10_000))?.join('\n');
  }
}

const envOf = (baton: Supervised): TargetEnv => ({ baton, fixtures: { 'key.admin': 'k', 'key.user': 'u', 'key.other': 'o', token: 't' }, stats: new TargetStats(), hangMs: 5_000 });

describe('fuzz lanes', () => {
  let server: Server;
  const crashing = new CrashingProcess();

  beforeAll(async () => {
    server = await brokenServer();
  });

  const hanging = new HangingProcess();

  afterAll(() => {
    server?.close();
    crashing.stop();
    hanging.stop();
  });

  it('fail on a 5xx, and shrink the request to one that still gets it', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const env = envOf({ apiUrl: url, fanoutUrl: url, generation: 1, exits: [], alive: () => true, ensureStarted: async () => undefined });
    const target = restTarget(OPENAPI);
    const result = await runLane(target, env, { numRuns: 5_000, seed: 42, timeLimitMs: 60_000, recent: new RecentInputs() });
    expect(result.failure?.message).toMatch(/^500 for (POST|GET) \/things/);
    await shrinkFailure(target, env, result.failure!, 30_000);
    expect(result.failure!.reproduced).toBe(true);
    const shrunk = result.failure!.shrunk as HttpInput;
    expect(hasNul(String(shrunk.body))).toBe(true);
    expect(JSON.stringify(shrunk).length).toBeLessThanOrEqual(JSON.stringify(result.failure!.original).length);
  }, 90_000);

  it('fail on a crash, name the input, and replay it alone on a restarted process', async () => {
    await crashing.ensureStarted();
    const env = envOf(crashing);
    const target = restTarget(OPENAPI);
    const result = await runLane(target, env, { numRuns: 2_000, seed: 7, timeLimitMs: 60_000, recent: new RecentInputs() });
    expect(result.failure?.message).toMatch(/^CRASH: the process exited \(code 3/);
    expect((result.failure!.original as HttpInput).headers.some(([name]) => name === 'authorization')).toBe(false);
    await shrinkFailure(target, env, result.failure!, 30_000);
    expect(result.failure!.reproduced).toBe(true);
    expect(crashing.exits.length).toBeGreaterThanOrEqual(2); // the replay crashed the restarted process again
  }, 90_000);

  it('stop every lane once the process hangs, with where its main thread is', async () => {
    await hanging.ensureStarted();
    const heartbeat = startHeartbeat(hanging, 2_000, () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(heartbeat.hung()).toBeUndefined();
    await fetch(`${hanging.apiUrl}/hang`);
    // hung() is set when the hang is seen, and the inspector's call stack is added to it after (up
    // to 10 s later): wait for both, or a loaded machine reads the message before its stack.
    for (let waited = 0; waited < 30_000 && !heartbeat.hung()?.includes('\n'); waited += 200) await new Promise((resolve) => setTimeout(resolve, 200));
    const hung = heartbeat.hung();
    expect(hung).toMatch(/^the process stopped answering: GET http:\/\/127\.0\.0\.1:\d+\/ready not 200 for [2-9] s/);
    expect(hung).toMatch(/spinForever/);
    const env: TargetEnv = { ...envOf(hanging), hung: heartbeat.hung };
    const result = await runLane(restTarget(OPENAPI), env, { numRuns: 100, seed: 1, timeLimitMs: 60_000, recent: new RecentInputs() });
    expect(result.failure?.message.startsWith(HUNG)).toBe(true);
    expect(env.stats.inputs).toBe(0); // stopped before sending anything to the hung process
    hanging.stop();
    expect((await heartbeat.stop()).probes).toBeGreaterThan(1);
  }, 90_000);
});
