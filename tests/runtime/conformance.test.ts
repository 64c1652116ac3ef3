// The specification's conformance scenarios about outputs and errors (serverlessworkflow/
// specification, ctk/features: emit, try, raise) end to end: through the REST API, the runner,
// the http-worker and a real HTTP server, on both backend pairs (PGlite + in-process bus,
// PostgreSQL + Redis). The interpreter-level checks of every task type are in
// packages/core/tests/interpreter/outputs.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doc, startHarness, type Backend, type Harness } from './harness.ts';

/** The spelling of the standard types in the conformance scenarios (the spec's text writes …/spec/1.0.0/errors/<kind>). */
const CTK_COMMUNICATION = 'https://serverlessworkflow.io/dsl/errors/types/communication';

describe.each<Backend>(['embedded', 'servers'])('conformance scenarios on %s backends', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('emit: the output is the emitted CloudEvent with id, specversion and time filled in (emit.feature)', async () => {
    await h.apply(
      doc('emit', [
        {
          emitEvent: {
            emit: { event: { with: { source: 'https://fake-source.com', type: 'com.fake-source.user.greeted.v1', data: { greetings: '${ "Hello \\(.user.firstName) \\(.user.lastName)!" }' } } } },
          },
        },
      ]),
    );
    const run = await h.runToEnd('emit', { user: { firstName: 'John', lastName: 'Doe' } });
    expect(run.status).toBe('completed');
    expect(Object.keys(run.output)).toEqual(expect.arrayContaining(['id', 'specversion', 'time', 'source', 'type', 'data']));
    expect(run.output).toMatchObject({
      specversion: '1.0',
      id: expect.stringMatching(new RegExp(`^${run.id}:e\\d+$`)),
      source: 'https://fake-source.com',
      type: 'com.fake-source.user.greeted.v1',
      data: { greetings: 'Hello John Doe!' },
    });
    expect(Date.parse(run.output.time)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
    const completed = (await h.events(run.id)).find((e) => e.type === 'io.serverlessworkflow.task.completed.v1');
    expect(completed?.data.output).toEqual(run.output);
  });

  it('try: a 404 is caught by a communication type in the conformance spelling; the error is in scope (try.feature)', async () => {
    const tryGetPet = (status: number) => [
      {
        tryGetPet: {
          try: [{ getPet: { call: 'http', with: { method: 'get', endpoint: { uri: `${h.target.url}/status/404?pet={petName}` } } } }],
          catch: { errors: { with: { type: CTK_COMMUNICATION, status } }, as: 'err', do: [{ keep: { set: { error: '${ $err }' } } }] },
        },
      },
    ];
    await h.apply(doc('try-catch-404', tryGetPet(404)));
    const caught = await h.runToEnd('try-catch-404', { petName: 'Milou' });
    expect(caught.status).toBe('completed');
    // Baton raises the spec text's spelling; the filter in the other spelling still matched it.
    expect(caught.output.error).toMatchObject({
      type: 'https://serverlessworkflow.io/spec/1.0.0/errors/communication',
      status: 404,
      title: expect.any(String),
      instance: '/do/0/tryGetPet/try/0/getPet',
    });
    await h.apply(doc('try-catch-503', tryGetPet(503)));
    const uncaught = await h.runToEnd('try-catch-503', { petName: 'Milou' });
    expect(uncaught).toMatchObject({ status: 'faulted', error: { status: 404, instance: '/do/0/tryGetPet/try/0/getPet' } });
  });

  it('raise: the workflow faults with the error as raised, instance set (raise.feature)', async () => {
    await h.apply(doc('raise-custom-error', [{ raiseError: { raise: { error: { status: 400, type: 'https://serverlessworkflow.io/errors/types/compliance', title: 'Compliance Error' } } } }]));
    const run = await h.runToEnd('raise-custom-error');
    expect(run).toMatchObject({ status: 'faulted' });
    expect(run.error).toEqual({ status: 400, type: 'https://serverlessworkflow.io/errors/types/compliance', title: 'Compliance Error', instance: '/do/0/raiseError' });
  });
});
