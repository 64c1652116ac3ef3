import { describe, expect, it } from 'vitest';
import { BatonApiError, BatonConnectionError, problemFromResponse } from './errors.ts';

describe('problemFromResponse', () => {
  it('keeps a problem document as sent, extensions included', () => {
    const body = { type: 'https://baton.dev/problems/invalid-workflow', title: 'Unprocessable Content', status: 422, detail: 'bad', problems: [{ path: '/do/0', message: 'unknown task' }], runStatus: 'x' };
    const problem = problemFromResponse(422, 'Unprocessable Entity', body, JSON.stringify(body));
    expect(problem).toEqual(body);
    const error = new BatonApiError(problem);
    expect(error.status).toBe(422);
    expect(error.type).toBe(body.type);
    expect(error.problems).toEqual([{ path: '/do/0', message: 'unknown task' }]);
    expect(error.message).toBe('Unprocessable Content: bad');
  });

  it('builds a problem from the status line when the body is not one', () => {
    const problem = problemFromResponse(502, 'Bad Gateway', undefined, '<html>\n  <body>upstream   down</body></html>');
    expect(problem).toEqual({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: '<html> <body>upstream down</body></html>' });
    expect(problemFromResponse(503, '', undefined, '')).toEqual({ type: 'about:blank', title: 'HTTP 503', status: 503 });
  });

  it('defaults a missing type to about:blank (RFC 9457 §4.2.1)', () => {
    expect(problemFromResponse(404, 'Not Found', { title: 'Not Found', status: 404 }, '').type).toBe('about:blank');
  });

  it('an error without problems lists none', () => {
    expect(new BatonApiError({ type: 'about:blank', title: 'Not Found', status: 404 }).problems).toEqual([]);
  });
});

describe('BatonConnectionError', () => {
  it('finds the system error code under fetch failed', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const error = new BatonConnectionError('http://localhost:1', new TypeError('fetch failed', { cause }));
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.refused).toBe(true);
    expect(error.message).toContain('http://localhost:1');
    expect(error.reason).toBe('connect ECONNREFUSED 127.0.0.1:1');
  });

  it('finds it inside an AggregateError (IPv4 and IPv6 both refused)', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED ::1:1'), { code: 'ECONNREFUSED' });
    const cause = Object.assign(new AggregateError([inner], ''), { code: undefined });
    expect(new BatonConnectionError('http://localhost:1', new TypeError('fetch failed', { cause })).refused).toBe(true);
  });

  it('has no code for an error without one', () => {
    const error = new BatonConnectionError('http://x', new Error('boom'));
    expect(error.code).toBeUndefined();
    expect(error.refused).toBe(false);
  });
});
