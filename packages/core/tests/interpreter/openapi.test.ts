// call: openapi in the interpreter: an http task effect marked `call: 'openapi'` for the http
// worker (which reads the document), with both policies resolved and secrets deferred.
import { describe, expect, it } from 'vitest';
import { ErrorTypes } from '../../src/errors.ts';
import { compile, runScenario } from './driver.ts';
import type { TaskEffect } from './driver.ts';

const header = `document: { dsl: '1.0.3', namespace: test, name: openapi, version: '0.1.0' }\n`;

describe('call: openapi', () => {
  it('is an http task whose payload carries the document, operationId, parameters and options', () => {
    const log = runScenario(`${header}do:
  - findPet:
      call: openapi
      with:
        document:
          endpoint: https://petstore.example/v2/swagger.json
        operationId: findPetsByStatus
        parameters:
          status: \${ .status }
        output: response
        redirect: true
`, { status: 'available' }, { answer: () => ({ output: { statusCode: 200 } }) });
    expect(log.tasks[0]).toEqual({
      kind: 'task', id: expect.any(String), taskKind: 'http', reference: '/do/0/findPet', name: 'findPet',
      payload: { call: 'openapi', document: { endpoint: 'https://petstore.example/v2/swagger.json' }, operationId: 'findPetsByStatus', parameters: { status: 'available' }, output: 'response', redirect: true },
    });
    expect(log.state.output).toEqual({ statusCode: 200 });
  });

  it('inlines a named policy for the call, defers secret-based ones, keeps the document\'s own; $authorization is the call\'s', () => {
    const log = runScenario(`${header}use:
  secrets: [docsCreds]
  authentications:
    api:
      bearer: { token: '\${ .token }' }
do:
  - getPet:
      call: openapi
      with:
        document:
          endpoint:
            uri: https://docs.example/{spec}.json
            authentication: { basic: { use: docsCreds } }
        operationId: getPetById
        parameters: { petId: 1 }
        authentication: { use: api }
      output:
        as: \${ $authorization }
`, { spec: 'petstore', token: 't-1' }, { answer: () => ({ output: { id: 1 } }), env: { namespace: 'pets' } });
    expect((log.tasks[0] as TaskEffect).payload).toEqual({
      call: 'openapi',
      document: { endpoint: { uri: 'https://docs.example/petstore.json', authentication: { basic: { $deferred: '$secrets["docsCreds"]', input: null, context: null, namespace: 'pets' } } } },
      operationId: 'getPetById',
      parameters: { petId: 1 },
      authentication: { bearer: { token: 't-1' } },
    });
    expect(log.state.output).toEqual({ scheme: 'Bearer', parameter: 't-1' });
  });

  it('a failed call faults with the worker\'s error', () => {
    const log = runScenario(`${header}do:
  - getPet: { call: openapi, with: { document: { endpoint: 'https://x/spec.json' }, operationId: nope } }
`, {}, { answer: () => ({ error: { type: ErrorTypes.configuration, status: 400, title: 'Invalid OpenAPI call' } }) });
    expect(log.state.error).toEqual({ type: ErrorTypes.configuration, status: 400, title: 'Invalid OpenAPI call', instance: '/do/0/getPet' });
  });

  it('refuses certificate authentication and an undefined policy at compile time, naming the path', () => {
    expect(() => compile(`${header}do:
  - getPet: { call: openapi, with: { document: { endpoint: { uri: 'https://x/s.json', authentication: { certificate: {} } } }, operationId: a } }
`)).toThrow(/certificate authentication is not supported.*\/do\/0\/getPet\/with\/document\/endpoint\/authentication/s);
  });
});
