import { describe, expect, it } from 'vitest';
import { ErrorTypes } from '../../src/errors.ts';
import { eventTypes, runScenario } from './driver.ts';
import type { TaskEffect } from './driver.ts';

const header = `document: { dsl: '1.0.3', namespace: test, name: loops, version: '0.1.0' }\n`;

describe('for', () => {
  it('iterates with the default item/index names, each output feeding the next iteration', () => {
    const log = runScenario(`${header}do:
  - sum:
      for:
        in: .numbers
      do:
        - add:
            set:
              total: \${ .total + $item }
              seen: \${ .seen + [$index] }
`, { numbers: [1, 2, 3], total: 0, seen: [] });
    expect(log.state.output).toEqual({ total: 6, seen: [0, 1, 2] });
  });

  it('uses for.each and for.at names and stops when while no longer holds', () => {
    const log = runScenario(`${header}do:
  - collect:
      for:
        each: word
        at: position
        in: .words
      while: .count < 2
      do:
        - take:
            set:
              count: \${ .count + 1 }
              taken: '\${ .taken + [{ w: $word, at: $position }] }'
`, { words: ['a', 'b', 'c', 'd'], count: 0, taken: [] });
    expect(log.state.output).toEqual({ count: 2, taken: [{ w: 'a', at: 0 }, { w: 'b', at: 1 }] });
  });

  it('outputs its input for an empty collection', () => {
    const log = runScenario(`${header}do:
  - none:
      for: { in: .items }
      do:
        - x: { set: { wrong: true } }
`, { items: [] });
    expect(log.state.output).toEqual({ items: [] });
  });

  it('waits for effects inside iterations and keeps the item in scope across decisions', () => {
    const log = runScenario(`${header}do:
  - each:
      for: { each: pet, in: .pets }
      do:
        - fetch:
            call: http
            with:
              method: get
              endpoint: https://pets.example/
              body: \${ $pet }
            output:
              as: \${ . as $out | $input | .names += [$pet.id, $out] }
`, { pets: [{ id: 1 }, { id: 2 }], names: [] }, {
      answer: (effect) => ({ output: `pet${((effect as TaskEffect).payload as { body: { id: number } }).body.id}`, after: 5 }),
    });
    expect(log.tasks.map((t) => (t as TaskEffect).payload)).toEqual([
      { method: 'get', endpoint: 'https://pets.example/', body: { id: 1 } },
      { method: 'get', endpoint: 'https://pets.example/', body: { id: 2 } },
    ]);
    expect(log.state).toMatchObject({ status: 'completed', output: { pets: [{ id: 1 }, { id: 2 }], names: [1, 'pet1', 2, 'pet2'] } });
  });

  it('faults with an expression error when for.in is not a collection', () => {
    const log = runScenario(`${header}do:
  - bad:
      for: { in: .n }
      do:
        - x: { set: {} }
`, { n: 3 });
    expect(log.state.error).toMatchObject({ type: ErrorTypes.expression, instance: '/do/0/bad' });
  });
});

describe('fork', () => {
  const fork = (compete: boolean) => `${header}do:
  - both:
      fork:
        compete: ${compete}
        branches:
          - slow:
              call: http
              with: { method: get, endpoint: https://slow.example }
          - fast:
              call: http
              with: { method: get, endpoint: https://fast.example }
          - inline:
              set: { inline: true }
`;
  const answers = (effect: { reference: string }) =>
    effect.reference.endsWith('/slow') ? { output: 'slow', after: 2000 } : { output: 'fast', after: 1000 };

  it('starts every branch in the same decision and outputs branch outputs in declaration order', () => {
    const log = runScenario(fork(false), {}, { answer: answers });
    expect(log.decisions[0]!.effects.filter((e) => e.kind === 'task')).toHaveLength(2);
    expect(log.state).toMatchObject({ status: 'completed', output: ['slow', 'fast', { inline: true }] });
  });

  it('with compete, the first branch to complete wins and the others are cancelled', () => {
    const log = runScenario(fork(true).replace(/ {10}- inline:\n {14}set: \{ inline: true \}\n/, ''), {}, { answer: answers });
    expect(log.state).toMatchObject({ status: 'completed', output: 'fast' });
    const slowId = log.tasks.find((t) => t.reference.endsWith('/slow'))!.id;
    expect(log.effects).toContainEqual({ kind: 'cancelTask', id: slowId });
    expect(log.events.filter((e) => e.type.endsWith('task.cancelled.v1')).map((e) => e.data.task)).toEqual(['/do/0/both/fork/branches/0/slow']);
  });

  it('a failing branch cancels its siblings and faults the fork', () => {
    const log = runScenario(fork(false), {}, {
      answer: (effect) => (effect.reference.endsWith('/fast') ? { error: { type: ErrorTypes.communication, status: 503 } } : 'never'),
    });
    expect(log.state.status).toBe('faulted');
    expect(log.state.error).toMatchObject({ type: ErrorTypes.communication, status: 503, instance: '/do/0/both/fork/branches/1/fast' });
    const slowId = log.tasks.find((t) => t.reference.endsWith('/slow'))!.id;
    expect(log.effects).toContainEqual({ kind: 'cancelTask', id: slowId });
  });

  it('a compete fork won by an inline branch never emits the losers\' effects', () => {
    const log = runScenario(`${header}do:
  - race:
      fork:
        compete: true
        branches:
          - remote: { call: http, with: { method: get, endpoint: https://slow } }
          - local: { set: { local: true } }
`, {});
    expect(log.effects).toEqual([]);
    expect(log.state).toMatchObject({ status: 'completed', output: { local: true } });
  });

  it('runs nested forks and sequences inside branches', () => {
    const log = runScenario(`${header}do:
  - outer:
      fork:
        branches:
          - left:
              fork:
                branches:
                  - a: { call: http, with: { method: get, endpoint: https://a } }
                  - b: { wait: PT1S }
          - right:
              do:
                - c: { call: http, with: { method: get, endpoint: https://c } }
                - d: { set: '\${ { d: . } }' }
`, { x: 1 }, { answer: (effect) => ({ output: effect.name, after: 10 }) });
    expect(log.decisions[0]!.effects.map((e) => e.kind)).toEqual(['task', 'timer', 'task']);
    expect(log.state.output).toEqual([['a', { x: 1 }], { d: 'c' }]);
  });

  it('then: end in a branch ends the workflow', () => {
    const log = runScenario(`${header}do:
  - f:
      fork:
        branches:
          - waiting: { wait: PT1H }
          - ender: { set: { ended: true }, then: end }
  - after: { set: { wrong: true } }
`, {});
    expect(log.state).toMatchObject({ status: 'completed', output: { ended: true } });
    // the waiting branch's timer was started and cancelled in the same decision: never emitted
    expect(log.effects).toEqual([]);
    expect(eventTypes(log)).toContain('task.cancelled');
  });
});
