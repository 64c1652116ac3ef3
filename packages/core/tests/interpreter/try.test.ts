import { describe, expect, it } from 'vitest';
import { ErrorTypes } from '../../src/errors.ts';
import { retryDelay, unitHash } from '../../src/interpreter/tasks/try.ts';
import { eventTypes, runScenario, T0 } from './driver.ts';
import type { Answer } from './driver.ts';

const header = `document: { dsl: '1.0.3', namespace: test, name: try, version: '0.1.0' }\n`;
const unavailable = { error: { type: ErrorTypes.communication, status: 503, title: 'Service Unavailable' } };
const notFound = { error: { type: ErrorTypes.communication, status: 404, title: 'Not Found' } };

const tryCall = (catchYaml: string, extra = '') => `${header}${extra}do:
  - attempt:
      try:
        - get:
            call: http
            with: { method: get, endpoint: https://svc.example }
      catch:
${catchYaml}
  - after:
      set: '\${ { after: . } }'
`;

/** Fails `failures` times with `error`, then answers "ok". */
const flaky = (failures: number, error: Answer = unavailable) => (_effect: unknown, attempt: number): Answer => (attempt <= failures ? error : { output: 'ok' });

describe('try/catch', () => {
  it('swallows a caught error; the try task outputs its input', () => {
    const log = runScenario(tryCall('        errors: { with: { status: 503 } }'), { in: 1 }, { answer: flaky(1) });
    expect(log.state).toMatchObject({ status: 'completed', output: { after: { in: 1 } } });
  });

  it('lets an error that does not match errors.with propagate', () => {
    const log = runScenario(tryCall('        errors: { with: { type: https://serverlessworkflow.io/spec/1.0.0/errors/communication, status: 404 } }'), {}, { answer: flaky(1) });
    expect(log.state.status).toBe('faulted');
    expect(log.state.error).toMatchObject({ status: 503, instance: '/do/0/attempt/try/0/get' });
  });

  it('matches a standard errors.with type in either spelling (spec text and conformance scenarios)', () => {
    const catching = (type: string) => tryCall(`        errors: { with: { type: ${type}, status: 404 } }
        as: err
        do:
          - keep: { set: { error: '\${ $err }' } }`);
    for (const type of ['https://serverlessworkflow.io/dsl/errors/types/communication', ErrorTypes.communication]) {
      const log = runScenario(catching(type), {}, { answer: flaky(1, notFound) });
      // The caught error keeps the type it was raised with.
      expect(log.state).toMatchObject({ status: 'completed', output: { after: { error: { ...notFound.error, instance: '/do/0/attempt/try/0/get' } } } });
    }
    const raised = (type: string) => `${header}do:
  - attempt:
      try:
        - fail: { raise: { error: { type: '${type}', status: 400 } } }
      catch:
        errors: { with: { type: ${ErrorTypes.validation} } }
`;
    expect(runScenario(raised('https://serverlessworkflow.io/dsl/errors/types/validation'), { in: 1 }).state).toMatchObject({ status: 'completed', output: { in: 1 } });
    expect(runScenario(raised('https://serverlessworkflow.io/dsl/errors/types/expression'), {}).state).toMatchObject({ status: 'faulted', error: { type: 'https://serverlessworkflow.io/dsl/errors/types/expression' } });
    expect(runScenario(catching('https://serverlessworkflow.io/dsl/errors/types/timeout'), {}, { answer: flaky(1, notFound) }).state.status).toBe('faulted');
  });

  it('runs catch.do with the error in scope under catch.as', () => {
    const log = runScenario(tryCall(`        errors: { with: { status: 404 } }
        as: failure
        do:
          - report:
              set:
                status: \${ $failure.status }
                title: \${ $failure.title }
                input: \${ . }
              export:
                as: '\${ $context + { failed: true } }'
          - check:
              set: '\${ . + { ctx: $context.failed } }'`), { in: 1 }, { answer: flaky(1, notFound) });
    expect(log.state.output).toEqual({ after: { status: 404, title: 'Not Found', input: { in: 1 }, ctx: true } });
  });

  it('applies when and exceptWhen with the error in scope', () => {
    const when = tryCall(`        when: \${ $error.status >= 500 }
        do:
          - handled: { set: { handled: true } }`);
    expect(runScenario(when, {}, { answer: flaky(1) }).state.output).toEqual({ after: { handled: true } });
    expect(runScenario(when, {}, { answer: flaky(1, notFound) }).state.status).toBe('faulted');
    const exceptWhen = tryCall(`        exceptWhen: \${ $error.status == 503 }
        do:
          - handled: { set: { handled: true } }`);
    expect(runScenario(exceptWhen, {}, { answer: flaky(1) }).state.status).toBe('faulted');
    expect(runScenario(exceptWhen, {}, { answer: flaky(1, notFound) }).state.output).toEqual({ after: { handled: true } });
  });

  it('errors raised inside catch.do propagate', () => {
    const log = runScenario(tryCall(`        do:
          - rethrow:
              raise:
                error: { type: https://example.com/again, status: 500 }`), {}, { answer: flaky(1) });
    expect(log.state.error).toMatchObject({ type: 'https://example.com/again', instance: '/do/0/attempt/catch/do/0/rethrow' });
  });

  it('a catch.when that fails to evaluate faults the try task with an expression error', () => {
    const log = runScenario(`${header}do:
  - outer:
      try:
        - inner:
            try:
              - boom: { raise: { error: { type: https://example.com/x, status: 500 } } }
            catch:
              when: \${ $error.status | ascii_downcase }
      catch:
        as: e
        do:
          - report: { set: { type: '\${ $e.type }', instance: '\${ $e.instance }' } }
`, {});
    expect(log.state.output).toEqual({ type: ErrorTypes.expression, instance: '/do/0/outer/try/0/inner' });
  });

  it('catches errors from nested do and fork, cancelling what still runs there', () => {
    const log = runScenario(`${header}do:
  - guarded:
      try:
        - nested:
            do:
              - parallel:
                  fork:
                    branches:
                      - waits: { wait: PT1H }
                      - fails: { raise: { error: { type: https://example.com/boom, status: 500 } } }
      catch:
        as: e
        do:
          - note: { set: { caught: '\${ $e.instance }' } }
`, {});
    expect(log.state).toMatchObject({ status: 'completed', output: { caught: '/do/0/guarded/try/0/nested/do/0/parallel/fork/branches/1/fails' } });
    expect(log.effects).toEqual([]); // the branch's timer was started and cancelled in one decision
    expect(log.events.filter((e) => e.type.endsWith('task.cancelled.v1')).map((e) => e.data.task)).toEqual(['/do/0/guarded/try/0/nested/do/0/parallel/fork/branches/0/waits']);
  });
});

describe('retry', () => {
  const retrying = (policy: string) => tryCall(`        errors: { with: { status: 503 } }
        retry:
${policy}`);

  it('retries after the delay with a new effect id until the call succeeds', () => {
    const log = runScenario(retrying(`          delay: { seconds: 3 }
          limit: { attempt: { count: 5 } }`), {}, { answer: flaky(2) });
    expect(log.state).toMatchObject({ status: 'completed', output: { after: 'ok' } });
    expect(new Set(log.tasks.map((t) => t.id)).size).toBe(3);
    const timers = log.effects.filter((e) => e.kind === 'timer').map((e) => (e as { fireAt: number }).fireAt - T0);
    expect(timers).toEqual([3000, 6000]);
    expect(eventTypes(log).filter((t) => t === 'task.retried')).toHaveLength(2);
  });

  it('creates and starts the try once and its body once per attempt (each attempt is a new task instance)', () => {
    const log = runScenario(retrying(`          delay: { seconds: 3 }
          limit: { attempt: { count: 5 } }`), {}, { answer: flaky(2) });
    const phases = (ref: string) => log.events.filter((e) => e.data.task === ref).map((e) => e.type.split('.').at(-2));
    expect(phases('/do/0/attempt')).toEqual(['created', 'started', 'retried', 'retried', 'completed']);
    expect(phases('/do/0/attempt/try/0/get')).toEqual(['created', 'started', 'faulted', 'created', 'started', 'faulted', 'created', 'started', 'completed']);
  });

  it.each([
    ['constant', [3000, 6000, 9000]],
    ['linear', [3000, 3000 + 6000, 3000 + 6000 + 9000]],
    ['exponential', [3000, 3000 + 6000, 3000 + 6000 + 12000]],
  ])('%s backoff spaces the retries', (backoff, fireTimes) => {
    const log = runScenario(retrying(`          delay: { seconds: 3 }
          backoff: { ${backoff}: {} }
          limit: { attempt: { count: 3 } }`), {}, { answer: flaky(3) });
    expect(log.effects.filter((e) => e.kind === 'timer').map((e) => (e as { fireAt: number }).fireAt - T0)).toEqual(fireTimes);
    expect(log.state.output).toEqual({ after: 'ok' });
  });

  it('faults with the last error once attempt.count retries are exhausted', () => {
    const log = runScenario(retrying(`          delay: { seconds: 1 }
          limit: { attempt: { count: 2 } }`), {}, { answer: flaky(10) });
    expect(log.tasks).toHaveLength(3);
    expect(log.state.status).toBe('faulted');
    expect(log.state.error).toMatchObject({ status: 503 });
  });

  it('runs catch.do once retries are exhausted', () => {
    const log = runScenario(tryCall(`        retry:
          delay: { seconds: 1 }
          limit: { attempt: { count: 1 } }
        do:
          - fallback: { set: { fallback: true } }`), {}, { answer: flaky(10) });
    expect(log.tasks).toHaveLength(2);
    expect(log.state.output).toEqual({ after: { fallback: true } });
  });

  it('stops retrying after limit.duration', () => {
    const log = runScenario(retrying(`          delay: { seconds: 10 }
          limit: { duration: { seconds: 25 } }`), {}, { answer: flaky(10) });
    expect(log.tasks).toHaveLength(3); // retries at 10 s and 20 s; the one at 30 s would exceed 25 s
    expect(log.state.status).toBe('faulted');
  });

  it('does not retry an attempt that ran longer than limit.attempt.duration', () => {
    const log = runScenario(retrying(`          delay: { seconds: 1 }
          limit: { attempt: { duration: { seconds: 5 } } }`), {}, {
      answer: (_e, attempt) => ({ ...unavailable, after: attempt === 1 ? 1000 : 6000 }),
    });
    expect(log.tasks).toHaveLength(2);
    expect(log.state.status).toBe('faulted');
  });

  it('uses a reusable retry policy and its when condition', () => {
    const doc = tryCall('        retry: onlyServerErrors', `use:
  retries:
    onlyServerErrors:
      when: \${ $error.status >= 500 }
      delay: PT1S
      limit: { attempt: { count: 3 } }
`);
    expect(runScenario(doc, {}, { answer: flaky(2) }).state.output).toEqual({ after: 'ok' });
    const notRetried = runScenario(doc, {}, { answer: flaky(2, notFound) });
    expect(notRetried.tasks).toHaveLength(1);
    expect(notRetried.state.status).toBe('faulted');
  });

  it('adds a deterministic jitter within [from, to]', () => {
    const policy = `          delay: { seconds: 1 }
          jitter: { from: { milliseconds: 100 }, to: { milliseconds: 900 } }
          limit: { attempt: { count: 1 } }`;
    const first = runScenario(retrying(policy), {}, { answer: flaky(1) });
    const again = runScenario(retrying(policy), {}, { answer: flaky(1) });
    const delayOf = (log: typeof first) => (log.effects.find((e) => e.kind === 'timer') as { fireAt: number }).fireAt - T0;
    expect(delayOf(first)).toBe(delayOf(again));
    expect(delayOf(first)).toBeGreaterThanOrEqual(1100);
    expect(delayOf(first)).toBeLessThanOrEqual(1900);
    const otherRun = runScenario(retrying(policy), {}, { answer: flaky(1), env: { runId: 'run-2' } });
    expect(delayOf(otherRun)).not.toBe(delayOf(first));
  });

  it('retryDelay and unitHash', () => {
    expect(unitHash('a')).toBe(unitHash('a'));
    expect(unitHash('a')).not.toBe(unitHash('b'));
    expect(retryDelay({ delayMs: 100, backoff: 'exponential' }, 4, 'x')).toBe(800);
    expect(retryDelay({ delayMs: 100, backoff: 'linear' }, 4, 'x')).toBe(400);
    expect(retryDelay({ delayMs: 0, backoff: 'constant', jitter: { fromMs: 10, toMs: 10 } }, 1, 'x')).toBe(10);
  });

  it('retries at once when there is no delay', () => {
    const log = runScenario(retrying('          limit: { attempt: { count: 2 } }'), {}, { answer: flaky(1) });
    expect(log.effects.some((e) => e.kind === 'timer')).toBe(false);
    expect(log.state.output).toEqual({ after: 'ok' });
  });
});
