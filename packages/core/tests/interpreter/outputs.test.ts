// The raw output of every task type, the fields the runtime fills in, and the runtime expression
// arguments, checked against dsl-reference.md (each task's section) and dsl.md ("Runtime
// expression arguments"). Where Baton chooses or deviates, the interpreter README says so.
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../../src/document/index.ts';
import { ErrorTypes } from '../../src/errors.ts';
import { decide } from '../../src/interpreter/index.ts';
import type { Effect, RunState } from '../../src/interpreter/index.ts';
import { compile, runScenario, T0 } from './driver.ts';
import type { TaskEffect, WorkflowEffect } from './driver.ts';

const header = `document: { dsl: '1.0.3', namespace: test, name: outputs, version: '0.1.0' }\n`;
const run = (body: string, input: unknown, script: Parameters<typeof runScenario>[2] = {}) => runScenario(`${header}${body}`, input, script);
const ISO_T0 = new Date(T0).toISOString();

describe('raw output of each task type', () => {
  it('set: the value, an object of templates or one expression', () => {
    expect(run(`do:\n  - s: { set: { a: '\${ .n + 1 }', b: fixed } }\n`, { n: 1 }).state.output).toEqual({ a: 2, b: 'fixed' });
    expect(run(`do:\n  - s: { set: '\${ [.n, .n] }' }\n`, { n: 1 }).state.output).toEqual([1, 1]);
  });

  it('switch: its transformed input, whichever case matches (and when none does)', () => {
    const doc = (color: string) => run(`do:
  - pick:
      input: { from: '\${ { color: .c } }' }
      switch:
        - red: { when: '.color == "red"', then: end }
      then: end
`, { c: color, other: 1 });
    expect(doc('red').state.output).toEqual({ color: 'red' });
    expect(doc('blue').state.output).toEqual({ color: 'blue' });
  });

  it('wait: its transformed input', () => {
    expect(run(`do:\n  - w: { input: { from: .a }, wait: PT1S }\n`, { a: { x: 1 }, b: 2 }).state.output).toEqual({ x: 1 });
  });

  it('raise: no output; the error with its expressions evaluated, instance set to the task unless given', () => {
    const log = run(`do:
  - r:
      raise:
        error: { type: 'https://example.com/errors/bad', status: 422, title: '\${ "bad " + .what }', detail: fixed }
`, { what: 'thing' });
    expect(log.state).toMatchObject({ status: 'faulted', error: { type: 'https://example.com/errors/bad', status: 422, title: 'bad thing', detail: 'fixed', instance: '/do/0/r' } });
    const named = run(`use:
  errors:
    gone: { type: '${ErrorTypes.runtime}', status: 410, instance: /custom }
do:
  - r: { raise: { error: gone } }
`, {});
    expect(named.state.error).toEqual({ type: ErrorTypes.runtime, status: 410, instance: '/custom' });
  });

  it('emit: the emitted CloudEvent, with id, specversion, time (and datacontenttype for data) filled in', () => {
    const log = run(`do:
  - greet:
      emit:
        event:
          with:
            source: https://fake-source.com
            type: com.fake-source.user.greeted.v1
            data:
              greetings: '\${ "Hello \\(.user.firstName) \\(.user.lastName)!" }'
`, { user: { firstName: 'John', lastName: 'Doe' } });
    // The spec's emit.feature: output properties id, specversion, time, source, type, data.
    expect(log.state).toMatchObject({ status: 'completed' });
    expect(log.state.output).toEqual({
      specversion: '1.0', id: expect.stringMatching(/^run-1:e\d+$/), time: ISO_T0, source: 'https://fake-source.com',
      type: 'com.fake-source.user.greeted.v1', datacontenttype: 'application/json', data: { greetings: 'Hello John Doe!' },
    });
    expect(log.emitted).toEqual([log.state.output]);
  });

  it('emit: attributes given (id, time, extensions) are kept; output.as and $task.output see the event', () => {
    const log = run(`do:
  - tell:
      emit:
        event:
          with: { id: my-id, source: s, type: t, time: '2020-01-01T00:00:00Z', region: eu }
      output:
        as: '\${ { id, region, same: (. == $task.output), was: $input } }'
`, { n: 1 });
    expect(log.emitted).toEqual([{ specversion: '1.0', id: 'my-id', source: 's', type: 't', time: '2020-01-01T00:00:00Z', region: 'eu' }]);
    expect(log.state.output).toEqual({ id: 'my-id', region: 'eu', same: true, was: { n: 1 } });
  });

  it('do: the last subtask output', () => {
    expect(run(`do:\n  - d:\n      do:\n        - a: { set: { a: 1 } }\n        - b: { set: '\${ . + { b: 2 } }' }\n`, {}).state.output).toEqual({ a: 1, b: 2 });
  });

  it('for: the last iteration output, each iteration taking the previous output (its input when nothing ran)', () => {
    // ctk/features/for.feature
    const body = `do:
  - loopColors:
      for: { each: color, in: .colors }
      do:
        - markProcessed:
            set:
              processed: '\${ { colors: (.processed.colors + [ $color ]), indexes: (.processed.indexes + [ $index ]) } }'
`;
    expect(run(body, { colors: ['red', 'green', 'blue'] }).state.output).toEqual({ processed: { colors: ['red', 'green', 'blue'], indexes: [0, 1, 2] } });
    expect(run(body, { colors: [] }).state.output).toEqual({ colors: [] });
  });

  it('fork: the branch outputs in declaration order; with compete, the winner output only', () => {
    const fork = (compete: boolean) => run(`do:
  - f:
      fork:
        compete: ${compete}
        branches:
          - slow: { call: http, with: { method: get, endpoint: https://slow.example } }
          - fast: { call: http, with: { method: get, endpoint: https://fast.example } }
`, {}, { answer: (effect) => (effect.name === 'slow' ? { output: 'S', after: 20 } : { output: 'F', after: 10 }) });
    expect(fork(false).state.output).toEqual(['S', 'F']);
    expect(fork(true).state.output).toBe('F');
  });

  it('try: the body output; a caught error gives the catch.do output, or the try input without catch.do', () => {
    const attempt = (catchDo: string) => run(`do:
  - t:
      try:
        - get: { call: http, with: { method: get, endpoint: https://pets.example } }
      catch:
        errors: { with: { type: 'https://serverlessworkflow.io/dsl/errors/types/communication', status: 404 } }
${catchDo}`, { in: 1 }, { answer: (effect) => (effect.name === 'get' ? { error: { type: ErrorTypes.communication, status: 404, title: 'Not Found' } } : undefined) });
    expect(attempt('').state.output).toEqual({ in: 1 });
    expect(attempt(`        as: err\n        do:\n          - keep: { set: { error: '\${ $err }' } }\n`).state.output).toEqual({
      error: { type: ErrorTypes.communication, status: 404, title: 'Not Found', instance: '/do/0/t/try/0/get' },
    });
    expect(run(`do:\n  - t:\n      try:\n        - a: { set: { ok: true } }\n      catch: {}\n`, {}).state.output).toEqual({ ok: true });
  });

  it('listen: the array of consumed events, read as data (default), envelope or raw', () => {
    const listen = (read: string) => run(`do:
  - l:
      listen: { to: { any: [{ with: { type: t } }], until: '\${ length == 2 }' }${read ? `, read: ${read}` : ''} }
`, {}, { events: [{ at: 5, event: { type: 't', data: { n: 1 } } }, { at: 6, event: { type: 't', data_base64: 'AAE=' } }] });
    expect(listen('').state.output).toEqual([{ n: 1 }, null]);
    expect(listen('raw').state.output).toEqual([{ n: 1 }, 'AAE=']);
    expect(listen('envelope').state.output).toEqual([
      { specversion: '1.0', id: 'ev-5', source: 'test', type: 't', data: { n: 1 } },
      { specversion: '1.0', id: 'ev-6', source: 'test', type: 't', data_base64: 'AAE=' },
    ]);
  });

  it('call http: the worker answer, whose shape the output mode decides (services/http-worker), is the raw output', () => {
    const response = { request: { method: 'get', uri: 'https://pets.example/pet/1', headers: {} }, statusCode: 200, headers: { 'content-type': 'application/json' }, content: { id: 1 } };
    const log = run(`do:
  - getPet:
      call: http
      with: { method: get, endpoint: 'https://pets.example/pet/{id}', output: response }
      output: { as: '\${ { status: .statusCode, id: $task.output.content.id } }' }
`, { id: 1 }, { answer: () => ({ output: response }) });
    expect((log.tasks[0] as TaskEffect).payload).toMatchObject({ output: 'response' });
    expect(log.state.output).toEqual({ status: 200, id: 1 });
  });

  it('call of a function of use.functions: the function task output', () => {
    const log = run(`use:
  functions:
    double: { set: { twice: '\${ .n * 2 }' } }
do:
  - d: { call: double, with: { n: '\${ .x }' } }
`, { x: 4 });
    expect(log.state.output).toEqual({ twice: 8 });
  });

  describe('run: workflow', () => {
    const subflow = (extra: string) => `do:
  - sub:
      input: { from: '\${ { y: .x } }' }
      run:
        workflow: { namespace: test, name: child, version: '1.0.0' }${extra}
`;
    const child = { answer: (effect: TaskEffect | WorkflowEffect) => (effect.kind === 'workflow' ? { output: { child: effect.input } } : undefined) };

    it('the child run output (return: stdout, the default); its input is the transformed task input', () => {
      expect(run(subflow(''), { x: 1 }, child).state.output).toEqual({ child: { y: 1 } });
      expect(run(subflow('\n        return: stdout'), { x: 1 }, child).state.output).toEqual({ child: { y: 1 } });
    });

    it('return: none outputs nothing (null); await: false outputs the transformed input at once', () => {
      expect(run(subflow('\n        return: none'), { x: 1 }, child).state).toMatchObject({ status: 'completed', output: null });
      const detached = run(subflow('\n        await: false'), { x: 1 }, child);
      expect(detached.state).toMatchObject({ status: 'completed', output: { y: 1 } });
      expect(detached.decisions).toHaveLength(1);
    });

    it('return: code, stderr or all (a process result) is refused at registration, naming the path', () => {
      for (const value of ['code', 'stderr', 'all']) {
        const source = `${header}${subflow(`\n        return: ${value}`)}`;
        expect(loadWorkflow(source)).toMatchObject({ ok: false, problems: [{ path: '/do/0/sub/run/return', message: expect.stringContaining(`run.return: ${value} applies to container`) }] });
        expect(() => compile(source)).toThrow(/^run\.return: \w+ applies to container, script and shell processes; .*\(at \/do\/0\/sub\/run\/return\)$/);
      }
    });
  });
});

describe('runtime expression arguments (dsl.md)', () => {
  it('$task: name, reference, definition, raw input, raw output, startedAt — in every expression of the task', () => {
    const log = run(`do:
  - t:
      if: '\${ $task.input.x == 1 and $task.name == "t" }'
      input: { from: '\${ { y: $task.input.x, ref: $task.reference } }' }
      set: { raw: '\${ $task.input }', input: '\${ $input }', startedAt: '\${ $task.startedAt }', kind: '\${ $task.definition | keys }' }
      output: { as: '\${ { fromRaw: $task.output.raw, input: $input } }' }
      export: { as: '\${ { rawOut: $task.output.input, out: $output.input } }' }
  - after: { set: '\${ . + { context: $context } }' }
`, { x: 1 });
    expect(log.state.output).toEqual({
      fromRaw: { x: 1 }, input: { y: 1, ref: '/do/0/t' },
      context: { rawOut: { y: 1, ref: '/do/0/t' }, out: { y: 1, ref: '/do/0/t' } },
    });
    const completed = log.events.find((e) => e.type.endsWith('task.completed.v1'));
    expect(completed?.data.output).toMatchObject({ fromRaw: { x: 1 } });
    const set = runScenario(`${header}do:\n  - t:\n      set: { d: '\${ $task }' }\n`, { x: 1 }).state.output as { d: Record<string, unknown> };
    expect(set.d).toEqual({
      name: 't', reference: '/do/0/t', definition: { set: { d: '${ $task }' } }, input: { x: 1 }, output: null,
      startedAt: { iso8601: ISO_T0, epoch: { seconds: T0 / 1000, milliseconds: T0 } },
    });
  });

  it('$workflow: id, definition, raw input (before input.from), startedAt; $runtime from the runtime', () => {
    const log = run(`input: { from: .payload }
do:
  - t:
      set: { id: '\${ $workflow.id }', name: '\${ $workflow.definition.document.name }', raw: '\${ $workflow.input }', input: '\${ . }', at: '\${ $workflow.startedAt.iso8601 }', runtime: '\${ $runtime }' }
output: { as: '\${ . + { outRuntime: $runtime.version, outWorkflow: $workflow.id } }' }
`, { payload: { a: 1 }, extra: true }, { env: { runtime: { name: 'baton', version: '9.9.9', metadata: { region: 'eu' } } } });
    expect(log.state.output).toEqual({
      id: 'run-1', name: 'outputs', raw: { payload: { a: 1 }, extra: true }, input: { a: 1 }, at: ISO_T0,
      runtime: { name: 'baton', version: '9.9.9', metadata: { region: 'eu' } }, outRuntime: '9.9.9', outWorkflow: 'run-1',
    });
  });

  it('$task.startedAt is when the task begins, also when a yield puts that in a later decision than its creation', () => {
    const stamp = (name: string) => `  - ${name}: { set: '\${ . + { ${name}: $task.startedAt.epoch.milliseconds } }' }\n`;
    const wf = compile(`${header}do:\n${['a', 'b', 'c', 'd'].map(stamp).join('')}`);
    // Two steps per decision: a task's frame is created by the step that completes the one before, and begins in the next decision.
    const env = (now: number) => ({ now, runId: 'r1', limits: { stepsPerDecision: 2 } });
    let decision = decide(wf, undefined, { type: 'start', input: {} }, env(T0));
    const events = [...decision.events];
    for (let now = T0 + 1000; decision.state.status === 'running' && now < T0 + 20_000; now += 1000) {
      const owed = decision.effects.find((e): e is Extract<Effect, { kind: 'continue' }> => e.kind === 'continue');
      decision = decide(wf, JSON.parse(JSON.stringify(decision.state)) as RunState, { type: 'continue', id: owed!.id }, env(now));
      events.push(...decision.events);
    }
    const startedAt = Object.fromEntries(events.filter((e) => e.type.endsWith('task.started.v1')).map((e) => [e.data.name, new Date(String(e.data.startedAt)).getTime()]));
    expect(decision.state).toMatchObject({ status: 'completed', output: startedAt });
    expect(new Set(Object.values(startedAt)).size).toBeGreaterThan(1);
  });
});
