// $secrets in the interpreter: the runner never holds secret values. Expressions it evaluates
// itself refuse $secrets (403 authorization); call arguments defer them to the worker, stamped
// with the run's namespace; forged DeferredExpressions are refused.
import { describe, expect, it } from 'vitest';
import { ErrorTypes } from '../../src/errors.ts';
import { evaluateDeferred } from '../../src/interpreter/index.ts';
import { Fault } from '../../src/interpreter/fault.ts';
import { ALL_NAMESPACES, withGrants } from '../../src/secrets/grants.ts';
import { runScenario } from './driver.ts';
import type { TaskEffect } from './driver.ts';

const header = `document: { dsl: '1.0.3', namespace: team-a, name: secrets, version: '0.1.0' }\n`;
const env = { namespace: 'team-a' };

function faultOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof Fault) return error.error;
    throw error;
  }
  throw new Error('expected a Fault');
}

describe('$secrets in expressions the runner evaluates', () => {
  it('row 8: set: {leaked: ${ $secrets.DEMO }} (quoted for YAML) faults with the authorization error and stores nothing of it', () => {
    const log = runScenario(`${header}do:\n  - leak:\n      set: {leaked: '\${ $secrets.DEMO }'}\n`, {}, { env });
    expect(log.state.status).toBe('faulted');
    expect(log.state.error).toMatchObject({ type: ErrorTypes.authorization, status: 403, instance: '/do/0/leak' });
    expect(log.state.error?.detail).toContain('$secrets can only be read where a worker resolves it');
    expect(log.state.output).toBeUndefined();
  });

  it.each([
    ['task if', `  - t:\n      if: '\${ $secrets.DEMO == "x" }'\n      set: { a: 1 }\n`],
    ['task input.from', `  - t:\n      input: { from: '\${ $secrets.DEMO }' }\n      set: { a: 1 }\n`],
    ['task output.as', `  - t:\n      set: { a: 1 }\n      output: { as: '\${ $secrets.DEMO }' }\n`],
    ['task export.as', `  - t:\n      set: { a: 1 }\n      export: { as: '\${ { k: $secrets.DEMO } }' }\n`],
    ['switch when', `  - t:\n      switch:\n        - s: { when: '\${ $secrets.DEMO | length > 3 }', then: end }\n`],
    ['for in', `  - t:\n      for: { in: '\${ [$secrets.DEMO] }', each: x }\n      do:\n        - u: { set: { a: 1 } }\n`],
    ['a function call argument (the function input is stored)', `  - t:\n      call: fetch\n      with: { token: '\${ $secrets["DEMO"] | ascii_downcase }' }\n`],
  ])('%s', (_name, tasks) => {
    const use = 'use:\n  functions:\n    fetch: { call: http, with: { method: get, endpoint: https://x.example } }\n';
    const log = runScenario(`${header}${use}do:\n${tasks}`, {}, { env, answer: () => ({ output: 1 }) });
    expect(log.state.status).toBe('faulted');
    expect(log.state.error).toMatchObject({ type: ErrorTypes.authorization, status: 403 });
  });

  it('refuses it in the workflow input.from and output.as too', () => {
    for (const part of ["input: { from: '${ $secrets.DEMO }' }", "output: { as: '${ $secrets.DEMO }' }"]) {
      const log = runScenario(`${header}${part}\ndo:\n  - t: { set: { a: 1 } }\n`, {}, { env });
      expect(log.state).toMatchObject({ status: 'faulted', error: { type: ErrorTypes.authorization, status: 403 } });
    }
  });

  it('the error is a normal task error: try/catch on the authorization type catches it', () => {
    const log = runScenario(`${header}do:
  - guard:
      try:
        - leak: { set: { leaked: '\${ $secrets.DEMO }' } }
      catch:
        errors: { with: { type: https://serverlessworkflow.io/spec/1.0.0/errors/authorization } }
        as: err
        do:
          - note: { set: { refused: '\${ $err.status }' } }
`, {}, { env });
    expect(log.state).toMatchObject({ status: 'completed', output: { refused: 403 } });
  });

  it('a string literal that only mentions $secrets is not a read', () => {
    const log = runScenario(`${header}do:\n  - t: { set: { doc: '\${ "use $secrets.NAME in call arguments" }' } }\n`, {}, { env });
    expect(log.state).toMatchObject({ status: 'completed', output: { doc: 'use $secrets.NAME in call arguments' } });
  });
});

describe('$secrets in call arguments: deferred, scoped to the namespace', () => {
  const call = (withYaml: string, use = '') => `${header}${use}do:\n  - get:\n      call: http\n      with: ${withYaml}\n`;
  const payloadOf = (source: string, input: unknown = {}) => {
    const log = runScenario(source, input, { env, answer: () => ({ output: 'ok' }) });
    expect(log.state.status).toBe('completed');
    return (log.tasks[0] as TaskEffect).payload as Record<string, any>;
  };

  it('stamps the run namespace on every deferred expression; the worker resolves it only with a grant', () => {
    const payload = payloadOf(call(`{ method: get, endpoint: https://x.example, headers: { x-key: '\${ "Bearer " + $secrets.DEMO }' } }`));
    expect(payload.headers['x-key']).toEqual({ $deferred: '"Bearer " + $secrets.DEMO', input: {}, context: {}, namespace: 'team-a' });
    const granted = withGrants({ DEMO: 'demo-secret-value' }, { DEMO: ['team-a'] });
    expect(evaluateDeferred(payload, granted)).toMatchObject({ headers: { 'x-key': 'Bearer demo-secret-value' } });
    const otherTeam = withGrants({ DEMO: 'demo-secret-value' }, { DEMO: ['team-b'] });
    expect(faultOf(() => evaluateDeferred(payload, otherTeam))).toMatchObject({ type: ErrorTypes.authorization, status: 403 });
    expect(faultOf(() => evaluateDeferred(payload, withGrants({}, {})))).toMatchObject({ type: ErrorTypes.authorization, status: 403 });
  });

  it('binds only the secrets an expression names; other uses of $secrets are refused by the worker', () => {
    const secrets = withGrants({ A: 'a-secret-value', B: 'b-secret-value' }, { A: [ALL_NAMESPACES], B: [ALL_NAMESPACES] });
    expect(faultOf(() => evaluateDeferred({ $deferred: '$secrets | keys', input: null, context: null, namespace: 'team-a' }, secrets))).toMatchObject({ type: ErrorTypes.authorization, status: 403 });
    expect(faultOf(() => evaluateDeferred({ $deferred: '$secrets[.n]', input: { n: 'B' }, context: null, namespace: 'team-a' }, secrets)).detail).toContain('name each secret');
    expect(evaluateDeferred({ $deferred: '$secrets.A + .x', input: { x: '!' }, context: null }, secrets)).toBe('a-secret-value!');
  });

  it('defers secret-based authentication policies as $secrets["NAME"]', () => {
    const payload = payloadOf(call(`{ method: get, endpoint: { uri: https://x.example, authentication: { bearer: { use: api-token } } } }`, 'use: { secrets: [api-token] }\n'));
    expect(payload.endpoint.authentication).toEqual({ bearer: { $deferred: '$secrets["api-token"]', input: null, context: null, namespace: 'team-a' } });
    const secrets = withGrants({ 'api-token': 'tok-123456' }, { 'api-token': ['team-a'] });
    expect(evaluateDeferred(payload, secrets)).toMatchObject({ endpoint: { authentication: { bearer: 'tok-123456' } } });
  });

  it('refuses a forged DeferredExpression, written in the workflow or arriving with the input', () => {
    const forged = { $deferred: '$secrets.B_SECRET', input: null, context: null, namespace: 'team-b' };
    const literal = runScenario(call(`{ method: get, endpoint: https://x.example, headers: { x: ${JSON.stringify(forged)} } }`), {}, { env, answer: () => ({ output: 1 }) });
    expect(literal.state).toMatchObject({ status: 'faulted', error: { type: ErrorTypes.configuration } });
    expect(literal.tasks).toHaveLength(0);
    const fromInput = runScenario(call(`{ method: get, endpoint: https://x.example, headers: '\${ .headers }' }`), { headers: { x: forged } }, { env, answer: () => ({ output: 1 }) });
    expect(fromInput.state.error?.detail).toContain('"$deferred" member');
    expect(fromInput.tasks).toHaveLength(0);
  });
});
