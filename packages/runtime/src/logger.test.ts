import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createLogger, maskSecretsInLogs, turnBufferedDestination } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe('log masking', () => {
  it('masks every loaded secret by value, in messages, fields and errors, also in loggers made before', () => {
    const { lines, stream } = capture();
    const logger = createLogger('test', 'info', stream);
    maskSecretsInLogs({ DEMO: 'demo-secret-"quoted"', DB: { username: 'svc', password: 'db-password-1' } });
    logger.info({ detail: 'server said demo-secret-"quoted"', nested: { echo: ['db-password-1'] } }, 'got demo-secret-"quoted"');
    logger.error({ err: new Error('failed with db-password-1') }, 'boom');
    logger.info({ authorization: 'Bearer xyz' }, 'plain line');
    const text = lines.join('');
    expect(text).not.toContain('demo-secret');
    expect(text).not.toContain('db-password-1');
    expect(text.match(/\*\*\*/g)?.length).toBe(5); // detail, echo, msg, err.message, err.stack
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['got ***', 'boom', 'plain line']);
    expect(JSON.parse(lines[2]!).authorization).toBe('[redacted]');
  });
});

describe('turn-buffered log destination', () => {
  function sink() {
    const writes: string[] = [];
    return { writes, write: (text: string) => writes.push(text) };
  }

  it('writes the lines of one turn of the event loop in one write, in order, and the next turn in another', async () => {
    const target = sink();
    const logger = createLogger('test', 'info', turnBufferedDestination(target));
    for (let i = 0; i < 50; i += 1) logger.info({ i }, 'line');
    expect(target.writes).toEqual([]); // nothing yet: written at the turn's check phase
    await nextTurn();
    expect(target.writes).toHaveLength(1);
    expect(target.writes[0]!.trimEnd().split('\n').map((line) => JSON.parse(line).i)).toEqual([...Array(50).keys()]);
    logger.warn('later');
    await nextTurn();
    expect(target.writes).toHaveLength(2);
    expect(JSON.parse(target.writes[1]!).msg).toBe('later');
  });

  it('writes at once what reaches the bound within a turn, and what is pending when the logger is flushed', async () => {
    const target = sink();
    const destination = turnBufferedDestination(target);
    const logger = createLogger('test', 'info', destination);
    const big = 'x'.repeat(1000);
    for (let i = 0; i < 100; i += 1) logger.info({ big, i }, 'big');
    expect(target.writes.length).toBeGreaterThan(0); // ~100 KB in one turn: not held to its end
    logger.info('last');
    let flushed = false;
    logger.flush(() => (flushed = true)); // pino's flush reaches the destination's, callback and all
    expect(flushed).toBe(true);
    const lines = target.writes.join('').trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.i ?? line.msg)).toEqual([...[...Array(100).keys()], 'last']);
    const before = target.writes.length;
    await nextTurn(); // the turn's scheduled write finds nothing left
    expect(target.writes).toHaveLength(before);
  });

  /** node's arguments for a process that runs `lines` with `logger`, a logger made without a destination of its own. */
  const withLogger = (lines: string[]) => [
    '--import',
    'tsx',
    '--input-type=module',
    '-e',
    ["import { createLogger } from './packages/runtime/src/logger.ts';", "const logger = createLogger('child', 'info');", ...lines].join('\n'),
  ];
  const ROOT = new URL('../../..', import.meta.url);

  it('is what a logger without a destination of its own writes to stdout through, flushed when the process exits, and unbuffered then', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = withLogger(["process.on('exit', () => logger.warn('from a later exit handler'));", "logger.info('first'); logger.fatal('last before exit'); process.exit(3);"]);
    const child = spawnSync(process.execPath, script, { cwd: ROOT, encoding: 'utf8' });
    expect(child.status).toBe(3);
    expect(child.stdout.trimEnd().split('\n').map((line) => JSON.parse(line).msg)).toEqual(['first', 'last before exit', 'from a later exit handler']);
  });

  it('keeps serving while nothing reads its stdout: the lines wait in memory, not the event loop', async () => {
    const { spawn } = await import('node:child_process');
    const script = withLogger([
      "const big = 'x'.repeat(1000);",
      // ~4 MB over 40 turns: far past what a pipe holds (64 KB) when its reader never reads
      "for (let turn = 0; turn < 40; turn += 1) { for (let i = 0; i < 100; i += 1) logger.info({ big, turn, i }, 'line'); await new Promise((r) => setImmediate(r)); }",
      "setTimeout(() => process.stderr.write('alive'), 10);",
    ]);
    const child = spawn(process.execPath, script, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pause(); // its reader stalls: nothing is read from the pipe
    try {
      const alive = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 20_000);
        child.stderr.on('data', (chunk: Buffer) => {
          if (String(chunk).includes('alive')) {
            clearTimeout(timer);
            resolve(true);
          }
        });
      });
      expect(alive).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
