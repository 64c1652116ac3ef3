import { describe, expect, it } from 'vitest';
import { formatTraceparent, parseTraceparent, rootRunId, runTrace } from './ids.ts';

const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('parses the W3C form and formats it back', () => {
    expect(parseTraceparent(CALLER)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
    expect(formatTraceparent(parseTraceparent(CALLER)!)).toBe(CALLER);
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.sampled).toBe(false);
    // A later version may carry more fields.
    expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra')?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('ignores what is not one', () => {
    for (const bad of [undefined, '', 'nope', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', `${CALLER}-x`]) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
  });
});

describe('runTrace', () => {
  it('derives the same ids from a run id, wherever it is computed', () => {
    const a = runTrace('0199a1b2-run');
    expect(a).toEqual(runTrace('0199a1b2-run'));
    expect(a.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.span).toEqual({ traceId: a.traceId, spanId: expect.stringMatching(/^[0-9a-f]{16}$/), sampled: true });
    expect(a.parent).toBeUndefined();
    expect(runTrace('another').traceId).not.toBe(a.traceId);
  });

  it("continues the caller's trace, under the caller's span, with its sampling decision", () => {
    const run = runTrace('r1', CALLER);
    expect(run.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(run.parent).toEqual(parseTraceparent(CALLER));
    expect(runTrace('r1', CALLER.replace(/-01$/, '-00')).span.sampled).toBe(false);
    expect(runTrace('r1', 'garbage')).toEqual(runTrace('r1'));
  });

  it("puts a child run in its top-level run's trace, under its parent run's span", () => {
    const parent = runTrace('r1.e3', CALLER);
    const child = runTrace('r1.e3.e7', CALLER);
    expect(rootRunId('r1.e3.e7')).toBe('r1');
    expect(child.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(child.parent).toEqual(parent.span);
    expect(child.span.spanId).not.toBe(parent.span.spanId);
  });
});
