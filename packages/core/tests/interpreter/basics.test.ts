import { describe, expect, it } from 'vitest';
import { eventTypes, runScenario } from './driver.ts';

const header = `document: { dsl: '1.0.3', namespace: test, name: t, version: '0.1.0' }\n`;

describe('set and do', () => {
  it('runs set tasks inline and completes', () => {
    const log = runScenario(
      `${header}do:
  - a:
      set:
        x: \${ .n + 1 }
  - b:
      do:
        - c:
            set: '\${ . + { y: (.x * 2) } }'
`,
      { n: 1 },
    );
    expect(log.state.status).toBe('completed');
    expect(log.state.output).toEqual({ x: 2, y: 4 });
    expect(log.decisions).toHaveLength(1);
    expect(eventTypes(log)).toEqual([
      'workflow.started',
      'task.created',
      'task.started',
      'task.completed',
      'task.created',
      'task.started',
      'task.created',
      'task.started',
      'task.completed',
      'task.completed',
      'workflow.completed',
    ]);
  });
});

describe('task lifecycle events', () => {
  /** `phase task` of every task event, e.g. `created /do/0/a`. */
  const taskEvents = (log: ReturnType<typeof runScenario>) =>
    log.events.filter((e) => e.type.startsWith('io.serverlessworkflow.task.')).map((e) => `${e.type.split('.').at(-2)} ${String(e.data.task)}`);

  it('creates each task, with createdAt, before it starts', () => {
    const log = runScenario(`${header}do:
  - a: { set: { n: 1 } }
`, {});
    expect(log.events[1]).toEqual({
      type: 'io.serverlessworkflow.task.created.v1',
      data: { workflow: 't-run-1.test', task: '/do/0/a', name: 'a', createdAt: '2026-01-01T00:00:00.000Z' },
    });
    expect(taskEvents(log)).toEqual(['created /do/0/a', 'started /do/0/a', 'completed /do/0/a']);
  });

  it('a task whose input does not match its schema is created and faulted, never started', () => {
    const log = runScenario(`${header}do:
  - a:
      input: { schema: { format: json, document: { type: string } } }
      set: { n: 1 }
`, {});
    expect(log.state.status).toBe('faulted');
    expect(taskEvents(log)).toEqual(['created /do/0/a', 'faulted /do/0/a']);
  });

  it('a workflow input outside an enum of its schema says which values are allowed', () => {
    const log = runScenario(`${header}input: { schema: { format: json, document: { type: object, properties: { tier: { enum: [free, pro] } } } } }
do:
  - a: { set: { n: 1 } }
`, { tier: 'gold' });
    expect(log.state).toMatchObject({ status: 'faulted', error: { detail: 'workflow input does not match its schema: /tier must be one of "free", "pro" (got "gold")' } });
  });

  it('a task whose input.from fails is created and faulted, never started', () => {
    const log = runScenario(`${header}do:
  - a:
      input: { from: '\${ .x | tonumber }' }
      set: { n: 1 }
`, { x: 'nope' });
    expect(log.state.status).toBe('faulted');
    expect(taskEvents(log)).toEqual(['created /do/0/a', 'faulted /do/0/a']);
  });

  it('a task skipped by its if emits nothing, not even created', () => {
    const log = runScenario(`${header}do:
  - a: { if: 'false', set: { n: 1 } }
  - b: { set: { n: 2 } }
`, {});
    expect(taskEvents(log)).toEqual(['created /do/1/b', 'started /do/1/b', 'completed /do/1/b']);
  });
});
