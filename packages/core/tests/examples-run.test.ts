// Runs the official Serverless Workflow examples (fixtures/serverless-workflow/examples) through
// the interpreter: every example the profile accepts has at least one scenario here, with its
// effects answered by the test and its outcome asserted; every other example must be rejected
// by the profile. A new example, or an example changing sides, fails this test.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../src/document/index.ts';
import { ErrorTypes } from '../src/errors.ts';
import type { WorkflowDocument } from '../src/interpreter/index.ts';
import { compile, eventTypes, runScenario, T0 } from './interpreter/driver.ts';
import type { RunLog, Script, TaskEffect } from './interpreter/driver.ts';

const EXAMPLES = new URL('./fixtures/serverless-workflow/examples/', import.meta.url);

interface Scenario {
  name: string;
  input: unknown;
  script?: Script;
  status: 'completed' | 'faulted' | 'cancelled';
  output?: unknown;
  error?: Record<string, unknown>;
  check?: (log: RunLog) => void;
}

const payloads = (log: RunLog) => log.tasks.map((t) => (t as TaskEffect).payload);
const pet = { id: 1, petId: 1, name: 'Milou', status: 'available' };
const respond = (output: unknown, after = 0): Script['answer'] => () => ({ output, after });
const unavailable = { error: { type: ErrorTypes.communication, status: 503, title: 'Service Unavailable' } };
const notFound = { error: { type: ErrorTypes.communication, status: 404, title: 'Not Found' } };
const event = (at: number, type: string, data: unknown) => ({ at, event: { type, data } });
const temperature = (at: number, t: number) => event(at, 'com.fake-hospital.vitals.measurements.temperature', { temperature: t });
const bpm = (at: number, b: number) => event(at, 'com.fake-hospital.vitals.measurements.bpm', { bpm: b });

// A run started by an event schedule has the array of consumed CloudEvents as input (dsl.md,
// "Input of event-driven scheduled workflows"); a clock schedule's run has the API's default {}.
const trigger = { specversion: '1.0', id: 'e1', source: 'https://example.com', type: 'io.serverlessworkflow.samples.events.trigger.v1', data: { n: 1 } };
const heartbeat = {
  specversion: '1.0', id: 'h1', source: 'monitor', type: 'com.example.hospital.events.patients.heartbeat.low',
  data: { patient: { id: 'p1', name: 'Ana', room: { number: 12 }, vitals: { bpm: 38 } }, timestamp: '2026-12-03T10:00:00Z' },
};

const SCENARIOS: Record<string, Scenario[]> = {
  'schedule-cron.yaml': [{
    name: 'a tick runs the backup call', input: {}, script: { answer: respond({ started: true }) }, status: 'completed', output: { started: true },
    check: (log) => expect(payloads(log)).toEqual([{ method: 'post', endpoint: 'https://example.com/api/v1/backup/start' }]),
  }],
  'schedule-event-driven.yaml': [{
    name: 'the triggering event is $workflow.input[0]', input: [heartbeat], script: { answer: respond({ notified: true }) }, status: 'completed', output: { notified: true },
    check: (log) => expect(payloads(log)).toEqual([{
      method: 'post',
      endpoint: 'https://hospital.example.com/api/v1/notify',
      body: { patientId: 'p1', patientName: 'Ana', roomNumber: 12, vitals: { heartRate: 38, timestamp: '2026-12-03T10:00:00Z' }, message: "Alert: Patient's heartbeat is critically low. Immediate attention required." },
    }]),
  }],
  'set-expression.yaml': [{ name: 'the output is the triggering event', input: [trigger], status: 'completed', output: trigger }],
  'set.yaml': [{ name: 'startEvent is the triggering event', input: [trigger], status: 'completed', output: { startEvent: trigger } }],
  'authentication-bearer-uri-format.yaml': [{
    name: 'bearer token from the input, URI template', input: { petId: 1, token: 'tok' }, script: { answer: respond(pet) }, status: 'completed', output: pet,
    check: (log) => expect(payloads(log)).toEqual([{ method: 'get', endpoint: { uri: 'https://petstore.swagger.io/v2/pet/1', authentication: { bearer: { token: 'tok' } } } }]),
  }],
  'authentication-bearer.yaml': [{
    name: 'bearer token from the input', input: { token: 'tok' }, script: { answer: respond(pet) }, status: 'completed', output: pet,
    check: (log) => expect(payloads(log)).toEqual([{ method: 'get', endpoint: { uri: 'https://petstore.swagger.io/v2/pet/1', authentication: { bearer: { token: 'tok' } } } }]),
  }],
  'authentication-reusable.yaml': [{
    name: 'authentication by reference is resolved into the payload', input: { petId: 3, token: 'tok' }, script: { answer: respond(pet) }, status: 'completed', output: pet,
    check: (log) => expect(payloads(log)).toEqual([{ method: 'get', endpoint: { uri: 'https://petstore.swagger.io/v2/pet/3', authentication: { bearer: { token: 'tok' } } } }]),
  }],
  'call-custom-function-inline.yaml': [{
    name: 'the function runs with `with` as its input', input: {}, script: { answer: respond(pet) }, status: 'completed', output: pet,
    check: (log) => expect(log.tasks).toMatchObject([{ reference: '/use/functions/getPetById', payload: { method: 'get', endpoint: 'https://petstore.swagger.io/v2/pet/69' } }]),
  }],
  'call-http-endpoint-interpolation-shorthand.yaml': [{
    name: 'URI template', input: { petId: 42 }, script: { answer: respond(pet) }, status: 'completed', output: pet,
    check: (log) => expect(payloads(log)).toEqual([{ method: 'get', endpoint: 'https://petstore.swagger.io/v2/pet/42' }]),
  }],
  'call-http-endpoint-interpolation.yaml': [{
    name: 'endpoint expression', input: { petId: 42 }, script: { answer: respond(pet) }, status: 'completed', output: pet,
    check: (log) => expect(payloads(log)).toEqual([{ headers: { 'content-type': 'application/json' }, method: 'get', endpoint: 'https://petstore.swagger.io/v2/pet/42' }]),
  }],
  'call-http-query-headers-expressions.yaml': [
    {
      name: 'query and headers computed by a set task', input: { searchQuery: 'luke' }, script: { answer: respond({ count: 1 }) }, status: 'completed', output: { count: 1 },
      check: (log) => expect(payloads(log)).toEqual([{ method: 'get', endpoint: 'https://swapi.dev/api/people/', headers: { Accept: 'application/json' }, query: { search: 'luke' } }]),
    },
    { name: 'input schema violation', input: {}, status: 'faulted', error: { type: ErrorTypes.validation, status: 400 } },
  ],
  'call-http-query-parameters.yaml': [{
    name: 'query parameters', input: { searchQuery: 'luke' }, script: { answer: respond({ count: 1 }) }, status: 'completed', output: { count: 1 },
    check: (log) => expect(payloads(log)).toEqual([{ method: 'get', endpoint: 'https://swapi.dev/api/people/', query: { search: 'luke' } }]),
  }],
  'call-http-redirect.yaml': [{
    name: 'redirect flag reaches the worker', input: { searchQuery: 'leia' }, script: { answer: respond({ count: 1 }) }, status: 'completed', output: { count: 1 },
    check: (log) => expect(payloads(log)).toEqual([{ method: 'get', endpoint: 'https://swapi.dev/api/people/', query: { search: 'leia' }, redirect: true }]),
  }],
  'call-openapi.yaml': [{
    name: 'an http task for the worker: the document, the operationId and its parameters', input: {}, script: { answer: respond([pet]) }, status: 'completed', output: [pet],
    check: (log) => {
      expect(log.tasks).toMatchObject([{ taskKind: 'http', reference: '/do/0/findPet' }]);
      expect(payloads(log)).toEqual([{ call: 'openapi', document: { endpoint: 'https://petstore.swagger.io/v2/swagger.json' }, operationId: 'findPetsByStatus', parameters: { status: 'available' } }]);
    },
  }],
  'call-openapi-redirect.yaml': [{
    name: 'redirect flag reaches the worker', input: {}, script: { answer: respond([pet]) }, status: 'completed', output: [pet],
    check: (log) => expect(payloads(log)).toEqual([{ call: 'openapi', document: { endpoint: 'https://petstore.swagger.io/v2/swagger.json' }, operationId: 'findPetsByStatus', parameters: { status: 'available' }, redirect: true }]),
  }],
  'accumulate-room-readings.yaml': [{
    // The example's `output.as: .data.reading` reads a listen's output (the array of consumed
    // events) as one event: as written it faults before its openapi calls, at the listen.
    name: 'the correlated readings arrive; output.as indexes the array of events as one event', input: {},
    script: { events: [{ at: 1, event: { source: 'https://my.home.com/sensor', type: 'my.home.sensors.temperature', data: { roomid: 'r1', reading: 21 } } }, { at: 2, event: { source: 'https://my.home.com/sensor', type: 'my.home.sensors.humidity', data: { roomid: 'r1', reading: 40 } } }] },
    status: 'faulted', error: { type: ErrorTypes.expression, instance: '/do/0/consumeReading', detail: expect.stringContaining('.data.reading') },
  }],
  'conditional-task.yaml': [
    {
      name: 'underage: the error is raised', input: { customer: { age: 17 } }, status: 'faulted',
      error: { type: 'https://superbet-casinos.com/customer/access-forbidden', status: 400, title: 'Access Forbidden', instance: '/do/0/raiseErrorIfUnderage' },
    },
    {
      name: 'adult: the raise is skipped, the bet is placed', input: { customer: { age: 30 } }, script: { answer: respond({ placed: true }) }, status: 'completed', output: { placed: true },
      check: (log) => expect(payloads(log)).toEqual([{ method: 'post', endpoint: 'https://superbet-casinos.com/api/bet/on/football', body: { customer: '.customer', bet: '.bet' } }]),
    },
  ],
  'do-multiple.yaml': [{
    name: 'the second call gets the first call output', input: { petId: 1 }, script: { answer: (effect) => ({ output: effect.name === 'getPet' ? pet : { ...pet, status: 'sold' } }) },
    status: 'completed', output: { ...pet, status: 'sold' },
    check: (log) => expect(payloads(log)[1]).toEqual({ method: 'put', endpoint: 'https://petstore.swagger.io/v2/pet/1', body: { ...pet, status: 'sold' } }),
  }],
  'do-single.yaml': [{ name: 'one call', input: { petId: 1 }, script: { answer: respond(pet) }, status: 'completed', output: pet }],
  'emit.yaml': [{
    name: 'a CloudEvent is emitted; the task outputs it', input: { order: 1 }, status: 'completed',
    check: (log) => {
      expect(log.emitted).toEqual([{
        specversion: '1.0', id: expect.any(String), source: 'https://petstore.com', type: 'com.petstore.order.placed.v1', time: new Date(T0).toISOString(), datacontenttype: 'application/json',
        data: { client: { firstName: 'Cruella', lastName: 'de Vil' }, items: [{ breed: 'dalmatian', quantity: 101 }] },
      }]);
      expect(log.state.output).toEqual(log.emitted[0]);
    },
  }],
  'for.yaml': [
    {
      // A listen outputs the array of consumed events, so the example's `.pets + …` cannot index it.
      name: 'one pet: the checkup output.as indexes the listen output (an array) with .pets', input: { pets: [{ id: 7 }], vet: 'Dr. Who' }, status: 'faulted',
      error: { type: ErrorTypes.expression, status: 400, instance: '/do/0/checkup/do/0/waitForCheckup' },
      script: { events: [event(100, 'com.fake.petclinic.pets.checkup.completed.v2', { pets: [] })] },
      check: (log) => expect(log.now).toBe(T0 + 100),
    },
    { name: 'no vet: the while condition stops the loop at once', input: { pets: [{ id: 7 }], vet: null }, status: 'completed', output: { pets: [{ id: 7 }], vet: null } },
  ],
  'fork.yaml': [{
    name: 'compete: the doctor answers first', input: { patient: { fullName: 'John Doe' }, room: { number: 12 } },
    script: { answer: (effect) => (effect.name === 'callDoctor' ? { output: 'doctor', after: 10 } : { output: 'nurse', after: 50 }) },
    status: 'completed', output: 'doctor',
    check: (log) => {
      expect(log.decisions[0]!.effects.filter((e) => e.kind === 'task')).toHaveLength(2);
      expect(payloads(log)[0]).toEqual({ method: 'put', endpoint: 'https://fake-hospital.com/api/v3/alert/nurses', body: { patientId: 'John Doe', room: 12 } });
      expect(log.effects).toContainEqual({ kind: 'cancelTask', id: log.tasks[0]!.id });
    },
  }],
  'listen-to-all-read-envelope.yaml': [{
    name: 'both events, as envelopes', input: {}, script: { events: [bpm(1, 55), temperature(2, 37), temperature(3, 39)] }, status: 'completed',
    check: (log) => expect((log.state.output as Array<{ type: string; data: unknown }>).map((e) => e.data)).toEqual([{ bpm: 55 }, { temperature: 39 }]),
  }],
  'listen-to-all.yaml': [{ name: 'both events', input: {}, script: { events: [temperature(1, 39), bpm(2, 80), bpm(3, 130)] }, status: 'completed', output: [{ temperature: 39 }, { bpm: 130 }] }],
  'listen-to-any-filter.yaml': [{ name: 'first matching event', input: {}, script: { events: [temperature(1, 37), bpm(2, 45)] }, status: 'completed', output: [{ bpm: 45 }] }],
  'listen-to-any-forever-foreach.yaml': [{
    name: 'each event is posted until the run is cancelled', input: {}, status: 'cancelled',
    script: { events: [event(1, 'gossip', { roomId: 'r1', text: 'a' }), event(2, 'gossip', { roomId: 'r2', text: 'b' })], answer: respond({ ok: true }, 5), cancelAt: 60_000 },
    check: (log) => {
      expect(payloads(log)).toEqual([
        { method: 'post', endpoint: 'https://fake-chat-api.com/room/r1', body: { event: { roomId: 'r1', text: 'a' } } },
        { method: 'post', endpoint: 'https://fake-chat-api.com/room/r2', body: { event: { roomId: 'r2', text: 'b' } } },
      ]);
      expect(log.effects.at(-1)).toMatchObject({ kind: 'unlisten' });
    },
  }],
  'listen-to-any-until-condition.yaml': [{
    name: 'until more than 3 events', input: {}, script: { events: [1, 2, 3, 4, 5].map((n) => event(n, 'any.thing', n)) }, status: 'completed', output: [1, 2, 3, 4],
  }],
  'listen-to-any-until-consumed.yaml': [{
    name: 'until the patient checks out', input: {}, status: 'completed', output: [{ temperature: 40 }, { bpm: 110 }],
    script: { events: [temperature(1, 40), temperature(2, 36), bpm(3, 110), event(4, 'com.fake-hospital.patient.checked-out', {}), temperature(5, 41)] },
  }],
  'listen-to-any.yaml': [{ name: 'any event', input: {}, script: { events: [event(7, 'whatever', { a: 1 })] }, status: 'completed', output: [{ a: 1 }] }],
  'listen-to-one.yaml': [{
    name: 'the race starts, then the car', input: {}, status: 'completed', output: { started: true },
    script: { events: [event(5, 'com.virtual-wf-powered-race.events.race.started.v1', { carId: 'c7' })], answer: respond({ started: true }) },
    check: (log) => {
      expect(log.decisions[0]!.state.status).toBe('waiting');
      // The call's input is the listen output, an array: {carId} finds no top-level property (URI templates expand it to "").
      expect(payloads(log)).toEqual([{ method: 'post', endpoint: { uri: 'https://virtual-wf-powered-race.com/api/v4/cars//start' } }]);
    },
  }],
  'raise-inline.yaml': [{
    name: 'raises with a detail expression', input: {}, status: 'faulted',
    error: { type: 'https://serverlessworkflow.io/errors/not-implemented', status: 500, title: 'Not Implemented', detail: "The workflow 'raise-not-implemented:0.1.0' is a work in progress and cannot be run yet", instance: '/do/0/notImplemented' },
  }],
  'raise-reusable.yaml': [{
    name: 'raises a reusable error', input: {}, status: 'faulted',
    error: { type: 'https://serverlessworkflow.io/errors/not-implemented', status: 500, title: 'Not Implemented', detail: "The workflow 'raise-not-implemented:0.1.0' is a work in progress and cannot be run yet", instance: '/do/0/notImplemented' },
  }],
  'run-subflow.yaml': [{
    name: 'the child run output becomes the task output', input: { user: 'ann' }, script: { answer: respond({ registered: true }) }, status: 'completed', output: { registered: true },
    check: (log) => expect(log.tasks).toMatchObject([{ kind: 'workflow', namespace: 'test', workflowName: 'register-customer', version: '0.1.0', input: { customer: '.user' }, await: true }]),
  }],
  'star-wars-homeworld.yaml': [
    {
      name: 'exports the homeworld to the context, then calls it', input: { id: 1 }, status: 'completed', output: { name: 'Tatooine' },
      script: { answer: (effect) => ({ output: effect.name === 'getStarWarsCharacter' ? { statusCode: 200, content: { name: 'Luke', homeworld: 'https://swapi.dev/api/planets/1/' } } : { name: 'Tatooine' } }) },
      check: (log) => expect(payloads(log)).toEqual([
        { method: 'get', endpoint: 'https://swapi.dev/api/people/1', output: 'response' },
        { method: 'get', endpoint: 'https://swapi.dev/api/planets/1/' },
      ]),
    },
    { name: 'id below the schema minimum', input: { id: 0 }, status: 'faulted', error: { type: ErrorTypes.validation } },
  ],
  'switch-then-string.yaml': [
    { name: 'electronic', input: { orderType: 'electronic' }, status: 'completed', output: { validate: true, status: 'fulfilled' } },
    { name: 'physical', input: { orderType: 'physical' }, status: 'completed', output: { inventory: 'clear', items: 1, address: 'Elmer St' } },
    { name: 'unknown', input: { orderType: 'other' }, status: 'completed', output: { log: 'warn', message: "something's wrong" } },
  ],
  'try-catch-retry-inline.yaml': retryScenarios(),
  'try-catch-retry-reusable.yaml': retryScenarios(),
  'try-catch-then.yaml': [
    {
      name: 'not found: support is notified, the error exported, the purchase skipped', input: { petId: 1 }, script: { answer: () => notFound }, status: 'completed', output: { error: '$error' },
      check: (log) => {
        expect(log.emitted).toMatchObject([{ type: 'io.swagger.petstore.events.pets.not-found.v1', data: { ...notFound.error, instance: '/do/0/tryGetPet/try/0/getPet' } }]);
        expect(log.tasks).toHaveLength(1);
      },
    },
    {
      name: 'found: the pet is bought', input: { petId: 1 }, script: { answer: (effect) => ({ output: effect.name === 'getPet' ? pet : 'bought' }) }, status: 'completed', output: 'bought',
      check: (log) => expect(payloads(log)[1]).toEqual({ method: 'put', endpoint: 'https://petstore.swagger.io/v2/pet/1', body: { ...pet, status: 'sold' } }),
    },
  ],
  'try-catch.yaml': [
    { name: 'a 404 is caught: the try task outputs its input', input: { petId: 9 }, script: { answer: () => notFound }, status: 'completed', output: { petId: 9 } },
    { name: 'a 503 is not caught', input: { petId: 9 }, script: { answer: () => unavailable }, status: 'faulted', error: { status: 503, instance: '/do/0/tryGetPet/try/0/getPet' } },
  ],
  'wait-duration-inline.yaml': [{ name: '30 seconds', input: {}, status: 'completed', output: {}, check: (log) => expect(log.now).toBe(T0 + 30_000) }],
  'wait-duration-iso8601.yaml': [{ name: 'PT30S', input: {}, status: 'completed', output: {}, check: (log) => expect(log.now).toBe(T0 + 30_000) }],
};

function retryScenarios(): Scenario[] {
  return [
    {
      name: 'two 503s, then the pet: exponential backoff from 3 s', input: { petId: 1 }, status: 'completed', output: pet,
      script: { answer: (_e, attempt) => (attempt <= 2 ? unavailable : { output: pet }) },
      check: (log) => {
        expect(log.effects.filter((e) => e.kind === 'timer').map((e) => (e as { fireAt: number }).fireAt - T0)).toEqual([3000, 9000]);
        expect(eventTypes(log).filter((t) => t === 'task.retried')).toHaveLength(2);
      },
    },
    {
      name: '503 forever: 1 attempt + 5 retries, then faulted', input: { petId: 1 }, status: 'faulted', error: { status: 503 },
      script: { answer: () => unavailable }, check: (log) => expect(log.tasks).toHaveLength(6),
    },
  ];
}

/** Rejected by the profile (packages/core/src/document): the reason names the feature. */
const REJECTED: Record<string, string> = {
  'authentication-oauth2-secret.yaml': 'OAuth2 authentication',
  'authentication-oauth2.yaml': 'OAuth2 authentication',
  'authentication-oidc-secret.yaml': 'OIDC authentication',
  'authentication-oidc.yaml': 'OIDC authentication',
  'call-asyncapi-publish.yaml': 'call: asyncapi',
  'call-asyncapi-subscribe-consume-amount.yaml': 'call: asyncapi',
  'call-asyncapi-subscribe-consume-forever-foreach.yaml': 'call: asyncapi',
  'call-asyncapi-subscribe-consume-until.yaml': 'call: asyncapi',
  'call-asyncapi-subscribe-consume-while.yaml': 'call: asyncapi',
  'call-custom-function-cataloged.yaml': 'a function called by URL (external catalog)',
  'call-grpc.yaml': 'call: grpc',
  'call-mcp.yaml': 'call: mcp',
  'mock-service-extension.yaml': 'use.extensions',
  'run-container-cleanup-always.yaml': 'run: container',
  'run-container-cleanup-eventually.yaml': 'run: container',
  'run-container-stdin-and-arguments.yaml': 'run: container',
  'run-container-with-name.yaml': 'run: container',
  'run-container-with-pull-policy.yaml': 'run: container',
  'run-container.yaml': 'run: container',
  'run-return-all.yaml': 'run: container',
  'run-return-code.yaml': 'run: container',
  'run-return-none.yaml': 'run: container',
  'run-return-stderr.yaml': 'run: container',
  'run-script-with-stdin-and-arguments.yaml': 'run: script',
  'run-shell-stdin-and-arguments.yaml': 'run: shell',
};

const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml') || f.endsWith('.json')).sort();
const read = (file: string) => readFileSync(new URL(file, EXAMPLES), 'utf8');

describe('official examples', () => {
  it('every example is either run by a scenario or rejected by the profile', () => {
    const run = Object.keys(SCENARIOS);
    const rejected = Object.keys(REJECTED);
    expect(run.filter((f) => rejected.includes(f))).toEqual([]);
    expect([...run, ...rejected].sort()).toEqual(files);
  });

  it.each(Object.keys(REJECTED))('%s is rejected by the profile', (file) => {
    const result = loadWorkflow(read(file));
    expect(result.ok).toBe(false);
  });

  for (const [file, scenarios] of Object.entries(SCENARIOS)) {
    describe(file, () => {
      const loaded = loadWorkflow(read(file));
      it('is accepted by the profile', () => expect(loaded.ok).toBe(true));
      if (!loaded.ok) return;
      const workflow = compile(loaded.document as WorkflowDocument);
      it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_name, scenario) => {
        const log = runScenario(workflow, scenario.input, scenario.script);
        expect(log.state.status, JSON.stringify(log.state.error)).toBe(scenario.status);
        if ('output' in scenario) expect(log.state.output).toEqual(scenario.output);
        if (scenario.error) expect(log.state.error).toMatchObject(scenario.error);
        scenario.check?.(log);
      });
    });
  }
});
