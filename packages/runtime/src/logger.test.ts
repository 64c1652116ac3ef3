import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { bufferedLogDestination, createLogger, DEFAULT_LOG_FLUSH_MS, logFlushMs, maskSecretsInLogs } from './logger.ts';

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

describe('buffered log destination', () => {
  function sink() {
    const writes: string[] = [];
    return { writes, write: (text: string) => writes.push(text) };
  }
  const linesOf = (text: string) => text.trimEnd().split('\n').map((line) => JSON.parse(line));

  it('writes the lines of a window in one write, in order, once the window is over', async () => {
    const target = sink();
    const logger = createLogger('test', 'info', bufferedLogDestination(target, 50));
    for (let i = 0; i < 30; i += 1) logger.info({ i }, 'line');
    await nextTurn();
    for (let i = 30; i < 50; i += 1) logger.info({ i }, 'line'); // a later turn, the same window
    await nextTurn();
    expect(target.writes).toEqual([]); // held until the window's end, not the turn's
    await sleep(80); // a timer due at 50 ms runs before one due at 80
    expect(target.writes).toHaveLength(1);
    expect(linesOf(target.writes[0]!).map((line) => line.i)).toEqual([...Array(50).keys()]);
    logger.warn('later');
    await sleep(80);
    expect(target.writes).toHaveLength(2);
    expect(linesOf(target.writes[1]!)[0].msg).toBe('later');
  });

  it('with a window of 0, writes the lines of one turn of the event loop in one write, and the next turn in another', async () => {
    const target = sink();
    const logger = createLogger('test', 'info', bufferedLogDestination(target, 0));
    for (let i = 0; i < 50; i += 1) logger.info({ i }, 'line');
    expect(target.writes).toEqual([]); // nothing yet: written at the turn's check phase
    await nextTurn();
    expect(target.writes).toHaveLength(1);
    expect(linesOf(target.writes[0]!).map((line) => line.i)).toEqual([...Array(50).keys()]);
    logger.warn('later');
    await nextTurn();
    expect(target.writes).toHaveLength(2);
  });

  it('writes at once what reaches the bound within a window, and what is pending when the logger is flushed', async () => {
    const target = sink();
    const logger = createLogger('test', 'info', bufferedLogDestination(target, 60_000));
    const big = 'x'.repeat(1000);
    for (let i = 0; i < 100; i += 1) logger.info({ big, i }, 'big');
    expect(target.writes.length).toBeGreaterThan(0); // ~100 KB: not held to the window's end
    logger.info('last');
    let flushed = false;
    logger.flush(() => (flushed = true)); // pino's flush reaches the destination's, callback and all
    expect(flushed).toBe(true);
    expect(linesOf(target.writes.join('')).map((line) => line.i ?? line.msg)).toEqual([...[...Array(100).keys()], 'last']);
  });

  it('reads its window from LOG_FLUSH_MS and refuses one that is not a whole number of milliseconds up to a minute', () => {
    expect(logFlushMs(undefined)).toBe(DEFAULT_LOG_FLUSH_MS);
    expect(logFlushMs('')).toBe(DEFAULT_LOG_FLUSH_MS);
    expect(logFlushMs('0')).toBe(0);
    expect(logFlushMs('250')).toBe(250);
    for (const bad of ['-1', '1.5', 'fast', '60001']) expect(() => logFlushMs(bad)).toThrow(/LOG_FLUSH_MS must be a whole number of milliseconds from 0 to 60000/);
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

  it('does not hold a process that has nothing left to do: it ends, and its pending lines are written as it exits', async () => {
    const { spawnSync } = await import('node:child_process');
    const child = spawnSync(process.execPath, withLogger(["logger.info('the one line');"]), { cwd: ROOT, encoding: 'utf8', timeout: 20_000, env: { ...process.env, LOG_FLUSH_MS: '60000' } });
    expect(child.status).toBe(0);
    expect(child.stdout.trimEnd().split('\n').map((line) => JSON.parse(line).msg)).toEqual(['the one line']);
  });

  it('writes a live process\'s lines when the window is over, without waiting for anything else', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, withLogger(["logger.info('while alive');", 'setInterval(() => {}, 1000);']), { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_FLUSH_MS: '200' } });
    try {
      const line = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(String(chunk))));
      expect(JSON.parse(line).msg).toBe('while alive');
    } finally {
      child.kill('SIGKILL');
    }
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
