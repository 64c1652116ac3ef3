import { describe, expect, it } from 'vitest';
import { ErrorTypes } from '../../src/errors.ts';
import { decide, evaluateDeferred } from '../../src/interpreter/index.ts';
import { withGrants } from '../../src/secrets/grants.ts';
import { compile, eventTypes, runScenario, T0 } from './driver.ts';
import type { TaskEffect, WorkflowEffect } from './driver.ts';

const header = `document: { dsl: '1.0.3', namespace: test, name: fx, version: '0.1.0' }\n`;

describe('wait', () => {
  it.each([['PT30S'], ['{ seconds: 30 }'], ['${ "PT" + (.s | tostring) + "S" }']])('waits %s on a timer, status waiting, output = input', (duration) => {
    const log = runScenario(`${header}do:
  - pause:
      wait: ${duration.startsWith('$') ? `'${duration}'` : duration}
`, { s: 30 });
    expect(log.decisions[0]!.state.status).toBe('waiting');
    expect(log.decisions[0]!.effects).toEqual([{ kind: 'timer', id: expect.any(String), fireAt: T0 + 30_000, reference: '/do/0/pause', wait: 'timer' }]);
    expect(log.state).toMatchObject({ status: 'completed', output: { s: 30 } });
    expect(log.now).toBe(T0 + 30_000);
  });
});

describe('emit', () => {
  it('emits a full CloudEvent with evaluated attributes and a deterministic id', () => {
    const doc = `${header}do:
  - notify:
      emit:
        event:
          with:
            source: https://example.com
            type: com.example.done.v1
            subject: \${ .id }
            data:
              id: \${ .id }
              fixed: true
`;
    const log = runScenario(doc, { id: 'o-1' });
    expect(log.emitted).toEqual([
      { specversion: '1.0', id: expect.stringMatching(/^run-1:e\d+$/), source: 'https://example.com', type: 'com.example.done.v1', subject: 'o-1', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json', data: { id: 'o-1', fixed: true } },
    ]);
    expect(runScenario(doc, { id: 'o-1' }).emitted[0]!.id).toBe(log.emitted[0]!.id);
    // The task's raw output is the emitted event, as it left (dsl-reference.md "Emit"; the spec's emit.feature).
    expect(log.state.output).toEqual(log.emitted[0]);
  });
});

describe('call', () => {
  it('emits an http task with the evaluated with, URI template resolved from the task input', () => {
    const log = runScenario(`${header}do:
  - getPet:
      call: http
      with:
        method: get
        endpoint: https://petstore.example/pet/{petId}?q={missing}
        headers: { accept: application/json, x-id: '\${ .petId | tostring }' }
        query: { q: '\${ .petId }' }
        output: response
        redirect: true
`, { petId: 'a b' }, { answer: () => ({ output: { statusCode: 200 } }) });
    expect(log.tasks[0]).toEqual({
      kind: 'task', id: expect.any(String), taskKind: 'http', reference: '/do/0/getPet', name: 'getPet',
      payload: { method: 'get', endpoint: 'https://petstore.example/pet/a%20b?q=', headers: { accept: 'application/json', 'x-id': 'a b' }, query: { q: 'a b' }, output: 'response', redirect: true },
    });
    expect(log.decisions[0]!.state.status).toBe('running');
    expect(log.state.output).toEqual({ statusCode: 200 });
  });

  it('does not template-expand an endpoint computed by an expression', () => {
    const log = runScenario(`${header}do:
  - get:
      call: http
      with: { method: get, endpoint: '\${ .url }' }
`, { url: 'https://x.example/{literal}' }, { answer: () => ({ output: 1 }) });
    expect((log.tasks[0] as TaskEffect).payload).toMatchObject({ endpoint: 'https://x.example/{literal}' });
  });

  it('resolves a referenced authentication policy and defers expressions that use $secrets', () => {
    const doc = `${header}use:
  authentications:
    petAuth:
      bearer:
        token: \${ $secrets.petToken }
do:
  - get:
      call: http
      with:
        method: get
        endpoint:
          uri: https://petstore.example/pet/{id}
          authentication: { use: petAuth }
        headers:
          x-key: \${ $secrets.apiKey + "-" + .id }
          x-plain: \${ .id }
`;
    const log = runScenario(doc, { id: '7' }, { answer: () => ({ output: 'ok' }), env: { namespace: 'pets' } });
    const payload = (log.tasks[0] as TaskEffect).payload;
    expect(payload).toEqual({
      method: 'get',
      endpoint: { uri: 'https://petstore.example/pet/7', authentication: { bearer: { token: { $deferred: '$secrets.petToken', input: { id: '7' }, context: { id: '7' }, namespace: 'pets' } } } },
      headers: { 'x-key': { $deferred: '$secrets.apiKey + "-" + .id', input: { id: '7' }, context: { id: '7' }, namespace: 'pets' }, 'x-plain': '7' },
    });
    const secrets = withGrants({ petToken: 'T0K3N', apiKey: 'K' }, { petToken: ['pets'], apiKey: ['pets'] });
    expect(evaluateDeferred(payload, secrets)).toEqual({
      method: 'get',
      endpoint: { uri: 'https://petstore.example/pet/7', authentication: { bearer: { token: 'T0K3N' } } },
      headers: { 'x-key': 'K-7', 'x-plain': '7' },
    });
  });

  it('describes the resolved authorization as $authorization in output.as, unless it is secret', () => {
    const doc = (token: string) => `${header}do:
  - get:
      call: http
      with:
        method: get
        endpoint: { uri: https://x, authentication: { bearer: { token: '${token}' } } }
      output:
        as: \${ $authorization }
`;
    expect(runScenario(doc('${ .token }'), { token: 'abc' }, { answer: () => ({ output: 1 }) }).state.output).toEqual({ scheme: 'Bearer', parameter: 'abc' });
    const secret = runScenario(doc('${ $secrets.t }'), {}, { answer: () => ({ output: 1 }), env: { namespace: 'ns' } });
    expect(secret.state.output).toBeNull();
  });

  it('sends agent and approval calls as worker tasks; an approval makes the run wait', () => {
    const log = runScenario(`${header}do:
  - draft:
      call: agent:1.0.0@default
      with: { model: m, prompt: '\${ "Write about " + .topic }' }
  - review:
      call: approval:1.0.0@default
      with: { title: Approve the draft, content: '\${ .content }' }
      timeout: { after: { hours: 1 } }
`, { topic: 'cats' }, { answer: (effect) => ({ output: effect.name === 'draft' ? { message: { role: 'assistant', content: 'a draft' }, finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, model: 'm' } : { approved: true }, after: 100 }) });
    expect(log.tasks.map((t) => [(t as TaskEffect).taskKind, (t as TaskEffect).payload])).toEqual([
      ['agent', { model: 'm', messages: [{ role: 'user', content: 'Write about cats' }], turn: 1, stream: true }],
      ['approval', { title: 'Approve the draft', content: 'a draft' }],
    ]);
    expect((log.tasks[1] as TaskEffect).timeoutMs).toBe(3_600_000);
    expect(log.decisions.map((d) => d.state.status)).toEqual(['running', 'waiting', 'completed']);
    expect(log.state.output).toEqual({ approved: true });
  });

  it('a failed call faults with the worker error, instance defaulting to the task', () => {
    const log = runScenario(`${header}do:
  - get: { call: http, with: { method: get, endpoint: https://x } }
`, {}, { answer: () => ({ error: { type: ErrorTypes.communication, status: 502, title: 'Bad Gateway' } }) });
    expect(log.state.error).toEqual({ type: ErrorTypes.communication, status: 502, title: 'Bad Gateway', instance: '/do/0/get' });
  });

  it('calls a function of use.functions with `with` as its input (schema-checked)', () => {
    const doc = `${header}use:
  functions:
    getPetById:
      input:
        schema:
          document: { type: object, properties: { petId: { type: integer } }, required: [petId] }
      call: http
      with: { method: get, endpoint: 'https://petstore.example/pet/{petId}' }
do:
  - getPet:
      call: getPetById
      with: { petId: '\${ .id }' }
      output: { as: .name }
`;
    const log = runScenario(doc, { id: 69 }, { answer: () => ({ output: { name: 'Rex' } }) });
    expect(log.tasks[0]).toMatchObject({ reference: '/use/functions/getPetById', payload: { endpoint: 'https://petstore.example/pet/69' } });
    expect(log.state.output).toBe('Rex');
    const invalid = runScenario(doc, { id: 'x' }, { answer: () => ({ output: {} }) });
    expect(invalid.state.error).toMatchObject({ type: ErrorTypes.validation, instance: '/use/functions/getPetById' });
  });
});

describe('run: workflow', () => {
  const doc = (awaitIt: boolean) => `${header}do:
  - child:
      run:
        workflow: { namespace: other, name: register, version: '1.0.0', input: { customer: '\${ .user }' } }
        await: ${awaitIt}
`;
  it('starts a child run and continues with its output', () => {
    const log = runScenario(doc(true), { user: 'ann' }, { answer: () => ({ output: { id: 1 } }) });
    expect(log.tasks[0]).toEqual({ kind: 'workflow', id: expect.any(String), reference: '/do/0/child', name: 'child', namespace: 'other', workflowName: 'register', version: '1.0.0', input: { customer: 'ann' }, await: true });
    expect(log.decisions[0]!.state.status).toBe('running');
    expect(log.state.output).toEqual({ id: 1 });
  });
  it('with await: false completes at once with its input', () => {
    const log = runScenario(doc(false), { user: 'ann' });
    expect(log.decisions).toHaveLength(1);
    expect(log.state.output).toEqual({ user: 'ann' });
    expect(log.tasks[0]).toMatchObject({ kind: 'workflow', await: false });
  });
});

describe('timeouts', () => {
  it('a task timeout cancels the running call and raises a timeout error (408)', () => {
    const log = runScenario(`${header}do:
  - slow:
      call: http
      with: { method: get, endpoint: https://slow }
      timeout: { after: PT5S }
`, {}, { answer: () => 'never' });
    const callId = log.tasks[0]!.id;
    expect(log.state.error).toEqual({ type: ErrorTypes.timeout, status: 408, title: 'Timeout', detail: 'timed out after 5000 ms', instance: '/do/0/slow' });
    expect(log.effects).toContainEqual({ kind: 'cancelTask', id: callId });
    expect(log.now).toBe(T0 + 5000);
  });

  it('a timeout on a composite task cancels everything running inside it', () => {
    const log = runScenario(`${header}do:
  - batch:
      timeout: { after: { seconds: 2 } }
      fork:
        branches:
          - call: { call: http, with: { method: get, endpoint: https://slow } }
          - listen: { listen: { to: { one: { with: { type: never } } } } }
`, {}, { answer: () => 'never' });
    expect(log.state.error).toMatchObject({ type: ErrorTypes.timeout, instance: '/do/0/batch' });
    expect(log.effects.filter((e) => ['cancelTask', 'unlisten'].includes(e.kind))).toHaveLength(2);
    expect(eventTypes(log)).toEqual(['workflow.started', 'task.created', 'task.started', 'task.created', 'task.started', 'task.created', 'task.started', 'task.cancelled', 'task.cancelled', 'task.faulted', 'workflow.faulted']);
  });

  it('a timeout of use.timeouts can be caught like any error', () => {
    const log = runScenario(`${header}use:
  timeouts:
    short: { after: { seconds: 1 } }
do:
  - guarded:
      try:
        - long: { wait: PT1M, timeout: short }
      catch:
        errors: { with: { status: 408 } }
        do:
          - gaveUp: { set: { gaveUp: true } }
`, {});
    expect(log.state.output).toEqual({ gaveUp: true });
    expect(log.now).toBe(T0 + 1000);
  });

  it('the timer of a task that completes in time is cancelled', () => {
    const log = runScenario(`${header}do:
  - quick: { call: http, with: { method: get, endpoint: https://q }, timeout: { after: PT5S } }
`, {}, { answer: () => ({ output: 1, after: 10 }) });
    const timer = log.effects.find((e) => e.kind === 'timer')!;
    expect(log.effects).toContainEqual({ kind: 'cancelTimer', id: (timer as { id: string }).id });
    expect(log.state.status).toBe('completed');
  });

  it('the workflow timer is cancelled when the run completes in time', () => {
    const log = runScenario(`${header}timeout: { after: PT1H }
do:
  - quick: { call: http, with: { method: get, endpoint: https://q } }
`, {}, { answer: () => ({ output: 'done', after: 100 }) });
    const timer = log.decisions[0]!.effects.find((e) => e.kind === 'timer') as { id: string; fireAt: number };
    expect(timer.fireAt).toBe(T0 + 3_600_000);
    expect(log.decisions[1]!.effects).toEqual([{ kind: 'cancelTimer', id: timer.id }]);
    expect(log.state).toMatchObject({ status: 'completed', output: 'done', waits: {} });
  });

  it('a workflow timeout faults the run and cancels everything pending', () => {
    const log = runScenario(`${header}timeout: { after: { minutes: 1 } }
do:
  - forever: { listen: { to: { one: { with: { type: never.happens } } } } }
`, {});
    expect(log.state.error).toMatchObject({ type: ErrorTypes.timeout, status: 408, instance: '/' });
    expect(log.effects.some((e) => e.kind === 'unlisten')).toBe(true);
    expect(eventTypes(log)).toEqual(['workflow.started', 'task.created', 'task.started', 'task.cancelled', 'workflow.faulted']);
  });
});

describe('effect ids', () => {
  it('are unique and deterministic', () => {
    const wf = compile(`${header}do:
  - f:
      fork:
        branches:
          - a: { call: http, with: { method: get, endpoint: https://a } }
          - b: { wait: PT1S }
`);
    const one = decide(wf, undefined, { type: 'start', input: {} }, { now: T0, runId: 'r' });
    const two = decide(wf, undefined, { type: 'start', input: {} }, { now: T0, runId: 'r' });
    expect(one).toEqual(two);
    const ids = one.effects.map((e) => (e as { id: string }).id);
    expect(new Set(ids).size).toBe(ids.length);
  });
  it('child workflow effects carry the await flag', () => {
    const wf = compile(`${header}do:
  - c: { run: { workflow: { namespace: n, name: w, version: '1' } } }
`);
    const effect = decide(wf, undefined, { type: 'start', input: { a: 1 } }, { now: T0, runId: 'r' }).effects[0] as WorkflowEffect;
    expect(effect).toMatchObject({ kind: 'workflow', input: { a: 1 }, await: true });
  });
});
