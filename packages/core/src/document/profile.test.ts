import { describe, expect, it } from 'vitest';
import { validateWorkflow } from './index.ts';
import type { Problem } from './index.ts';

const header = { dsl: '1.0.3', namespace: 'test', name: 'profile', version: '0.1.0' };
const workflow = (tasks: unknown[], extra: Record<string, unknown> = {}) => ({ document: header, do: tasks, ...extra });
const resource = { endpoint: 'https://example.com/spec.json' };

/** The problems of a document, which must all be profile rejections. */
function rejections(document: unknown): Problem[] {
  const problems = validateWorkflow(document);
  expect(problems.filter((p) => p.feature === undefined)).toEqual([]);
  return problems;
}

describe('validateWorkflow: the Baton profile', () => {
  it.each([
    ['grpc', { proto: resource, service: { name: 'Greeter', host: 'localhost' }, method: 'SayHello' }],
    ['asyncapi', { document: resource, operation: 'notify', message: { payload: {} } }],
    ['a2a', { method: 'message/send' }],
    ['mcp', { method: 'tools/list', transport: { http: { endpoint: 'https://example.com/mcp' } } }],
  ])('rejects call: %s with the task path', (protocol, args) => {
    expect(rejections(workflow([{ step: { call: protocol, with: args } }]))).toEqual([
      { path: '/do/0/step', feature: `call.${protocol}`, message: `call: ${protocol} is not supported by Baton yet` },
    ]);
  });

  it.each([
    ['container', { container: { image: 'alpine' } }],
    ['script', { script: { language: 'js', code: 'return 1' } }],
    ['shell', { shell: { command: 'ls' } }],
  ])('rejects run: %s', (process, run) => {
    expect(rejections(workflow([{ step: { run } }]))).toEqual([
      { path: '/do/0/step', feature: `run.${process}`, message: `run: ${process} is not supported by Baton yet` },
    ]);
  });

  it('accepts call: openapi, with credentials for the document and for the call', () => {
    const basic = { basic: { username: 'u', password: 'p' } };
    const args = { document: { endpoint: { uri: 'https://example.com/spec.json', authentication: basic } }, operationId: 'findPets', parameters: { status: 'available' }, authentication: { use: 'api' }, output: 'response', redirect: true };
    expect(validateWorkflow(workflow([{ step: { call: 'openapi', with: args } }], { use: { authentications: { api: { bearer: { token: 't' } } } } }))).toEqual([]);
    expect(validateWorkflow(workflow([{ step: { call: 'openapi', with: { document: resource, operationId: 'findPets' } } }]))).toEqual([]);
  });

  it('accepts run: workflow', () => {
    expect(validateWorkflow(workflow([{ step: { run: { workflow: { namespace: 'n', name: 'w', version: '1.0.0' } } } }]))).toEqual([]);
  });

  it.each([
    ['oauth2', { authority: 'https://auth.example.com', grant: 'client_credentials', client: { id: 'a', secret: 'b' } }],
    ['oidc', { authority: 'https://auth.example.com', grant: 'client_credentials', client: { id: 'a', secret: 'b' } }],
  ])('rejects %s authentication wherever a policy appears', (scheme, config) => {
    const call = (authentication: unknown) => ({ call: 'http', with: { method: 'get', endpoint: { uri: 'https://example.com', authentication } } });
    const inline = rejections(workflow([{ step: call({ [scheme]: config }) }]));
    expect(inline).toEqual([{ path: `/do/0/step/with/endpoint/authentication/${scheme}`, feature: `authentication.${scheme}`, message: expect.stringContaining('is not supported by Baton yet') }]);
    const reusable = rejections(workflow([{ step: call({ use: 'corp' }) }], { use: { authentications: { corp: { [scheme]: config } } } }));
    expect(reusable).toEqual([{ path: `/use/authentications/corp/${scheme}`, feature: `authentication.${scheme}`, message: expect.any(String) }]);
    const openapi = rejections(workflow([{ step: { call: 'openapi', with: { document: resource, operationId: 'x', authentication: { [scheme]: config } } } }]));
    expect(openapi.map((p) => p.path)).toEqual([`/do/0/step/with/authentication/${scheme}`]);
    const openapiDocument = rejections(workflow([{ step: { call: 'openapi', with: { document: { endpoint: { uri: 'https://example.com/spec.json', authentication: { [scheme]: config } } }, operationId: 'x' } } }]));
    expect(openapiDocument.map((p) => p.path)).toEqual([`/do/0/step/with/document/endpoint/authentication/${scheme}`]);
    const catalog = rejections(workflow([{ step: { set: { x: 1 } } }], { use: { catalogs: { corp: { endpoint: { uri: 'https://c.example.com', authentication: { [scheme]: config } } } } } }));
    expect(catalog.map((p) => p.path)).toEqual([`/use/catalogs/corp/endpoint/authentication/${scheme}`]);
  });

  it('accepts basic, bearer and digest authentication', () => {
    const policies = { a: { basic: { username: 'u', password: 'p' } }, b: { bearer: { token: 't' } }, c: { digest: { username: 'u', password: 'p' } } };
    expect(validateWorkflow(workflow([{ s: { set: { x: 1 } } }], { use: { authentications: policies } }))).toEqual([]);
  });

  it('accepts a schedule; rejects use.extensions', () => {
    expect(rejections(workflow([{ s: { set: { x: 1 } } }], { schedule: { every: 'PT1H' } }))).toEqual([]);
    const extensions = [{ log: { extend: 'call', before: [{ note: { set: { x: 1 } } }] } }];
    expect(rejections(workflow([{ s: { set: { x: 1 } } }], { use: { extensions } }))).toEqual([
      { path: '/use/extensions', feature: 'use.extensions', message: 'use.extensions is not supported by Baton yet' },
    ]);
  });

  it('rejects evaluate.language other than jq and evaluate.mode loose', () => {
    expect(rejections(workflow([{ s: { set: { x: '${ 1 + }' } } }], { evaluate: { language: 'javascript', mode: 'strict' } }))).toEqual([
      { path: '/evaluate/language', feature: 'evaluate.language', message: expect.stringContaining('evaluate.language: javascript is not supported') },
    ]);
    expect(rejections(workflow([{ s: { set: { x: 1 } } }], { evaluate: { language: 'jq', mode: 'loose' } }))).toEqual([
      { path: '/evaluate/mode', feature: 'evaluate.mode.loose', message: expect.stringContaining('evaluate.mode: loose is not supported') },
    ]);
    expect(validateWorkflow(workflow([{ s: { set: { x: 1 } } }], { evaluate: { language: 'jq', mode: 'strict' } }))).toEqual([]);
  });

  it('accepts the default-catalog agent and approval functions and local functions', () => {
    const functions = { greet: { call: 'http', with: { method: 'get', endpoint: 'https://example.com' } } };
    const tasks = [{ a: { call: 'agent:1.0.0@default', with: { model: 'm', prompt: 'hi' } } }, { b: { call: 'approval:1.0.0@default', with: { title: 'ok?', approvers: ['ops'] } } }, { c: { call: 'greet' } }];
    expect(validateWorkflow(workflow(tasks, { use: { functions } }))).toEqual([]);
  });

  it('rejects functions of other catalogs and functions fetched from a URI', () => {
    const catalogs = { corp: { endpoint: 'https://catalog.example.com' } };
    expect(rejections(workflow([{ a: { call: 'log:1.0.0@corp' } }], { use: { catalogs } }))).toEqual([
      { path: '/do/0/a', feature: 'call.catalog-function', message: expect.stringContaining("call: log:1.0.0@corp (a function of catalog 'corp') is not supported") },
    ]);
    expect(rejections(workflow([{ a: { call: 'https://example.com/functions/log/1.0.0/function.yaml' } }]))).toEqual([
      { path: '/do/0/a', feature: 'call.function-uri', message: expect.stringContaining('fetched from a URI') },
    ]);
  });

  it('rejects a reusable function whose own definition is not supported, where it is defined', () => {
    const functions = { greet: { call: 'grpc', with: { proto: resource, service: { name: 'G', host: 'h' }, method: 'M' } } };
    expect(rejections(workflow([{ a: { call: 'greet' } }], { use: { functions } }))).toEqual([
      { path: '/use/functions/greet', feature: 'call.grpc', message: 'call: grpc is not supported by Baton yet' },
    ]);
  });

  it('rejects external schema resources and non-JSON schema formats, accepts inline JSON Schemas', () => {
    const inline = { schema: { format: 'json', document: { type: 'object' } } };
    expect(validateWorkflow(workflow([{ s: { set: { x: 1 }, output: inline } }], { input: inline }))).toEqual([]);
    const external = { schema: { resource: resource } };
    expect(rejections(workflow([{ s: { set: { x: 1 }, export: external } }], { input: external }))).toEqual([
      { path: '/input/schema/resource', feature: 'schema.resource', message: expect.stringContaining('external input schema') },
      { path: '/do/0/s/export/schema/resource', feature: 'schema.resource', message: expect.stringContaining('external export schema') },
    ]);
    expect(rejections(workflow([{ s: { set: { x: 1 }, output: { schema: { format: 'avro', document: {} } } } }]))).toEqual([
      { path: '/do/0/s/output/schema/format', feature: 'schema.format', message: expect.stringContaining("schema format 'avro'") },
    ]);
  });
});
