import { describe, expect, it } from 'vitest';
import { runScenario } from './driver.ts';
import type { Script } from './driver.ts';

const header = `document: { dsl: '1.0.3', namespace: test, name: listen, version: '0.1.0' }\n`;
const vitals = `          - with:
              type: vitals.temperature
              data: \${ .temperature > 38 }
          - with:
              type: vitals.bpm
              data: \${ .bpm < 60 or .bpm > 100 }`;
const temp = (at: number, temperature: number): NonNullable<Script['events']>[number] => ({ at, event: { type: 'vitals.temperature', data: { temperature } } });
const bpm = (at: number, value: number): NonNullable<Script['events']>[number] => ({ at, event: { type: 'vitals.bpm', data: { bpm: value } } });

describe('listen', () => {
  it('to.one: the first matching event completes the task (output: [its data]); the run waits meanwhile', () => {
    const log = runScenario(`${header}do:
  - started:
      listen:
        to:
          one:
            with: { type: race.started, source: 'https://race\\.example/.*' }
`, {}, { events: [{ at: 10, event: { type: 'race.started', source: 'https://other.example/x', data: 0 } }, { at: 20, event: { type: 'race.started', source: 'https://race.example/1', data: { car: 7 } } }] });
    expect(log.decisions[0]!.state.status).toBe('waiting');
    expect(log.decisions[0]!.effects).toEqual([{ kind: 'listen', id: expect.any(String), reference: '/do/0/started', filters: [{ with: { type: 'race.started', source: 'https://race\\.example/.*' } }] }]);
    expect(log.state).toMatchObject({ status: 'completed', output: [{ car: 7 }] });
    expect(log.effects.at(-1)).toMatchObject({ kind: 'unlisten' });
  });

  it('to.any: the first event matching any filter (data conditions included) completes it', () => {
    const log = runScenario(`${header}do:
  - doctor:
      listen:
        to:
          any:
${vitals}
`, {}, { events: [temp(1, 37), bpm(2, 120)] });
    expect(log.state.output).toEqual([{ bpm: 120 }]);
  });

  it('to.any with an until expression consumes until it holds for the consumed events', () => {
    const log = runScenario(`${header}do:
  - collect:
      listen:
        to:
          any: []
          until: ( . | length ) > 2
`, {}, { events: [temp(1, 1), temp(2, 2), bpm(3, 3), temp(4, 4)] });
    expect(log.state.output).toEqual([{ temperature: 1 }, { temperature: 2 }, { bpm: 3 }]);
  });

  it('ignores an event delivered twice (same source and id)', () => {
    const log = runScenario(`${header}do:
  - collect:
      listen:
        to:
          any: []
          until: length >= 2
`, {}, { events: [temp(1, 1), temp(1, 1), temp(2, 2)] });
    expect(log.decisions[2]!.effects).toEqual([]);
    expect(log.decisions[2]!.events).toEqual([]);
    expect(log.state.output).toEqual([{ temperature: 1 }, { temperature: 2 }]);
  });

  it('to.any with until events stops when they arrive and leaves them out of the output', () => {
    const log = runScenario(`${header}do:
  - collect:
      listen:
        to:
          any:
${vitals}
          until:
            one:
              with: { type: patient.checked-out }
`, {}, { events: [temp(1, 39), bpm(2, 80), bpm(3, 40), { at: 4, event: { type: 'patient.checked-out', data: {} } }, temp(5, 40)] });
    expect(log.state.output).toEqual([{ temperature: 39 }, { bpm: 40 }]);
  });

  it('to.all: one event per filter, in any order; read: envelope outputs whole events', () => {
    const log = runScenario(`${header}do:
  - both:
      listen:
        to:
          all:
${vitals}
        read: envelope
`, {}, { events: [bpm(1, 120), bpm(2, 130), temp(3, 39)] });
    const output = log.state.output as Array<{ type: string; data: unknown }>;
    expect(output.map((e) => [e.type, e.data])).toEqual([['vitals.bpm', { bpm: 120 }], ['vitals.temperature', { temperature: 39 }]]);
  });

  it('correlates events: the first value sets the expectation', () => {
    const log = runScenario(`${header}do:
  - room:
      listen:
        to:
          all:
            - with: { type: sensor.temperature }
              correlate: { roomId: { from: .roomid } }
            - with: { type: sensor.humidity }
              correlate: { roomId: { from: .roomid } }
`, {}, {
      events: [
        { at: 1, event: { type: 'sensor.temperature', roomid: 'a', data: 20 } },
        { at: 2, event: { type: 'sensor.humidity', roomid: 'b', data: 50 } },
        { at: 3, event: { type: 'sensor.humidity', roomid: 'a', data: 40 } },
      ],
    });
    expect(log.state.output).toEqual([20, 40]);
  });

  it('binds the variables of a data condition into the filter sent to the runtime', () => {
    const log = runScenario(`${header}do:
  - hot:
      listen:
        to:
          one:
            with:
              type: vitals.temperature
              data: \${ .temperature > $input.max and .temperature < $context.limit }
`, { max: 38, limit: 45 }, { events: [temp(1, 37), temp(2, 50), temp(3, 39)] });
    expect(log.effects[0]).toMatchObject({ filters: [{ with: { data: '${ ({"max":38,"limit":45}) as $input | ({"max":38,"limit":45}) as $context | .temperature > $input.max and .temperature < $context.limit }' } }] });
    expect(log.state.output).toEqual([{ temperature: 39 }]);
  });

  it('correlates with an expected value computed from the input', () => {
    const log = runScenario(`${header}do:
  - order:
      listen:
        to:
          one:
            with: { type: order.paid }
            correlate: { orderId: { from: .data.id, expect: '\${ .orderId }' } }
`, { orderId: 'o2' }, { events: [{ at: 1, event: { type: 'order.paid', data: { id: 'o1' } } }, { at: 2, event: { type: 'order.paid', data: { id: 'o2' } } }] });
    expect(log.state.output).toEqual([{ id: 'o2' }]);
  });

  it('foreach runs its tasks for each consumed event, in order, collecting outputs', () => {
    const log = runScenario(`${header}do:
  - gossip:
      listen:
        to:
          any: []
          until: '\${ length >= 2 }'
      foreach:
        item: event
        at: i
        do:
          - post:
              call: http
              with: { method: post, endpoint: https://chat.example, body: { event: '\${ $event }', i: '\${ $i }' } }
        output:
          as: '\${ { posted: . } }'
`, {}, { events: [temp(1, 1), temp(2, 2), temp(3, 3)], answer: (effect) => ({ output: (effect as { payload: { body: unknown } }).payload.body, after: 10 }) });
    expect(log.state.output).toEqual([{ posted: { event: { temperature: 1 }, i: 0 } }, { posted: { event: { temperature: 2 }, i: 1 } }]);
  });
});
