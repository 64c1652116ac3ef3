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
      'task.started',
      'task.completed',
      'task.started',
      'task.started',
      'task.completed',
      'task.completed',
      'workflow.completed',
    ]);
  });
});
