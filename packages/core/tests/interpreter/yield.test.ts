// A long decision yields: it stops after limits.stepsPerDecision agenda steps, saves the rest of
// its agenda in the state and asks for a `continue` (README "Limits"). These tests check that
// yielding changes nothing of what a run does, and how other inputs meet a saved agenda.
import { describe, expect, it } from 'vitest';
import { BatonErrorTypes } from '../../src/errors.ts';
import { decide } from '../../src/interpreter/index.ts';
import type { Decision, Effect, Env, InterpreterState, RunState } from '../../src/interpreter/index.ts';
import { compile, eventTypes, runScenario, T0 } from './driver.ts';

const header = `document: { dsl: '1.0.3', namespace: test, name: yields, version: '0.1.0' }\n`;
const env = (limits: Env['limits'] = {}, now = T0): Env => ({ now, runId: 'r1', limits });
const continueOf = (decision: Decision) => decision.effects.filter((e): e is Extract<Effect, { kind: 'continue' }> => e.kind === 'continue');
const roundTrip = (state: RunState): RunState => JSON.parse(JSON.stringify(state)) as RunState;

const sumLoop = `${header}do:
  - sum:
      for: { each: i, in: '\${ [range(0; 10000)] }' }
      do:
        - add:
            set: { total: '\${ .total + $i }' }
`;

describe('yielding', () => {
  it('a loop of 10,000 set tasks completes across many decisions exactly as it does in one', () => {
    const yielding = runScenario(sumLoop, { total: 0 });
    const inOne = runScenario(sumLoop, { total: 0 }, { env: { limits: { stepsPerDecision: 1e9 } } });
    expect(inOne.decisions).toHaveLength(1);
    expect(yielding.decisions.length).toBeGreaterThan(30); // 20,002 steps, 500 per decision
    expect(yielding.state).toMatchObject({ status: 'completed', output: { total: 49_995_000 } });
    expect(yielding.state.output).toEqual(inOne.state.output);
    expect(yielding.events).toEqual(inOne.events);
    for (const decision of yielding.decisions.slice(0, -1)) {
      expect(decision.state.status).toBe('running');
      expect(continueOf(decision)).toHaveLength(1);
      expect(decision.events.length).toBeLessThanOrEqual(2 * 500); // a step writes at most two here
    }
    expect(continueOf(yielding.decisions.at(-1)!)).toEqual([]);
    expect(yielding.state).not.toHaveProperty('yielded');
    expect(yielding.state).not.toHaveProperty('agenda');
  });

  it('a decision also yields after decisionMs on the runtime clock, and the run computes the same', () => {
    const wf = compile(sumLoop);
    let now = 0;
    // Each reading of the clock moves it 1 ms: a decision sees 50 ms pass after ~50 steps.
    const clock = () => (now += 1);
    const timed: Env = { ...env({ stepsPerDecision: 1e9, decisionMs: 50 }), clock };
    let decision = decide(wf, undefined, { type: 'start', input: { total: 0 } }, timed);
    let decisions = 1;
    const events = [...decision.events];
    while (continueOf(decision).length > 0) {
      const [owed] = continueOf(decision);
      decision = decide(wf, roundTrip(decision.state), { type: 'continue', id: owed!.id }, timed);
      events.push(...decision.events);
      decisions += 1;
    }
    expect(decisions).toBeGreaterThan(100);
    const inOne = runScenario(sumLoop, { total: 0 }, { env: { limits: { stepsPerDecision: 1e9 } } });
    expect(decision.state).toMatchObject({ status: 'completed', output: { total: 49_995_000 } });
    expect(events.map((e) => e.type)).toEqual(inOne.events.map((e) => e.type));
    // Without a clock there is no time budget: the step budget alone decides.
    expect(continueOf(decide(wf, undefined, { type: 'start', input: { total: 0 } }, env({ stepsPerDecision: 1e9, decisionMs: 0 })))).toEqual([]);
  });

  it('a yielded run is running, owes one continue, and ignores a continue that is not the one owed', () => {
    const wf = compile(sumLoop);
    const first = decide(wf, undefined, { type: 'start', input: { total: 0 } }, env({ stepsPerDecision: 10 }));
    const [owed] = continueOf(first);
    expect(owed).toBeDefined();
    expect(first.state).toMatchObject({ status: 'running', yielded: owed!.id });
    const state = roundTrip(first.state);
    expect(decide(wf, state, { type: 'continue', id: 'e999' }, env({ stepsPerDecision: 10 }))).toEqual({ state, effects: [], events: [] });
    const next = decide(wf, state, { type: 'continue', id: owed!.id }, env({ stepsPerDecision: 10 }));
    expect(next.events.length).toBeGreaterThan(0);
    const [again] = continueOf(next);
    expect(again!.id).not.toBe(owed!.id);
    // A continue without an id resumes whatever is left (a runtime that does not track ids).
    expect(decide(wf, roundTrip(next.state), { type: 'continue' }, env({ stepsPerDecision: 10 })).events.length).toBeGreaterThan(0);
    // A run that did not yield ignores a continue.
    const done = runScenario(sumLoop, { total: 0 }, { env: { limits: { stepsPerDecision: 1e9 } } }).state;
    expect(decide(wf, done, { type: 'continue' }, env())).toEqual({ state: done, effects: [], events: [] });
  });

  it('an outcome that arrives while an agenda is saved is handled at once, after the saved steps, and no second continue is asked for', () => {
    const wf = compile(`${header}do:
  - both:
      fork:
        branches:
          - fetch: { call: http, with: { method: get, endpoint: https://a.example } }
          - count:
              for: { each: i, in: '\${ [range(0; 100)] }' }
              do:
                - add: { set: { n: '\${ $i }' } }
`);
    const limits = { stepsPerDecision: 20 };
    const first = decide(wf, undefined, { type: 'start', input: {} }, env(limits));
    const task = first.effects.find((e) => e.kind === 'task') as { id: string };
    const [owed] = continueOf(first);
    const answered = decide(wf, roundTrip(first.state), { type: 'task.completed', effectId: task.id, output: 'A' }, env(limits, T0 + 5));
    expect(continueOf(answered)).toEqual([]); // the one owed is still on its way
    expect(answered.state).toMatchObject({ status: 'running', yielded: owed!.id });
    expect(eventTypes({ events: answered.events } as never)).toContain('task.completed');
    let state = roundTrip(answered.state);
    let id: string | undefined = owed!.id;
    for (let i = 0; id !== undefined && i < 100; i++) {
      const next = decide(wf, state, { type: 'continue', id }, env(limits, T0 + 10));
      state = roundTrip(next.state);
      id = continueOf(next)[0]?.id;
    }
    expect(state).toMatchObject({ status: 'completed', output: ['A', { n: 99 }] });
  });

  it('cancel while yielding stops everything: the saved agenda is dropped and the owed continue finds nothing to do', () => {
    const wf = compile(`${header}do:
  - both:
      fork:
        branches:
          - fetch: { call: http, with: { method: get, endpoint: https://a.example } }
          - forever:
              do:
                - spin:
                    set: { x: 1 }
                    then: spin
`);
    const first = decide(wf, undefined, { type: 'start', input: {} }, env({ stepsPerDecision: 50 }));
    const task = first.effects.find((e) => e.kind === 'task') as { id: string };
    expect(first.state.status).toBe('running');
    expect(continueOf(first)).toHaveLength(1);
    const cancelled = decide(wf, roundTrip(first.state), { type: 'cancel', reason: 'stop' }, env({ stepsPerDecision: 50 }, T0 + 1));
    expect(cancelled.state.status).toBe('cancelled');
    expect(cancelled.effects).toEqual([{ kind: 'cancelTask', id: task.id }]);
    const state = cancelled.state as InterpreterState;
    expect(state.agenda).toBeUndefined();
    expect(state.yielded).toBeUndefined();
    expect(state.frames).toEqual({});
    expect(decide(wf, roundTrip(state), { type: 'continue', id: continueOf(first)[0]!.id }, env())).toEqual({ state: roundTrip(state), effects: [], events: [] });
  });

  it('a task whose start was still on the saved agenda is never reported cancelled (it was never created)', () => {
    const wf = compile(`${header}do:
  - five:
      fork:
        branches:
          - a: { set: { a: 1 } }
          - b: { set: { b: 1 } }
          - c: { set: { c: 1 } }
          - d: { set: { d: 1 } }
          - e: { set: { e: 1 } }
`);
    // Step 1 starts the fork (five starts on the agenda), step 2 starts branch a; then it yields.
    const first = decide(wf, undefined, { type: 'start', input: {} }, env({ stepsPerDecision: 2 }));
    const created = first.events.filter((e) => e.type.endsWith('task.created.v1')).map((e) => e.data.task);
    expect(created).toEqual(['/do/0/five', '/do/0/five/fork/branches/0/a']);
    const cancelled = decide(wf, roundTrip(first.state), { type: 'cancel' }, env({ stepsPerDecision: 2 }));
    const reported = cancelled.events.filter((e) => e.type.endsWith('task.cancelled.v1')).map((e) => e.data.task);
    expect(reported.sort()).toEqual(created.sort());
  });

  it('the workflow timeout still fires while the run yields', () => {
    const wf = compile(`${header}timeout: { after: { seconds: 1 } }
do:
  - spin:
      set: { x: 1 }
      then: spin
`);
    const first = decide(wf, undefined, { type: 'start', input: {} }, env({ stepsPerDecision: 50 }));
    const timer = first.effects.find((e) => e.kind === 'timer') as { id: string };
    const fired = decide(wf, roundTrip(first.state), { type: 'timer.fired', timerId: timer.id }, env({ stepsPerDecision: 50 }, T0 + 1000));
    expect(fired.state).toMatchObject({ status: 'faulted', error: { status: 408 } });
    expect((fired.state as InterpreterState).agenda).toBeUndefined();
  });
});

describe('row 5 of issue 12', () => {
  it('`a: {set: {x: 1}, then: a}` yields between decisions and stops at the events limit with a bounded log', () => {
    const log = runScenario(`${header}do:
  - a:
      set: { x: 1 }
      then: a
`, {});
    expect(log.state).toMatchObject({ status: 'faulted', error: { type: BatonErrorTypes.limitExceeded, status: 429, title: 'Limit exceeded', limit: 'eventsPerRun', max: 50_000, instance: '/do/0/a' } });
    expect((log.state.error as { detail: string }).detail).toMatch(/the run wrote 50,00\d events.*the limit eventsPerRun is 50,000.*BATON_LIMITS='\{"namespaces": \{"test": \{"eventsPerRun"/);
    expect(log.events.length).toBeGreaterThanOrEqual(50_000);
    expect(log.events.length).toBeLessThanOrEqual(50_003); // + the task cancelled and the workflow faulted
    expect(log.decisions.length).toBeGreaterThan(60);
    expect(Math.max(...log.decisions.map((d) => d.events.length))).toBeLessThanOrEqual(1_000);
    expect(log.effects.filter((e) => e.kind !== 'continue')).toEqual([]);
    expect(log.state).not.toHaveProperty('yielded');
  });

  it('a `for` over 100,000 items is refused at its start by the iterations limit', () => {
    const log = runScenario(`${header}do:
  - many:
      for: { each: i, in: '\${ [range(0; 100000)] }' }
      do:
        - s: { set: { x: '\${ $i }' } }
`, {});
    expect(log.state).toMatchObject({ status: 'faulted', error: { type: BatonErrorTypes.limitExceeded, limit: 'forIterations', max: 10_000, instance: '/do/0/many' } });
    expect(log.decisions).toHaveLength(1);
    expect(eventTypes(log)).toEqual(['workflow.started', 'task.created', 'task.started', 'task.faulted', 'workflow.faulted']);
  });

  it('the same loop with the events limit raised is stopped by the steps limit', () => {
    const log = runScenario(`${header}do:
  - a:
      set: { x: 1 }
      then: a
`, {}, { env: { limits: { eventsPerRun: 1e9, stepsPerRun: 5_000 } } });
    expect(log.state.error).toMatchObject({ limit: 'stepsPerRun', max: 5_000 });
    expect((log.state as InterpreterState).counts?.steps).toBe(5_000);
  });
});
