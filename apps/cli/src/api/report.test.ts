import { BatonApiError, BatonConnectionError } from '@baton/sdk';
import { describe, expect, it } from 'vitest';
import { UsageError } from './args.ts';
import { describeFailure, runApiCommand } from './report.ts';

describe('describeFailure', () => {
  it('says how to start Baton when nothing listens', () => {
    const refused = new BatonConnectionError('http://localhost:8081', Object.assign(new Error('x'), { code: 'ECONNREFUSED' }));
    expect(describeFailure(refused)).toBe('baton: cannot reach Baton at http://localhost:8081 — is it running? (npm start)\n');
  });

  it('prints the problem title, detail and status, then the problem list', () => {
    const invalid = new BatonApiError({
      type: 'https://baton.dev/problems/invalid-workflow',
      title: 'Unprocessable Content',
      status: 422,
      detail: 'the workflow is invalid',
      problems: [{ path: '/do/0/x', message: 'unknown task' }, { path: '', message: 'no document' }],
    });
    expect(describeFailure(invalid)).toBe('baton: Unprocessable Content: the workflow is invalid (HTTP 422)\n  /do/0/x: unknown task\n  (root): no document\n');
  });

  it('tells where to find a key on 401', () => {
    expect(describeFailure(new BatonApiError({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'missing Authorization header' }))).toMatch(/BATON_API_KEY/);
  });
});

describe('runApiCommand', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
  };

  it('exits 2 with the usage on a usage error, 1 on a failure', async () => {
    const a = io();
    expect(await runApiCommand('USAGE\n', a.io, async () => Promise.reject(new UsageError('missing ID')))).toBe(2);
    expect(a.err.join('')).toBe('baton: missing ID\n\nUSAGE\n');
    const b = io();
    expect(await runApiCommand('USAGE\n', b.io, async () => Promise.reject(new Error('disk full')))).toBe(1);
    expect(b.err.join('')).toBe('baton: disk full\n');
  });
});
