// The Serverless Workflow specification's own examples, as a newcomer would try them: each one
// registered through the REST API of an in-process Baton (as YAML and as JSON) is accepted or
// refused with a 422 naming the feature and its JSON path; the runnable ones run against local
// stand-ins of the internet services they call, and listen examples get the CloudEvents they
// wait for. Then hostile input that once broke Baton. No traffic leaves 127.0.0.1.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../runtime/harness.ts';
import { startFakeApis, type FakeApis } from './fake-apis.ts';

const EXAMPLES = new URL('../../packages/core/tests/fixtures/serverless-workflow/examples/', import.meta.url);
const FILES = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort();
const HOSTS = /https:\/\/(petstore\.swagger\.io|swapi\.dev|superbet-casinos\.com|fake-hospital\.com|fake-chat-api\.com|virtual-wf-powered-race\.com)(?=\/(v2|api|room)\/)/g;
const exec = promisify(execFile);

let h: Harness;
let fake: FakeApis;

beforeAll(async () => {
  [h, fake] = await Promise.all([startHarness('embedded'), startFakeApis()]);
}, 30_000);

afterAll(async () => {
  await h?.close();
  await fake?.close();
});

/** An example as a document of its own (namespace/name unique per file: several share names). */
function example(file: string, namespace: string): Record<string, any> {
  const text = readFileSync(new URL(file, EXAMPLES), 'utf8').replace(HOSTS, () => fake.url);
  const document = parse(text);
  document.document.namespace = namespace;
  document.document.name = file.replace(/\.yaml$/, '');
  return document;
}

/** What Baton does not run, by example: the feature and the JSON path of the first problem. */
const REFUSED: Record<string, [feature: string, path: string]> = {
  'authentication-oauth2-secret.yaml': ['authentication.oauth2', '/do/0/getPet/with/endpoint/authentication/oauth2'],
  'authentication-oauth2.yaml': ['authentication.oauth2', '/do/0/getPet/with/endpoint/authentication/oauth2'],
  'authentication-oidc-secret.yaml': ['authentication.oidc', '/do/0/getPet/with/endpoint/authentication/oidc'],
  'authentication-oidc.yaml': ['authentication.oidc', '/do/0/getPet/with/endpoint/authentication/oidc'],
  'call-asyncapi-publish.yaml': ['call.asyncapi', '/do/0/findPet'],
  'call-asyncapi-subscribe-consume-amount.yaml': ['call.asyncapi', '/do/0/getNotifications'],
  'call-asyncapi-subscribe-consume-forever-foreach.yaml': ['call.asyncapi', '/do/0/getNotifications'],
  'call-asyncapi-subscribe-consume-until.yaml': ['call.asyncapi', '/do/0/getNotifications'],
  'call-asyncapi-subscribe-consume-while.yaml': ['call.asyncapi', '/do/0/getNotifications'],
  'call-custom-function-cataloged.yaml': ['', '/do/0/log'],
  'call-grpc.yaml': ['call.grpc', '/do/0/greet'],
  'call-mcp.yaml': ['call.mcp', '/do/0/publishMessageToSlack'],
  'mock-service-extension.yaml': ['use.extensions', '/use/extensions'],
  'run-script-with-stdin-and-arguments.yaml': ['run.script', '/do/0/runScript'],
  'run-shell-stdin-and-arguments.yaml': ['run.shell', '/do/1/runShell'],
};
for (const file of FILES) {
  if (file.startsWith('run-container') || file.startsWith('run-return')) {
    REFUSED[file] = ['run.container', file === 'run-container-stdin-and-arguments.yaml' ? '/do/1/runContainer' : '/do/0/runContainer'];
  }
}

describe('registering every example of the specification', () => {
  it.each(['yaml', 'json'] as const)('as %s: 201, or 422 naming the unsupported feature and its path', async (format) => {
    const outcomes: Record<string, unknown> = {};
    for (const file of FILES) {
      const document = example(file, `reg-${format}`);
      const body = format === 'yaml' ? stringify(document) : JSON.stringify(document);
      const res = await h.api('POST', '/api/v1/workflows', body, `application/${format}`);
      const refused = REFUSED[file];
      if (!refused) {
        outcomes[file] = res.status === 201 ? 'ok' : res.body;
        continue;
      }
      const [feature, path] = refused;
      const first = res.body?.problems?.[0];
      const named = res.status === 422 && first?.path === path && (feature === '' || first?.feature === feature) && res.body.type === 'https://baton.dev/problems/invalid-workflow';
      outcomes[file] = named ? 'ok' : res.body;
    }
    expect(outcomes).toEqual(Object.fromEntries(FILES.map((f) => [f, 'ok'])));
  }, 30_000);

  it('says what to do when a name and version is taken by another document (several examples share one)', async () => {
    const yaml = (file: string) => readFileSync(new URL(file, EXAMPLES), 'utf8');
    expect((await h.api('POST', '/api/v1/workflows', yaml('try-catch.yaml'), 'application/yaml')).status).toBe(201);
    const again = await h.api('POST', '/api/v1/workflows', JSON.stringify(parse(yaml('try-catch.yaml'))), 'application/json');
    expect(again.status).toBe(200);
    const other = await h.api('POST', '/api/v1/workflows', yaml('try-catch-then.yaml'), 'application/yaml');
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ type: 'https://baton.dev/problems/conflict', detail: expect.stringMatching(/new version/) });
  });
});

/** Registers an example under `run` and runs it to the end (server-side wait). */
async function runExample(file: string, input: unknown, namespace = 'run'): Promise<any> {
  await h.apply(example(file, namespace));
  return h.runToEnd(file.replace(/\.yaml$/, ''), input, namespace);
}

const PET_1 = { id: 1, name: 'Rex', status: 'available' };
const LUKE = () => ({ count: 1, results: [{ name: 'Luke Skywalker', homeworld: `${fake.url}/api/planets/1/` }] });

describe('running the examples Baton accepts', () => {
  it.each([
    ['authentication-bearer.yaml', { token: 't1' }, PET_1, { path: '/v2/pet/1', authorization: 'Bearer t1' }],
    ['authentication-bearer-uri-format.yaml', { petId: 42, token: 't2' }, { id: 42, name: 'Fido', status: 'available' }, { path: '/v2/pet/42', authorization: 'Bearer t2' }],
    ['authentication-reusable.yaml', { petId: 1, token: 't3' }, PET_1, { path: '/v2/pet/1', authorization: 'Bearer t3' }],
    ['call-custom-function-inline.yaml', {}, { id: 69, name: 'Nibbles', status: 'pending' }, { path: '/v2/pet/69' }],
    ['call-http-endpoint-interpolation.yaml', { petId: 1 }, PET_1, { path: '/v2/pet/1' }],
    ['call-http-endpoint-interpolation-shorthand.yaml', { petId: 1 }, PET_1, { path: '/v2/pet/1' }],
    ['do-single.yaml', { petId: 1 }, PET_1, { path: '/v2/pet/1' }],
  ] as Array<[string, object, object, { path: string; authorization?: string }]>)('%s calls the pet it names and returns it', async (file, input, output, request) => {
    const before = fake.seen.length;
    const run = await runExample(file, input);
    expect(run).toMatchObject({ status: 'completed', output });
    const seen = fake.seen.slice(before);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', path: request.path });
    expect(seen[0]!.headers.authorization).toBe(request.authorization);
  });

  it.each(['call-http-query-parameters.yaml', 'call-http-query-headers-expressions.yaml', 'call-http-redirect.yaml'])(
    '%s searches with the query (and headers) of its input',
    async (file) => {
      const before = fake.seen.length;
      const run = await runExample(file, { searchQuery: 'luke' });
      expect(run).toMatchObject({ status: 'completed', output: LUKE() });
      expect(fake.seen.slice(before)[0]).toMatchObject({ path: '/api/people/', query: { search: 'luke' } });
      if (file.includes('headers')) expect(fake.seen.slice(before)[0]!.headers.accept).toBe('application/json');
    },
  );

  it('star-wars-homeworld follows the homeworld link it exported to $context; a bad id faults on the input schema', async () => {
    expect(await runExample('star-wars-homeworld.yaml', { id: 1 })).toMatchObject({ status: 'completed', output: { name: 'Tatooine', climate: 'arid' } });
    const bad = await h.runToEnd('star-wars-homeworld', { id: 0 }, 'run');
    expect(bad).toMatchObject({ status: 'faulted', error: { type: 'https://serverlessworkflow.io/spec/1.0.0/errors/validation', status: 400, instance: '/input' } });
  });

  it.each(['call-openapi.yaml', 'call-openapi-redirect.yaml'])('%s reads the Swagger 2.0 petstore document, then finds the available pets', async (file) => {
    const before = fake.seen.length;
    const run = await runExample(file, {});
    expect(run).toMatchObject({ status: 'completed', output: [PET_1, { id: 42, name: 'Fido', status: 'available' }] });
    const seen = fake.seen.slice(before);
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(['GET /v2/pet/findByStatus']));
    const search = seen.find((r) => r.path === '/v2/pet/findByStatus')!;
    expect(search.query).toEqual({ status: 'available' });
    expect(search.headers['idempotency-key']).toMatch(/^.+:e\d+$/);
  });

  it('do-multiple gets the pet, then puts it back sold', async () => {
    const before = fake.seen.length;
    const run = await runExample('do-multiple.yaml', { petId: 1 });
    expect(run.status).toBe('completed');
    const seen = fake.seen.slice(before);
    expect(seen.map((r) => r.method)).toEqual(['GET', 'PUT']);
    expect(seen[1]!.body).toEqual({ ...PET_1, status: 'sold' });
  });

  it('conditional-task raises for a minor and places the bet (body as written: literal strings) otherwise', async () => {
    const minor = await runExample('conditional-task.yaml', { customer: { age: 17 } });
    expect(minor).toMatchObject({ status: 'faulted', error: { type: 'https://superbet-casinos.com/customer/access-forbidden', status: 400, title: 'Access Forbidden', instance: '/do/0/raiseErrorIfUnderage' } });
    const adult = await h.runToEnd('conditional-task', { customer: { age: 30 }, bet: 5 }, 'run');
    expect(adult).toMatchObject({ status: 'completed', output: { path: '/api/bet/on/football', body: { customer: '.customer', bet: '.bet' } } });
  });

  it('fork (compete) returns the output of the branch that finished first', async () => {
    const run = await runExample('fork.yaml', { patient: { fullName: 'Ann' }, room: { number: 7 } });
    expect(run.status).toBe('completed');
    expect(['nurses', 'doctor']).toContain(run.output.alerted);
    expect(run.output.request).toEqual({ patientId: 'Ann', room: 7 });
  });

  it.each(['raise-inline.yaml', 'raise-reusable.yaml'])('%s faults with the not-implemented error, its detail interpolated', async (file) => {
    const run = await runExample(file, {});
    expect(run).toMatchObject({
      status: 'faulted',
      error: { type: 'https://serverlessworkflow.io/errors/not-implemented', status: 500, title: 'Not Implemented', detail: `The workflow '${file.replace('.yaml', '')}:0.1.0' is a work in progress and cannot be run yet` },
    });
  });

  it('switch-then-string takes the branch of the order type, and the default one', async () => {
    expect(await runExample('switch-then-string.yaml', { orderType: 'electronic' })).toMatchObject({ output: { validate: true, status: 'fulfilled' } });
    expect(await h.runToEnd('switch-then-string', { orderType: 'physical' }, 'run')).toMatchObject({ output: { inventory: 'clear', items: 1, address: 'Elmer St' } });
    expect(await h.runToEnd('switch-then-string', { orderType: 'other' }, 'run')).toMatchObject({ output: { log: 'warn', message: "something's wrong" } });
  });

  it('try-catch catches the 404 of a missing pet; try-catch-then emits the error (to a listening run) and skips buying', async () => {
    expect(await runExample('try-catch.yaml', { petId: 404 })).toMatchObject({ status: 'completed' });
    const support = { document: { dsl: '1.0.0', namespace: 'run', name: 'support', version: '1.0.0' }, do: [{ hear: { listen: { to: { one: { with: { type: 'io.swagger.petstore.events.pets.not-found.v1' } } } } } }] };
    await h.apply(support);
    const listening = await h.api('POST', '/api/v1/runs', { namespace: 'run', name: 'support', wait: 'PT0.2S' });
    expect(listening.body.status).toBe('waiting');
    const before = fake.seen.length;
    const run = await runExample('try-catch-then.yaml', { petId: 404 });
    expect(run.status).toBe('completed');
    expect(fake.seen.slice(before).map((r) => r.method)).toEqual(['GET']);
    const heard = await settle(listening.body.id);
    expect(heard).toMatchObject({ status: 'completed', output: [{ type: 'https://serverlessworkflow.io/spec/1.0.0/errors/communication', status: 404 }] });
  });

  it.each(['try-catch-retry-inline.yaml', 'try-catch-retry-reusable.yaml'])('%s gets the pet', async (file) => {
    expect(await runExample(file, { petId: 1 })).toMatchObject({ status: 'completed', output: PET_1 });
  });

  it('emit completes', async () => {
    expect(await runExample('emit.yaml', {})).toMatchObject({ status: 'completed' });
  });

  it('run-subflow faults with a clear error while the subflow is not registered', async () => {
    const run = await runExample('run-subflow.yaml', { user: { name: 'ada' } });
    expect(run).toMatchObject({ status: 'faulted', error: { detail: expect.stringMatching(/register-customer/), instance: '/do/0/registerCustomer' } });
  });

  it.each(['wait-duration-inline.yaml', 'wait-duration-iso8601.yaml'])('%s waits 30 s (202 waiting), and can be cancelled', async (file) => {
    await h.apply(example(file, 'run'));
    const started = await h.api('POST', '/api/v1/runs', { namespace: 'run', name: file.replace('.yaml', ''), wait: 'PT0.3S' });
    expect(started.status).toBe(202);
    expect(started.body.status).toBe('waiting');
    expect((await h.api('POST', `/api/v1/runs/${started.body.id}/cancel`)).status).toBe(202);
    expect((await settle(started.body.id)).status).toBe('cancelled');
  });

  it('baton run --wait prints the outcome and exits 0, or 1 for a faulted run', async () => {
    const env = { ...process.env, BATON_URL: h.baton.url, BATON_API_KEY: 'bt_runtime_suite_admin_key' };
    const ok = await exec(process.execPath, ['apps/cli/bin/baton.mjs', 'run', 'run/switch-then-string', '--input', '{"orderType":"electronic"}', '--wait', '-o', 'json'], { env });
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'completed', output: { validate: true, status: 'fulfilled' } });
    const failed = await exec(process.execPath, ['apps/cli/bin/baton.mjs', 'run', 'run/raise-inline', '--wait', '-o', 'json'], { env }).catch((error) => error);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ status: 'faulted', error: { status: 500 } });
  }, 20_000);
});

/** Polls a run until it is terminal (bounded). */
async function settle(id: string): Promise<any> {
  for (let i = 0; i < 100; i++) {
    const run = (await h.api('GET', `/api/v1/runs/${id}`)).body;
    if (['completed', 'faulted', 'cancelled'].includes(run.status)) return run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`run ${id} did not finish`);
}

/** Starts a listen example in a namespace of its own, posts the events, returns the finished run. */
async function listen(file: string, events: Array<{ type: string; data: unknown }>, input: unknown = {}): Promise<any> {
  const namespace = `listen-${file.replace('.yaml', '').slice(0, 40)}`;
  await h.apply(example(file, namespace));
  const started = await h.api('POST', '/api/v1/runs', { namespace, name: file.replace('.yaml', ''), input, wait: 'PT0.2S' });
  expect(started.body.status).toBe('waiting');
  for (const [i, event] of events.entries()) {
    const res = await h.api('POST', '/api/v1/events', { specversion: '1.0', id: `${namespace}-${i}`, source: 'https://test.local', ...event }, 'application/cloudevents+json');
    expect(res.status).toBe(202);
  }
  return settle(started.body.id);
}

const TEMP = 'com.fake-hospital.vitals.measurements.temperature';
const BPM = 'com.fake-hospital.vitals.measurements.bpm';

describe('listen examples, fed CloudEvents through POST /api/v1/events', () => {
  it('listen-to-one waits for the race to start, then starts the car', async () => {
    const run = await listen('listen-to-one.yaml', [{ type: 'com.virtual-wf-powered-race.events.race.started.v1', data: { race: 1 } }]);
    expect(run.status).toBe('completed');
    expect(run.output).toMatchObject({ method: 'POST', path: expect.stringMatching(/^\/api\/v4\/cars\/.*\/start$/) });
  });

  it('listen-to-any-filter ignores a normal temperature and takes an abnormal heart rate', async () => {
    const run = await listen('listen-to-any-filter.yaml', [{ type: TEMP, data: { temperature: 37 } }, { type: BPM, data: { bpm: 120 } }]);
    expect(run).toMatchObject({ status: 'completed', output: [{ bpm: 120 }] });
  });

  it('listen-to-all waits for both, and read: envelope gives whole CloudEvents', async () => {
    const events = [{ type: TEMP, data: { temperature: 39 } }, { type: BPM, data: { bpm: 50 } }];
    expect(await listen('listen-to-all.yaml', events)).toMatchObject({ status: 'completed', output: [{ temperature: 39 }, { bpm: 50 }] });
    const envelope = await listen('listen-to-all-read-envelope.yaml', events);
    expect(envelope.status).toBe('completed');
    expect(envelope.output).toMatchObject([{ specversion: '1.0', type: TEMP, data: { temperature: 39 } }, { type: BPM, data: { bpm: 50 } }]);
  });

  it('listen-to-any takes any event; until-condition stops after more than 3; until-consumed stops at check-out', async () => {
    expect(await listen('listen-to-any.yaml', [{ type: 'anything.at.all', data: { n: 1 } }])).toMatchObject({ status: 'completed', output: [{ n: 1 }] });
    const four = [1, 2, 3, 4].map((n) => ({ type: `any.${n}`, data: { n } }));
    expect(await listen('listen-to-any-until-condition.yaml', four)).toMatchObject({ status: 'completed', output: four.map((e) => e.data) });
    const consumed = await listen('listen-to-any-until-consumed.yaml', [
      { type: TEMP, data: { temperature: 39 } },
      { type: BPM, data: { bpm: 50 } },
      { type: 'com.fake-hospital.patient.checked-out', data: {} },
    ]);
    expect(consumed).toMatchObject({ status: 'completed', output: [{ temperature: 39 }, { bpm: 50 }] });
  });
});

describe('hostile input', () => {
  const base = (name: string) => ({ document: { dsl: '1.0.0', namespace: 'hostile', name, version: '1.0.0' } });

  it('a runaway jq expression in a set task faults the run with the expression error, and the runner goes on', async () => {
    await h.apply({ ...base('runaway'), do: [{ spin: { set: { last: '${ last(range(1e9)) }' } } }] });
    const run = await h.runToEnd('runaway', {}, 'hostile');
    expect(run).toMatchObject({ status: 'faulted', error: { type: 'https://serverlessworkflow.io/spec/1.0.0/errors/expression', detail: expect.stringMatching(/time limit/), instance: '/do/0/spin' } });
    await h.apply({ ...base('after-runaway'), do: [{ ok: { set: { ok: true } } }] });
    expect(await h.runToEnd('after-runaway', {}, 'hostile')).toMatchObject({ status: 'completed', output: { ok: true } });
  });

  it('1,000 tasks register and run', async () => {
    const tasks = Array.from({ length: 1000 }, (_, i) => ({ [`t${i}`]: { set: { n: '${ (.n // 0) + 1 }' } } }));
    await h.apply({ ...base('thousand'), do: tasks });
    expect(await h.runToEnd('thousand', {}, 'hostile')).toMatchObject({ status: 'completed', output: { n: 1000 } });
  });

  it('deeply nested tasks are validated in linear time (60 levels run), and 1,000 levels are a 400 naming the depth (refused as the JSON body is parsed), not a frozen API', async () => {
    let task: object = { leaf: { set: { deep: true } } };
    for (let i = 0; i < 60; i++) task = { [`level${i}`]: { do: [task] } };
    await h.apply({ ...base('deep60'), do: [task] });
    expect(await h.runToEnd('deep60', {}, 'hostile')).toMatchObject({ status: 'completed', output: { deep: true } });
    const deeper = `{"document":{"dsl":"1.0.0","namespace":"hostile","name":"deep1000","version":"1.0.0"},"do":[${'{"a":{"do":['.repeat(1000)}{"leaf":{"set":{"x":1}}}${']}}'.repeat(1000)}]}`;
    const res = await h.api('POST', '/api/v1/workflows', deeper);
    expect(res.status).toBe(400);
    expect(res.body.problems[0].message).toMatch(/levels deep/);
    expect((await fetch(`${h.baton.url}/health`)).status).toBe(200);
  }, 20_000);

  it.each(['P1Y', { seconds: -1 }, { days: 1e15 }])('wait: %j is a 422 at registration, not a run that never starts', async (wait) => {
    const res = await h.api('POST', '/api/v1/workflows', { ...base(`bad-wait-${Math.random().toString(36).slice(2, 8)}`), do: [{ nap: { wait } }] });
    expect(res.status).toBe(422);
    expect(res.body.problems[0].path).toBe('/do/0/nap/wait');
  });

  it('a YAML alias bomb and a self-referencing alias are refused with a problem', async () => {
    const laughs = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n');
    const bomb = await h.api('POST', '/api/v1/workflows', laughs, 'application/yaml');
    expect([400, 422]).toContain(bomb.status);
    const cycle = await h.api('POST', '/api/v1/workflows', 'a: &a [*a]', 'application/yaml');
    expect(cycle.status).toBe(422);
  });

  it('text Baton stores (an event type) with U+0000 is a 400 naming the attribute, not a 500', async () => {
    const res = await h.api('POST', '/api/v1/events', { specversion: '1.0', id: 'nul', source: 's', type: 'bad\u0000type' }, 'application/cloudevents+json');
    expect(res.status).toBe(400);
    expect(res.body.problems?.[0]?.path).toBe('/body/type');
  });

  it('a listen for an event type with U+0000 waits (no stuck pending run) and hears that very type', async () => {
    await h.apply({ ...base('nul-listen'), do: [{ hear: { listen: { to: { one: { with: { type: 'odd\u0000type' } } } } } }] });
    const started = await h.api('POST', '/api/v1/runs', { namespace: 'hostile', name: 'nul-listen', wait: 'PT0.3S' });
    expect(started.body.status).toBe('waiting');
    await h.apply({ ...base('nul-emit'), do: [{ say: { emit: { event: { with: { source: 'https://test.local', type: 'odd\u0000type', data: { ok: 1 } } } } } }] });
    expect(await h.runToEnd('nul-emit', {}, 'hostile')).toMatchObject({ status: 'completed' });
    expect(await settle(started.body.id)).toMatchObject({ status: 'completed', output: [{ ok: 1 }] });
  });

  it('a run input nested 100,000 levels deep is a 400, not a 500', async () => {
    await h.apply({ ...base('echo'), do: [{ keep: { set: { ok: true } } }] });
    const input = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    const res = await h.api('POST', '/api/v1/runs', `{"namespace":"hostile","name":"echo","input":${input}}`);
    expect(res.status).toBe(400);
    expect(res.body.problems?.[0]?.path).toMatch(/^\/body\/input/);
  });

  it('a run input with a "__proto__" member is refused saying so, not called invalid JSON', async () => {
    const res = await h.api('POST', '/api/v1/runs', '{"namespace":"hostile","name":"echo","input":{"__proto__":{"x":1}}}');
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/__proto__/);
    expect(res.body.detail).not.toMatch(/not valid JSON/);
  });

  it('a number JSON cannot hold (1e400) in a run input is a 400, not silently null', async () => {
    await h.apply({ ...base('echo'), do: [{ keep: { set: { ok: true } } }] });
    const res = await h.api('POST', '/api/v1/runs', '{"namespace":"hostile","name":"echo","input":{"n":1e400}}');
    expect(res.status).toBe(400);
    expect(res.body.problems?.[0]?.path).toBe('/body/input/n');
  });
});
