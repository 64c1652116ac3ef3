import { describe, expect, it } from 'vitest';
import { ErrorTypes } from '../../src/errors.ts';
import { decide } from '../../src/interpreter/index.ts';
import type { Decision, Env, Input, RunState } from '../../src/interpreter/index.ts';
import { compile, eventTypes, runScenario, T0 } from './driver.ts';

const header = `document: { dsl: '1.0.3', namespace: test, name: robust, version: '0.1.0' }\n`;
const forkDoc = compile(`${header}do:
  - parallel:
      fork:
        branches:
          - a: { call: http, with: { method: get, endpoint: https://a } }
          - b: { wait: PT1M }
          - c:
              listen: { to: { one: { with: { type: c.done } } } }
  - after: { set: { after: true } }
`);
const env = (now = T0): Env => ({ now, runId: 'r1' });
const start = (): Decision => decide(forkDoc, undefined, { type: 'start', input: { x: 1 } }, env());
const idOf = (d: Decision, kind: string) => (d.effects.find((e) => e.kind === kind) as { id: string }).id;

describe('stale and duplicate outcomes', () => {
  it('are ignored: same state, no effects, no events', () => {
    const first = start();
    const httpId = idOf(first, 'task');
    const done = decide(forkDoc, first.state, { type: 'task.completed', effectId: httpId, output: 'A' }, env(T0 + 5));
    expect(done.events.length).toBeGreaterThan(0);
    const inputs: Input[] = [
      { type: 'task.completed', effectId: httpId, output: 'again' }, // duplicate
      { type: 'task.failed', effectId: httpId, error: { type: ErrorTypes.runtime, status: 500 } },
      { type: 'task.completed', effectId: 'e999', output: 1 }, // unknown
      { type: 'timer.fired', timerId: httpId }, // wrong kind
      { type: 'event.received', listenId: idOf(first, 'timer'), event: { specversion: '1.0', id: 'x', source: 's', type: 'c.done' } },
      { type: 'start', input: {} }, // a second start
    ];
    for (const input of inputs) {
      const again = decide(forkDoc, done.state, input, env(T0 + 10));
      expect(again).toEqual({ state: done.state, effects: [], events: [] });
    }
  });

  it('outcomes of cancelled effects are ignored after the run moved on', () => {
    const compete = compile(`${header}do:
  - race:
      fork:
        compete: true
        branches:
          - a: { call: http, with: { method: get, endpoint: https://a } }
          - b: { call: http, with: { method: get, endpoint: https://b } }
`);
    const first = decide(compete, undefined, { type: 'start', input: {} }, env());
    const [a, b] = first.effects.map((e) => (e as { id: string }).id);
    const won = decide(compete, first.state, { type: 'task.completed', effectId: b!, output: 'B' }, env(T0 + 1));
    expect(won.state).toMatchObject({ status: 'completed', output: 'B' });
    expect(won.effects).toEqual([{ kind: 'cancelTask', id: a }]);
    const late = decide(compete, won.state, { type: 'task.completed', effectId: a!, output: 'A' }, env(T0 + 2));
    expect(late).toEqual({ state: won.state, effects: [], events: [] });
  });

  it('outcomes before the start are ignored', () => {
    expect(decide(forkDoc, undefined, { type: 'timer.fired', timerId: 'e1' }, env()).state.status).toBe('pending');
  });
});

describe('cancel', () => {
  it('mid-fork cancels every pending effect and task, emits workflow.cancelled', () => {
    const first = start();
    const cancelled = decide(forkDoc, first.state, { type: 'cancel', reason: 'user' }, env(T0 + 100));
    expect(cancelled.state.status).toBe('cancelled');
    expect(cancelled.effects).toEqual(
      expect.arrayContaining([
        { kind: 'cancelTask', id: idOf(first, 'task') },
        { kind: 'cancelTimer', id: idOf(first, 'timer') },
        { kind: 'unlisten', id: idOf(first, 'listen') },
      ]),
    );
    expect(cancelled.effects).toHaveLength(3);
    expect(cancelled.events.map((e) => e.type.split('.').slice(-2, -1)[0])).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled', 'cancelled']);
    expect(cancelled.events.at(-1)).toEqual({ type: 'io.serverlessworkflow.workflow.cancelled.v1', data: { name: 'robust-r1.test', cancelledAt: new Date(T0 + 100).toISOString(), reason: 'user' } });
    // a terminal run ignores everything
    expect(decide(forkDoc, cancelled.state, { type: 'task.completed', effectId: idOf(first, 'task'), output: 1 }, env()).effects).toEqual([]);
    expect(decide(forkDoc, cancelled.state, { type: 'cancel' }, env()).events).toEqual([]);
  });

  it('the driver can cancel a run waiting on a listen', () => {
    const log = runScenario(forkDoc, {}, { answer: () => ({ output: 'A' }), cancelAt: 120_000 });
    expect(log.state.status).toBe('cancelled');
    expect(eventTypes(log).at(-1)).toBe('workflow.cancelled');
  });
});

describe('state', () => {
  it('round-trips through JSON at every step and gives the same decisions from the parsed copy', () => {
    let state: RunState | undefined;
    const inputs: Array<(d: Decision) => Input> = [
      () => ({ type: 'start', input: { x: 1 } }),
      (d) => ({ type: 'task.completed', effectId: idOf(d, 'task'), output: 'A' }),
    ];
    let previous: Decision | undefined;
    for (const make of inputs) {
      const input = make(previous ?? ({} as Decision));
      const decision = decide(forkDoc, state, input, env());
      const copy = JSON.parse(JSON.stringify(decision.state)) as RunState;
      expect(copy).toEqual(decision.state);
      expect(decide(forkDoc, state === undefined ? undefined : (JSON.parse(JSON.stringify(state)) as RunState), input, env())).toEqual(decision);
      state = copy;
      previous = previous ?? decision;
    }
  });

  it('starts from the runtime placeholder state { status: pending }', () => {
    const decision = decide(forkDoc, { status: 'pending' }, { type: 'start', input: { x: 1 } }, env());
    expect(decision).toEqual(start());
  });

  it('is deterministic: the same scenario gives the same decisions', () => {
    const script = { answer: () => ({ output: 'A', after: 3 }), events: [{ at: 5, event: { type: 'c.done', data: 'C' } }] };
    expect(runScenario(forkDoc, { x: 1 }, script).decisions).toEqual(runScenario(forkDoc, { x: 1 }, script).decisions);
  });

  it('does not mutate the state it is given', () => {
    const first = start();
    const frozen = JSON.stringify(first.state);
    decide(forkDoc, first.state, { type: 'timer.fired', timerId: idOf(first, 'timer') }, env(T0 + 60_000));
    decide(forkDoc, first.state, { type: 'cancel' }, env());
    expect(JSON.stringify(first.state)).toBe(frozen);
  });

  it('stays compact: no definition inside, nothing left once the run ends', () => {
    const first = start();
    expect(JSON.stringify(first.state)).not.toContain('https://a');
    expect(JSON.stringify(first.state).length).toBeLessThan(800);
    const log = runScenario(forkDoc, { x: 1 }, { answer: () => ({ output: 'A' }), events: [{ at: 1, event: { type: 'c.done', data: 'C' } }] });
    expect(log.state).toMatchObject({ status: 'completed', output: { after: true }, frames: {}, waits: {} });
  });

  it('status: running with calls in flight, waiting with only timers and listens', () => {
    const first = start();
    expect(first.state.status).toBe('running');
    const afterCall = decide(forkDoc, first.state, { type: 'task.completed', effectId: idOf(first, 'task'), output: 'A' }, env());
    expect(afterCall.state.status).toBe('waiting');
  });

  it('lifecycle events carry spec data and stay small', () => {
    const first = start();
    expect(first.events[0]).toEqual({
      type: 'io.serverlessworkflow.workflow.started.v1',
      data: { name: 'robust-r1.test', definition: { namespace: 'test', name: 'robust', version: '0.1.0' }, startedAt: '2026-01-01T00:00:00.000Z' },
    });
    expect(first.events[1]).toEqual({
      type: 'io.serverlessworkflow.task.created.v1',
      data: { workflow: 'robust-r1.test', task: '/do/0/parallel', name: 'parallel', createdAt: '2026-01-01T00:00:00.000Z' },
    });
    expect(first.events[2]).toEqual({
      type: 'io.serverlessworkflow.task.started.v1',
      data: { workflow: 'robust-r1.test', task: '/do/0/parallel', name: 'parallel', startedAt: '2026-01-01T00:00:00.000Z' },
    });
    for (const event of first.events) expect(JSON.stringify(event).length).toBeLessThan(300);
  });
});
