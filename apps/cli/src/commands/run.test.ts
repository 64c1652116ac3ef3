import { describe, expect, it } from 'vitest';
import { UsageError } from '../api/args.ts';
import { listQuery } from './runs.ts';
import { DEFAULT_WAIT_MS, exitCodeOf, normalizeWaitFlag, parseTarget, priorityOf, readInput, waitMsOf } from './run.ts';

describe('parseTarget', () => {
  it('reads NAMESPACE/NAME and an optional @VERSION', () => {
    expect(parseTarget('demo/hello')).toEqual({ namespace: 'demo', name: 'hello' });
    expect(parseTarget('demo/hello@1.2.0')).toEqual({ namespace: 'demo', name: 'hello', version: '1.2.0' });
  });

  it.each(['hello', 'demo/', '/hello', 'a/b/c', 'demo/hello@', 'demo/hello@1@2', 'de mo/hello'])('rejects %j', (text) =>
    expect(() => parseTarget(text)).toThrow(UsageError),
  );
});

describe('--wait with an optional duration', () => {
  const waitOf = (args: string[]) => {
    const normalized = normalizeWaitFlag(args);
    const i = normalized.findIndex((a) => a.startsWith('--wait'));
    const flag = normalized[i]!;
    return { normalized, ms: waitMsOf(flag.includes('=') ? flag.slice('--wait='.length) : normalized[i + 1]) };
  };

  it('takes the next argument when it is a duration', () => {
    expect(waitOf(['demo/x', '--wait', '30s']).ms).toBe(30_000);
    expect(waitOf(['demo/x', '--wait', 'PT1M']).ms).toBe(60_000);
    expect(waitOf(['demo/x', '--wait=2m']).ms).toBe(120_000);
  });

  it('uses the default when no duration follows', () => {
    expect(waitOf(['demo/x', '--wait']).ms).toBe(DEFAULT_WAIT_MS);
    expect(waitOf(['--wait', 'demo/x']).normalized[1]).toBe('demo/x');
    expect(waitOf(['--wait', 'demo/x']).ms).toBe(DEFAULT_WAIT_MS);
    expect(waitOf(['demo/x', '--wait', '--input', '{}']).ms).toBe(DEFAULT_WAIT_MS);
  });

  it('rejects a bad or zero duration', () => {
    expect(() => waitMsOf('soon')).toThrow(/--wait: "soon" is not a duration/);
    expect(() => waitMsOf('0s')).toThrow(UsageError);
    expect(waitMsOf(undefined)).toBeUndefined();
  });
});

describe('readInput', () => {
  it('parses inline JSON or stdin, and leaves the input out when none is given', async () => {
    expect(await readInput('{"a":1}', undefined)).toEqual({ a: 1 });
    expect(await readInput(undefined, '-', async () => '[1,2]')).toEqual([1, 2]);
    expect(await readInput(undefined, undefined)).toBeUndefined();
  });

  it('names the problem', async () => {
    await expect(readInput('{a:1}', undefined)).rejects.toThrow(/--input: not valid JSON/);
    await expect(readInput('{}', 'f.json')).rejects.toThrow('give --input or --input-file, not both');
    await expect(readInput(undefined, '/nonexistent/input.json')).rejects.toThrow('--input-file /nonexistent/input.json: no such file');
  });
});

describe('runs list query', () => {
  it('maps flags to the query and checks them', () => {
    expect(listQuery({ status: 'running', namespace: 'demo', name: 'hello', limit: '10' })).toEqual({ status: 'running', namespace: 'demo', name: 'hello', limit: 10 });
    expect(() => listQuery({ status: 'done' })).toThrow(/--status must be one of pending, running/);
    expect(() => listQuery({ all: true, cursor: 'c' })).toThrow('give --cursor or --all, not both');
    expect(() => listQuery({ limit: 'ten' })).toThrow(UsageError);
  });
});

describe('exit codes of a waited run', () => {
  it('0 completed, 1 faulted or cancelled, 3 not finished', () => {
    expect(['completed', 'faulted', 'cancelled', 'running', 'waiting', 'pending'].map((status) => exitCodeOf({ status }))).toEqual([0, 1, 1, 3, 3, 3]);
  });
});

describe('--priority', () => {
  it('takes an integer, negative or positive', () => {
    expect(priorityOf('10')).toBe(10);
    expect(priorityOf('-5')).toBe(-5);
    expect(priorityOf('+3')).toBe(3);
  });

  it.each(['', 'high', '1.5', '1e3', '99999999'])('rejects %j', (text) => expect(() => priorityOf(text)).toThrow(UsageError));
});
