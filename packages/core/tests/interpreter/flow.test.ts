import { describe, expect, it } from 'vitest';
import { BatonErrorTypes, ErrorTypes } from '../../src/errors.ts';
import { compile, eventTypes, runScenario } from './driver.ts';

const header = `document: { dsl: '1.0.3', namespace: test, name: flow, version: '0.1.0' }\n`;

describe('switch and flow directives', () => {
  const workflow = `${header}do:
  - route:
      switch:
        - big:
            when: .n > 10
            then: large
        - negative:
            when: .n < 0
            then: end
        - default:
            then: small
  - small:
      set: { size: small }
      then: exit
  - large:
      set: { size: large }
  - after:
      set: '\${ . + { after: true } }'
`;
  it('follows the first matching case', () => {
    expect(runScenario(workflow, { n: 11 }).state.output).toEqual({ size: 'large', after: true });
  });
  it('takes the default case and exit ends the top-level list', () => {
    expect(runScenario(workflow, { n: 1 }).state.output).toEqual({ size: 'small' });
  });
  it('end completes the workflow with the current data', () => {
    const log = runScenario(workflow, { n: -5 });
    expect(log.state).toMatchObject({ status: 'completed', output: { n: -5 } });
  });
  it('continues with the next task when no case matches and there is no default', () => {
    const log = runScenario(`${header}do:
  - route:
      switch:
        - one: { when: '.n == 1', then: end }
  - next:
      set: { reached: true }
`, { n: 2 });
    expect(log.state.output).toEqual({ reached: true });
  });
  it('then: end inside a nested do ends the whole workflow', () => {
    const log = runScenario(`${header}do:
  - outer:
      do:
        - inner:
            set: { stopped: here }
            then: end
        - never:
            set: { wrong: true }
  - neverEither:
      set: { wrong: true }
`, {});
    expect(log.state.output).toEqual({ stopped: 'here' });
  });
  it('exit inside a nested do leaves only that do', () => {
    const log = runScenario(`${header}do:
  - outer:
      do:
        - inner:
            set: { a: 1 }
            then: exit
        - skipped:
            set: { wrong: true }
  - next:
      set: '\${ . + { b: 2 } }'
`, {});
    expect(log.state.output).toEqual({ a: 1, b: 2 });
  });
  it('a directive naming a task jumps there, loops included', () => {
    const log = runScenario(`${header}do:
  - inc:
      set: { n: '\${ .n + 1 }' }
  - check:
      switch:
        - again: { when: '.n < 5', then: inc }
        - default: { then: continue }
  - done:
      set: '\${ . + { done: true } }'
`, { n: 0 });
    expect(log.state.output).toEqual({ n: 5, done: true });
  });
  it('an endless loop yields between decisions and is stopped by a run limit (limits.test.ts has the details)', () => {
    const log = runScenario(`${header}do:
  - spin:
      set: {}
      then: spin
`, {}, { env: { limits: { eventsPerRun: 3_000, stepsPerDecision: 200 } } });
    expect(log.state.status).toBe('faulted');
    expect(log.state.error).toMatchObject({ type: BatonErrorTypes.limitExceeded, status: 429, limit: 'eventsPerRun', max: 3_000 });
    expect(log.decisions.length).toBeGreaterThan(5);
  });
  it('rejects at compile time a directive that names no task of its list', () => {
    expect(() => compile(`${header}do:
  - a:
      do:
        - b:
            set: {}
            then: c
  - c:
      set: {}
`)).toThrow(/flow directive "c" names no task of this list.*\/do\/0\/a\/do\/0\/b\/then/);
  });
});

describe('if', () => {
  const workflow = `${header}do:
  - maybe:
      if: .go
      set: { ran: true }
      then: end
  - next:
      set: '\${ . + { next: true } }'
`;
  it('runs the task when the condition holds', () => {
    expect(runScenario(workflow, { go: true }).state.output).toEqual({ ran: true });
  });
  it('skips the task (raw input becomes its output, no then) when it does not', () => {
    const log = runScenario(workflow, { go: false });
    expect(log.state.output).toEqual({ go: false, next: true });
    expect(log.events.filter((e) => e.data.task === '/do/0/maybe')).toEqual([]);
  });
  it('accepts the ${ } form too', () => {
    const log = runScenario(`${header}do:
  - maybe:
      if: \${ .go == 1 }
      set: { ran: true }
`, { go: 1 });
    expect(log.state.output).toEqual({ ran: true });
  });
});

describe('data flow', () => {
  it('applies workflow input.from, task input.from/output.as/export.as and workflow output.as', () => {
    const log = runScenario(`${header}input:
  from: .payload
do:
  - first:
      input:
        from: '\${ { value: .a, ctx: $context.a, raw: $task.input.a } }'
      set:
        doubled: '\${ .value * 2 }'
        seen: '\${ $input }'
      output:
        as: '\${ { doubled, rawDoubled: $task.output.doubled } }'
      export:
        as: '\${ $context + { doubled: $output.doubled } }'
  - second:
      set:
        fromContext: \${ $context }
output:
  as: .fromContext
`, { payload: { a: 21 }, ignored: true });
    expect(log.state.status).toBe('completed');
    // the transformed workflow input is the initial $context (dsl.md, Data Flow)
    expect(log.state.output).toEqual({ a: 21, doubled: 42 });
    const completed = log.events.find((e) => e.type.endsWith('task.completed.v1') && e.data.task === '/do/0/first');
    expect(completed?.data.output).toEqual({ doubled: 42, rawDoubled: 42 });
  });

  it('offers $workflow, $runtime and $task descriptors', () => {
    const log = runScenario(`${header}do:
  - describe:
      set:
        id: \${ $workflow.id }
        name: \${ $workflow.definition.document.name }
        input: \${ $workflow.input }
        started: \${ $workflow.startedAt.iso8601 }
        runtime: \${ $runtime.name }
        task: \${ $task.name }
        ref: \${ $task.reference }
        taskStarted: \${ $task.startedAt.epoch.milliseconds }
`, { x: 1 });
    expect(log.state.output).toEqual({
      id: 'run-1', name: 'flow', input: { x: 1 }, started: '2026-01-01T00:00:00.000Z', runtime: 'baton', task: 'describe', ref: '/do/0/describe', taskStarted: Date.UTC(2026, 0, 1),
    });
  });

  it('faults with a validation error when the workflow input does not match its schema', () => {
    const log = runScenario(`${header}input:
  schema:
    format: json
    document: { type: object, required: [id], properties: { id: { type: integer } } }
do:
  - a: { set: {} }
`, { id: 'x' });
    expect(log.state.status).toBe('faulted');
    expect(log.state.error).toMatchObject({ type: ErrorTypes.validation, status: 400, instance: '/input' });
    expect(eventTypes(log)).toEqual(['workflow.started', 'workflow.faulted']);
  });

  it('validates task input, output and export schemas', () => {
    const schema = (doc: string) => `schema: { format: json, document: ${doc} }`;
    const base = (part: string) => `${header}do:
  - t:
      set: { n: 1 }
      ${part}
`;
    expect(runScenario(base(`input: { ${schema('{ type: string }')} }`), {}).state.error).toMatchObject({ type: ErrorTypes.validation, instance: '/do/0/t' });
    expect(runScenario(base(`output: { ${schema('{ type: object, required: [m] }')} }`), {}).state.error).toMatchObject({ type: ErrorTypes.validation });
    expect(runScenario(base(`export: { as: '.n', ${schema('{ type: string }')} }`), {}).state.error).toMatchObject({ type: ErrorTypes.validation });
    expect(runScenario(base(`export: { as: '.', ${schema('{ type: object, required: [n] }')} }`), {}).state.status).toBe('completed');
  });

  it('validates the workflow output schema after output.as', () => {
    const log = runScenario(`${header}do:
  - a: { set: { n: 1 } }
output:
  as: .n
  schema: { format: json, document: { type: string } }
`, {});
    expect(log.state.error).toMatchObject({ type: ErrorTypes.validation, instance: '/output' });
  });

  it('raises an expression error (400, instance = task reference) when jq fails', () => {
    const log = runScenario(`${header}do:
  - outer:
      do:
        - broken:
            set: '\${ .a.b.c | tonumber }'
`, { a: { b: { c: 'not a number' } } });
    expect(log.state.status).toBe('faulted');
    expect(log.state.error).toMatchObject({ type: ErrorTypes.expression, status: 400, instance: '/do/0/outer/do/0/broken' });
    expect(eventTypes(log)).toEqual(['workflow.started', 'task.created', 'task.started', 'task.created', 'task.started', 'task.faulted', 'task.faulted', 'workflow.faulted']);
  });
});

describe('raise', () => {
  it('raises an inline error with expressions, instance defaulting to the task reference', () => {
    const log = runScenario(`${header}do:
  - fail:
      raise:
        error:
          type: https://example.com/errors/bad
          status: 422
          title: Bad
          detail: \${ "value " + (.v | tostring) }
`, { v: 7 });
    expect(log.state.error).toEqual({ type: 'https://example.com/errors/bad', status: 422, title: 'Bad', detail: 'value 7', instance: '/do/0/fail' });
  });
  it('raises a reusable error of use.errors and keeps an explicit instance', () => {
    const log = runScenario(`${header}use:
  errors:
    nope:
      type: https://example.com/errors/nope
      status: 409
      instance: /custom
      detail: \${ $workflow.definition.document.name }
do:
  - fail:
      raise:
        error: nope
`, {});
    expect(log.state.error).toEqual({ type: 'https://example.com/errors/nope', status: 409, instance: '/custom', detail: 'flow' });
    expect(log.events.at(-1)).toMatchObject({ type: 'io.serverlessworkflow.workflow.faulted.v1', data: { error: log.state.error } });
  });
});
