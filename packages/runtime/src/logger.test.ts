import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskSecretsInLogs } from './logger.ts';

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
