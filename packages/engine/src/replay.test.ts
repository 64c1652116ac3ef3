// The replay ledger's matching (replay.ts): by (kind, reference, canonical payload), never by
// effect id; each entry taken once, in the original's order.
import type { Effect, ReplayedAttempt, ReplayEntry } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@baton/core';
import { markReplayed, ReplayLedger, replayEffect, taskMatch } from './replay.ts';

const ORIGINAL = 'orig';
const RUN = 'reset';
const http = (id: string, reference: string, payload: unknown): Effect => ({ kind: 'task', id, taskKind: 'http', reference, name: 'x', payload });
const entry = (ord: number, reference: string, payload: unknown, outcome: ReplayEntry['outcome'], source = `${ORIGINAL}:e${ord + 1}`): ReplayEntry => ({
  runId: RUN,
  ord,
  kind: 'task',
  reference,
  match: canonicalJson(payload),
  sourceAttemptId: source,
  ...(outcome && { outcome }),
});
const ok = (result: unknown) => ({ status: 'completed' as const, result });
const boom = { status: 'failed' as const, error: { type: 'https://example.com/down', status: 503, title: 'down' } };

describe('replay ledger', () => {
  it('a retried task gets its recorded failure, then its recorded success (the original order)', () => {
    const payload = { method: 'get', endpoint: 'http://x/charge' };
    const ledger = new ReplayLedger(RUN, ORIGINAL, [entry(1, '/do/0/t/try/0/c', payload, ok({ paid: true })), entry(0, '/do/0/t/try/0/c', payload, boom)]);
    const replayed: ReplayedAttempt[] = [];
    const first = replayEffect(ledger, http('e7', '/do/0/t/try/0/c', payload), RUN, replayed);
    const second = replayEffect(ledger, http('e9', '/do/0/t/try/0/c', payload), RUN, replayed);
    expect(first?.input).toEqual({ type: 'task.failed', effectId: 'e7', error: boom.error });
    expect(second?.input).toEqual({ type: 'task.completed', effectId: 'e9', output: { paid: true } });
    expect(replayEffect(ledger, http('e11', '/do/0/t/try/0/c', payload), RUN, replayed)).toBeUndefined(); // a third attempt runs
    expect(replayed.map((a) => [a.id, a.outcome.status, a.replayedFrom])).toEqual([
      ['reset:e7', 'failed', 'orig:e1'],
      ['reset:e9', 'completed', 'orig:e2'],
    ]);
    expect(ledger.consumed).toEqual([
      { runId: RUN, ord: 0, by: 'reset:e7' },
      { runId: RUN, ord: 1, by: 'reset:e9' },
    ]);
  });

  it('for loops: each iteration takes the entry of its own payload; equal payloads go in order', () => {
    const ref = '/do/0/each/do/0/get';
    const ledger = new ReplayLedger(RUN, ORIGINAL, [entry(0, ref, { id: 1 }, ok('one')), entry(1, ref, { id: 2 }, ok('two')), entry(2, ref, { id: 1 }, ok('one again'))]);
    const replayed: ReplayedAttempt[] = [];
    expect(replayEffect(ledger, http('e3', ref, { id: 2 }), RUN, replayed)?.input).toMatchObject({ output: 'two' });
    expect(replayEffect(ledger, http('e4', ref, { id: 1 }), RUN, replayed)?.input).toMatchObject({ output: 'one' });
    expect(replayEffect(ledger, http('e5', ref, { id: 1 }), RUN, replayed)?.input).toMatchObject({ output: 'one again' });
    expect(replayEffect(ledger, http('e6', ref, { id: 3 }), RUN, replayed)).toBeUndefined();
  });

  it('forks: effects decided in another order than the original (other ids) still take their own outcome', () => {
    const ledger = new ReplayLedger(RUN, ORIGINAL, [entry(0, '/do/0/f/fork/branches/0/a', { q: 'a' }, ok('A')), entry(1, '/do/0/f/fork/branches/1/b', { q: 'b' }, ok('B'))]);
    const replayed: ReplayedAttempt[] = [];
    // The reset run decides branch b first, with the effect id the original gave branch a.
    expect(replayEffect(ledger, http('e1', '/do/0/f/fork/branches/1/b', { q: 'b' }), RUN, replayed)?.input).toMatchObject({ effectId: 'e1', output: 'B' });
    expect(replayEffect(ledger, http('e2', '/do/0/f/fork/branches/0/a', { q: 'a' }), RUN, replayed)?.input).toMatchObject({ effectId: 'e2', output: 'A' });
  });

  it('matches payloads as canonical JSON (key order) but not another reference or another value', () => {
    const ledger = new ReplayLedger(RUN, ORIGINAL, [entry(0, '/do/0/a', { b: 1, a: { y: 2, x: 1 } }, ok(1))]);
    const replayed: ReplayedAttempt[] = [];
    expect(replayEffect(ledger, http('e1', '/do/1/other', { a: { x: 1, y: 2 }, b: 1 }), RUN, replayed)).toBeUndefined();
    expect(replayEffect(ledger, http('e1', '/do/0/a', { a: { x: 1, y: 3 }, b: 1 }), RUN, replayed)).toBeUndefined();
    expect(replayEffect(ledger, http('e1', '/do/0/a', { a: { x: 1, y: 2 }, b: 1 }), RUN, replayed)?.input).toMatchObject({ output: 1 });
  });

  it("an agent turn's tool results compare as JSON values, whatever their key order", () => {
    const turn = (content: string) => ({ model: 'm', messages: [{ role: 'user', content: 'hi' }, { role: 'tool', tool_call_id: 't', content }], turn: 2 });
    expect(taskMatch('agent', turn('{"ok":true,"path":"/x"}'))).toBe(taskMatch('agent', turn('{"path":"/x","ok":true}')));
    expect(taskMatch('agent', turn('{"ok":true}'))).not.toBe(taskMatch('agent', turn('{"ok":false}')));
    expect(taskMatch('agent', turn('plain text'))).not.toBe(taskMatch('agent', turn('plain text ')));
    expect(taskMatch('http', { body: '{"b":1,"a":2}' })).not.toBe(taskMatch('http', { body: '{"a":2,"b":1}' }));
  });

  it('timers: wait tasks and retry delays fire at once, per reference and kind; timeouts never replay', () => {
    const timer = (reference: string, wait: 'timer' | 'retry' | 'timeout') => ({ runId: RUN, ord: 0, kind: 'timer' as const, reference, match: wait });
    const ledger = new ReplayLedger(RUN, ORIGINAL, [timer('/do/1/pause', 'timer'), { ...timer('/do/0/t', 'retry'), ord: 1 }, { ...timer('/do/2/x', 'timeout'), ord: 2 }]);
    const replayed: ReplayedAttempt[] = [];
    const effect = (id: string, reference: string, wait: 'timer' | 'retry' | 'timeout'): Effect => ({ kind: 'timer', id, fireAt: 1e12, reference, wait });
    expect(replayEffect(ledger, effect('e4', '/do/0/t', 'retry'), RUN, replayed)).toEqual({ input: { type: 'timer.fired', timerId: 'e4' }, replayed: { reference: '/do/0/t', from: { runId: ORIGINAL } } });
    expect(replayEffect(ledger, effect('e5', '/do/0/t', 'retry'), RUN, replayed)).toBeUndefined();
    expect(replayEffect(ledger, effect('e6', '/do/2/x', 'timeout'), RUN, replayed)).toBeUndefined();
    expect(replayEffect(ledger, effect('e7', '/do/1/pause', 'timer'), RUN, replayed)?.input).toEqual({ type: 'timer.fired', timerId: 'e7' });
    expect(replayed).toEqual([]);
  });

  it("child runs match by their input; one not awaited is replayed without an input for the run", () => {
    const child = (id: string, input: unknown, wait: boolean): Effect => ({ kind: 'workflow', id, reference: '/do/0/sub', name: 'sub', namespace: 'n', workflowName: 'w', version: '1', input, await: wait });
    const ledger = new ReplayLedger(RUN, ORIGINAL, [
      { runId: RUN, ord: 0, kind: 'workflow', reference: '/do/0/sub', match: canonicalJson({ k: 1 }), sourceAttemptId: 'orig:e2', outcome: ok({ done: 1 }) },
      { runId: RUN, ord: 1, kind: 'workflow', reference: '/do/0/sub', match: canonicalJson({ k: 2 }), sourceAttemptId: 'orig:e3', outcome: ok({ done: 2 }) },
    ]);
    const replayed: ReplayedAttempt[] = [];
    expect(replayEffect(ledger, child('e8', { k: 2 }, false), RUN, replayed)).toBeNull();
    expect(replayEffect(ledger, child('e9', { k: 1 }, true), RUN, replayed)?.input).toEqual({ type: 'task.completed', effectId: 'e9', output: { done: 1 } });
    expect(replayed.map((a) => [a.kind, a.replayedFrom])).toEqual([
      ['workflow', 'orig:e3'],
      ['workflow', 'orig:e2'],
    ]);
  });

  it("marks the replayed task's outcome events, not the other events of the decision", () => {
    const mark = { reference: '/do/0/a', from: { runId: ORIGINAL, attemptId: 'orig:e2' } };
    const events = [
      { type: 'io.serverlessworkflow.task.completed.v1', data: { task: '/do/0/a' } },
      { type: 'io.serverlessworkflow.task.started.v1', data: { task: '/do/1/b' } },
      { type: 'io.serverlessworkflow.task.completed.v1', data: { task: '/do/1/b' } },
    ];
    expect(markReplayed(events, mark).map((e) => e.data.replayedFrom)).toEqual([mark.from, undefined, undefined]);
    expect(markReplayed(events, undefined)).toBe(events);
  });
});
