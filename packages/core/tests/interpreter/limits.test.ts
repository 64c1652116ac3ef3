// Each run limit (interpreter/limits.ts, README "Limits"): what hits it, the error it raises,
// whether a `try` can catch it, and that a run it stops leaves nothing behind.
import { describe, expect, it } from 'vitest';
import { BatonErrorTypes } from '../../src/errors.ts';
import { decide } from '../../src/interpreter/index.ts';
import type { CompiledWorkflow, Env, Input, InterpreterState, RunLimits, RunState } from '../../src/interpreter/index.ts';
import { compile, eventTypes, runScenario, T0 } from './driver.ts';
import type { WorkflowEffect } from './driver.ts';

const header = `document: { dsl: '1.0.3', namespace: test, name: limits, version: '0.1.0' }\n`;
const limitError = (limit: keyof RunLimits, max: number, status = 429) => ({ type: BatonErrorTypes.limitExceeded, status, title: 'Limit exceeded', limit, max });
const caught = (body: string) => `${header}do:
  - guarded:
      try:
${body.replace(/^/gm, '        ')}
      catch:
        as: err
        do:
          - report: { set: { caught: '\${ $err.limit }' } }
`;

describe('subflowDepth', () => {
  const self = `${header}do:
  - again:
      run: { workflow: { namespace: test, name: limits, version: '0.1.0' } }
`;

  it('a run at the limit depth cannot start a child run; a try can catch it', () => {
    const log = runScenario(self, {}, { env: { depth: 32 } });
    expect(log.state).toMatchObject({ status: 'faulted', error: { ...limitError('subflowDepth', 32), instance: '/do/0/again' } });
    expect(log.tasks).toEqual([]);
    const below = runScenario(self, {}, { env: { depth: 31 }, answer: () => ({ output: 'child' }) });
    expect(below.state).toMatchObject({ status: 'completed', output: 'child' });
    const guarded = runScenario(caught(`- again:\n    run: { workflow: { namespace: test, name: limits, version: '0.1.0' } }`), {}, { env: { depth: 2, limits: { subflowDepth: 2 } } });
    expect(guarded.state.output).toEqual({ caught: 'subflowDepth' });
  });

  it('row 2 of issue 12: a workflow whose only task runs itself stops after 33 runs, every one of them faulted', () => {
    const tree = runTree(compile(self), {});
    expect(tree.runs.size).toBe(33);
    const deepest = [...tree.runs.values()].find((run) => run.depth === 32)!;
    expect(deepest.state?.error).toMatchObject(limitError('subflowDepth', 32));
    for (const run of tree.runs.values()) expect(run.state).toMatchObject({ status: 'faulted', error: { limit: 'subflowDepth' } });
    expect(Math.max(...[...tree.runs.keys()].map((id) => id.length))).toBeLessThan(200);
  });
});

describe('childRunsPerRun', () => {
  it('counts child runs over the whole run, across decisions', () => {
    const log = runScenario(`${header}do:
  - each:
      for: { in: '\${ [1, 2, 3, 4] }' }
      do:
        - child:
            run: { workflow: { namespace: test, name: child, version: '1' } }
`, {}, { env: { limits: { childRunsPerRun: 3 } }, answer: () => ({ output: 'ok', after: 10 }) });
    expect(log.decisions.length).toBeGreaterThan(3);
    expect(log.tasks).toHaveLength(3);
    expect(log.state).toMatchObject({ status: 'faulted', error: limitError('childRunsPerRun', 3) });
    expect((log.state as InterpreterState).counts?.runs).toBe(3);
  });
});

describe('valueBytes', () => {
  const big = `'\${ "x" * 2000 }'`;
  const limits = { valueBytes: 1000 };
  const cases: Record<string, string> = {
    'a set value (the task output)': `- s: { set: { v: ${big} } }`,
    'output.as': `- s: { set: { v: 1 }, output: { as: ${big} } }`,
    'export.as': `- s: { set: { v: 1 }, export: { as: ${big} } }`,
    'input.from': `- s: { set: { v: 1 }, input: { from: ${big} } }`,
    'for.in': `- f:\n    for: { in: '\${ [range(0; 400)] }' }\n    do:\n      - s: { set: {} }`,
    'call arguments': `- c: { call: http, with: { method: post, endpoint: https://a.example, body: ${big} } }`,
    'an emitted event': `- e: { emit: { event: { with: { source: s, type: t, data: ${big} } } } }`,
    'a child run input': `- r: { run: { workflow: { namespace: test, name: c, version: '1', input: ${big} } } }`,
  };
  for (const [what, task] of Object.entries(cases)) {
    it(`${what}: the task faults with a 413, which a try can catch`, () => {
      const log = runScenario(`${header}do:\n${task.replace(/^/gm, '  ')}\n`, {}, { env: { limits } });
      expect(log.state).toMatchObject({ status: 'faulted', error: limitError('valueBytes', 1000, 413) });
      expect((log.state.error as { detail: string }).detail).toMatch(/larger than 1000 bytes as JSON/);
      expect(log.tasks).toEqual([]);
      expect(log.emitted).toEqual([]);
      expect(runScenario(caught(task), {}, { env: { limits } }).state.output).toEqual({ caught: 'valueBytes' });
    });
  }

  it('the workflow output (after output.as) faults the run', () => {
    const log = runScenario(`${header}output: { as: ${big} }\ndo:\n  - s: { set: { v: 1 } }\n`, {}, { env: { limits } });
    expect(log.state).toMatchObject({ status: 'faulted', error: { ...limitError('valueBytes', 1000, 413), instance: '/output' } });
  });

  it('a worker result larger than the limit faults the task that receives it', () => {
    const log = runScenario(`${header}do:\n  - c: { call: http, with: { method: get, endpoint: https://a.example } }\n`, {}, { env: { limits }, answer: () => ({ output: 'y'.repeat(5000) }) });
    expect(log.state).toMatchObject({ status: 'faulted', error: { ...limitError('valueBytes', 1000, 413), instance: '/do/0/c' } });
  });
});

describe('valueDepth', () => {
  it('row of fuzz seed 1721486573: a loop that wraps its value once per iteration faults at the limit, not at a stack overflow', () => {
    const wrapping = `${header}do:
  - t1:
      set: { k: null, b: '\${ . }' }
      then: t1
`;
    const log = runScenario(wrapping, '*', { env: { limits: { valueDepth: 40 } } });
    expect(log.state).toMatchObject({ status: 'faulted', error: { ...limitError('valueDepth', 40), instance: '/do/0/t1' } });
    expect((log.state.error as { detail: string }).detail).toMatch(/nested more than 40 levels deep/);
    const fine = runScenario(`${header}do:\n  - s: { set: { v: '\${ [[[[1]]]] }' } }\n`, {}, { env: { limits: { valueDepth: 5 } } });
    expect(fine.state).toMatchObject({ status: 'completed', output: { v: [[[[1]]]] } });
    const deeper = runScenario(`${header}do:\n  - s: { set: { v: '\${ [[[[[1]]]]] }' } }\n`, {}, { env: { limits: { valueDepth: 5 } } });
    expect(deeper.state).toMatchObject({ status: 'faulted', error: limitError('valueDepth', 5) });
    expect(runScenario(caught(`- s: { set: { v: '\${ [[[[[1]]]]] }' } }`), {}, { env: { limits: { valueDepth: 5 } } }).state.output).toEqual({ caught: 'valueDepth' });
  });

  it('the default is 512, and no setting raises it past MAX_VALUE_DEPTH', () => {
    const nested = (depth: number) => `'\${ reduce range(0; ${depth}) as $i (1; [.]) }'`;
    const at = (depth: number, limits?: RunLimits) => runScenario(`${header}do:\n  - s: { set: { v: ${nested(depth)} } }\n`, {}, limits ? { env: { limits } } : {}).state;
    expect(at(511)).toMatchObject({ status: 'completed' }); // 511 arrays inside the {v: …} object: 512 levels
    expect(at(512)).toMatchObject({ status: 'faulted', error: limitError('valueDepth', 512) });
    expect(at(1000, { valueDepth: 1_000_000 })).toMatchObject({ status: 'faulted', error: { limit: 'valueDepth' } });
  });
});

describe('stateBytes', () => {
  it('a state that grows past the limit faults the run, and every wait it held is cancelled', () => {
    // Four branches each keep a copy of a ~700-byte input while they wait: ~2.8 KB of state.
    const wf = `${header}do:
  - grow: { set: { pad: '\${ "p" * 700 }' } }
  - wide:
      fork:
        branches:
          - a: { call: http, with: { method: get, endpoint: https://a.example } }
          - b: { listen: { to: { one: { with: { type: b.done } } } } }
          - c: { wait: PT1M }
          - d: { wait: PT2M }
`;
    const fits = runScenario(wf, {}, { env: { limits: { stateBytes: 8000 } }, answer: () => 'never' });
    expect(fits.decisions[0]!.state.status).toBe('running');
    const log = runScenario(wf, {}, { env: { limits: { stateBytes: 2000 } }, answer: () => 'never' });
    expect(log.state).toMatchObject({ status: 'faulted', error: { ...limitError('stateBytes', 2000, 413), instance: '/' } });
    expect(log.decisions).toHaveLength(1);
    expect(log.effects).toEqual([]); // started and cancelled in the same decision: nothing reaches the runtime
  });

  it('effects of earlier decisions are cancelled when a later one crosses a run limit', () => {
    const log = runScenario(`${header}do:
  - all:
      fork:
        branches:
          - a: { call: http, with: { method: get, endpoint: https://a.example } }
          - b: { listen: { to: { one: { with: { type: b.done } } } } }
          - c:
              do:
                - pause: { wait: PT1S }
                - spin: { set: { x: 1 }, then: spin }
`, {}, { env: { limits: { eventsPerRun: 500 } }, answer: () => 'never' });
    expect(log.state).toMatchObject({ status: 'faulted', error: limitError('eventsPerRun', 500) });
    const task = log.effects.find((e) => e.kind === 'task') as { id: string };
    const listen = log.effects.find((e) => e.kind === 'listen') as { id: string };
    expect(log.decisions.at(-1)!.effects).toEqual(expect.arrayContaining([{ kind: 'cancelTask', id: task.id }, { kind: 'unlisten', id: listen.id }]));
    expect(log.decisions.at(-1)!.effects.some((e) => e.kind === 'continue')).toBe(false);
    expect(log.state).not.toHaveProperty('agenda');
  });
});

describe('eventsPerRun', () => {
  it('counts the events the runtime reports (Env.eventsSoFar) when it has appended some itself', () => {
    const wf = compile(`${header}do:\n  - w: { wait: PT1S }\n  - s: { set: { done: true } }\n`);
    const first = decide(wf, undefined, { type: 'start', input: {} }, { now: T0, runId: 'r1', limits: { eventsPerRun: 100 } });
    const timer = first.effects.find((e) => e.kind === 'timer') as { id: string };
    const state = JSON.parse(JSON.stringify(first.state)) as RunState;
    const fire: Input = { type: 'timer.fired', timerId: timer.id };
    expect(decide(wf, state, fire, { now: T0 + 1000, runId: 'r1', limits: { eventsPerRun: 100 }, eventsSoFar: 50 }).state.status).toBe('completed');
    const over = decide(wf, state, fire, { now: T0 + 1000, runId: 'r1', limits: { eventsPerRun: 100 }, eventsSoFar: 99 });
    expect(over.state).toMatchObject({ status: 'faulted', error: limitError('eventsPerRun', 100) });
    expect((over.state as InterpreterState).counts?.events).toBe(99 + over.events.length);
  });
});

describe('forIterations and forkBranches', () => {
  it('a for over more items than the limit faults before its first iteration; a try can catch it', () => {
    const task = `- f:\n    for: { in: '\${ [range(0; 11)] }' }\n    do:\n      - s: { set: { x: 1 } }`;
    const log = runScenario(`${header}do:\n${task.replace(/^/gm, '  ')}\n`, {}, { env: { limits: { forIterations: 10 } } });
    expect(log.state).toMatchObject({ status: 'faulted', error: limitError('forIterations', 10) });
    expect(eventTypes(log).filter((t) => t === 'task.created')).toHaveLength(1);
    expect(runScenario(caught(task), {}, { env: { limits: { forIterations: 10 } } }).state.output).toEqual({ caught: 'forIterations' });
    expect(runScenario(`${header}do:\n${task.replace(/^/gm, '  ')}\n`, {}, { env: { limits: { forIterations: 11 } } }).state.status).toBe('completed');
  });

  it('a fork with more branches than the limit faults at run time too (the limit may have been lowered since registration)', () => {
    const log = runScenario(`${header}do:
  - f:
      fork:
        branches:
          - a: { set: { a: 1 } }
          - b: { set: { b: 1 } }
          - c: { set: { c: 1 } }
`, {}, { env: { limits: { forkBranches: 2 } } });
    expect(log.state).toMatchObject({ status: 'faulted', error: { ...limitError('forkBranches', 2), instance: '/do/0/f' } });
  });
});

interface TreeRun {
  depth: number;
  state?: RunState;
  parent?: { runId: string; effectId: string };
  reported?: boolean;
}

/**
 * Plays the runtime for a tree of runs of one workflow: child runs get the id
 * `${parent}.${effectId}` and the parent's depth + 1, their results go back to the parent.
 */
function runTree(wf: CompiledWorkflow, input: unknown, limits?: RunLimits): { runs: Map<string, TreeRun> } {
  const runs = new Map<string, TreeRun>([['r', { depth: 0 }]]);
  const queue: Array<{ runId: string; input: Input }> = [{ runId: 'r', input: { type: 'start', input } }];
  for (let i = 0; i < 10_000 && queue.length > 0; i++) {
    const { runId, input: next } = queue.shift()!;
    const run = runs.get(runId)!;
    const env: Env = { now: T0, runId, depth: run.depth, ...(limits ? { limits } : {}) };
    const decision = decide(wf, run.state, next, env);
    run.state = JSON.parse(JSON.stringify(decision.state)) as RunState;
    for (const effect of decision.effects) {
      if (effect.kind === 'workflow') {
        const child = `${runId}.${(effect as WorkflowEffect).id}`;
        runs.set(child, { depth: run.depth + 1, parent: { runId, effectId: effect.id } });
        queue.push({ runId: child, input: { type: 'start', input: effect.input } });
      } else if (effect.kind === 'continue') {
        queue.push({ runId, input: { type: 'continue', id: effect.id } });
      }
    }
    const status = run.state.status;
    if (run.parent && !run.reported && (status === 'completed' || status === 'faulted' || status === 'cancelled')) {
      run.reported = true;
      const { runId: parent, effectId } = run.parent;
      queue.push({ runId: parent, input: status === 'completed' ? { type: 'task.completed', effectId, output: run.state.output } : { type: 'task.failed', effectId, error: run.state.error! } });
    }
  }
  return { runs };
}
