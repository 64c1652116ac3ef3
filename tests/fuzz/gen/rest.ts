// Requests for every operation of /openapi.json (and the dashboard, and paths no route has):
// generated path parameters, queries, headers, credentials and bodies — mostly valid-looking so
// that requests get past validation, the rest hostile at one place.
import fc from 'fast-check';
import { GATE_EVENT, NS, ref } from '../fixtures.ts';
import type { HttpInput } from '../wire.ts';
import { anyJson, anyNumber, anyString, bigString, deepJson, jsonTextOf, NUMBER_TEXTS, pct, segmentOf } from './hostile.ts';
import { mutatedValueOf, type Hints, type Schema } from './json-schema.ts';

export interface Operation {
  method: string;
  /** The OpenAPI path, with {param} (and `*` for the approval page). */
  path: string;
  params: Array<{ name: string; in: 'path' | 'query'; schema: Schema }>;
  /** Media types of the request body and their schemas. */
  bodies: Array<{ contentType: string; schema: Schema }>;
}

export function operationsOf(openapi: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<any>(openapi.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      const params = ((op.parameters ?? []) as any[]).filter((p) => p.in === 'path' || p.in === 'query').map((p) => ({ name: p.name as string, in: p.in as 'path' | 'query', schema: (p.schema ?? {}) as Schema }));
      const content = (op.requestBody?.content ?? {}) as Record<string, { schema?: Schema }>;
      ops.push({ method: method.toUpperCase(), path, params, bodies: Object.entries(content).map(([contentType, c]) => ({ contentType, schema: c.schema ?? {} })) });
    }
  }
  // Not in the OpenAPI document: the dashboard, and paths no route serves.
  ops.push({ method: 'GET', path: '/', params: [], bodies: [] }, { method: 'GET', path: '/ui/{file}', params: [{ name: 'file', in: 'path', schema: {} }], bodies: [] });
  ops.push({ method: 'GET', path: '/api/v1/{x}', params: [{ name: 'x', in: 'path', schema: {} }], bodies: [] });
  return ops;
}

const PARAM_VALUES: Record<string, string[]> = {
  id: [ref('run.done'), ref('run.waiting'), ref('run.child'), ref('run.parent'), ref('run.approval'), ref('approval'), ref('key.revocable'), ref('schedule'), `${ref('run.done')}.e1`, `${ref('run.parent')}.`, '01a21cb2-d806-71be-bbf0-ce5b7b04d866', `${ref('run.approval')}:e9`],
  scheduleId: [ref('schedule'), '01a21cb2-d806-71be-bbf0-ce5b7b04d866', '%00', 'x'],
  namespace: [NS, 'other', 'test', 'a', 'x-y'],
  name: ['hello', 'gate', 'approve', 'parent', 'nope'],
  version: ['1.0.0', '1.0', 'latest', '0.0.0-rc.1+b', '99999999999999999999.0.0'],
  '*': [ref('approval.link'), ref('approval.link.bob'), 'e30.AAAA', `${ref('approval.link')}x`, ref('token')],
  status: ['pending', 'running', 'waiting', 'suspended', 'completed', 'faulted', 'cancelled', 'approved', 'rejected', 'timed_out'],
  cursor: [cursor('runs', '2026-01-01T00:00:00.000Z', 'x'), cursor('runs', '1', 'x'), cursor('approvals', '2026-01-01T00:00:00.000Z', 'a\u0000b'), cursor('definitions', 'a', '\udc00', 'b'), cursor(), cursor('runs', null, Infinity), '%00', 'AAAA', 'eyJ9'],
  approver: ['alice', 'bob', 'group:finance'],
  runId: [ref('run.approval'), ref('run.done'), '%00'],
  after: ['0', '1', '3', '-1', '2147483647', '2147483648', '9007199254740993', '1e309', '1.5', '0x10', ''],
  limit: ['1', '50', '500', '501', '0', '-1', '1000', '1001', '1e309', 'NaN', ''],
};

function cursor(...key: unknown[]): string {
  return Buffer.from(JSON.stringify(key) ?? '').toString('base64url');
}

function paramValue(name: string): fc.Arbitrary<string> {
  const known = PARAM_VALUES[name] ?? PARAM_VALUES.id!;
  return fc.oneof(
    { arbitrary: fc.constantFrom(...known).map((v) => (v.startsWith('{{') ? v : pct(v))), weight: 6 },
    { arbitrary: segmentOf(anyString), weight: 3 },
    { arbitrary: anyNumber.map(String), weight: 1 },
    { arbitrary: fc.constantFrom('x'.repeat(101), 'x'.repeat(5001), '%2F', '..', '.', '%2e%2e'), weight: 1 },
  );
}

/** Members whose schema alone would never reach Baton's deeper layers. */
const BODY_HINTS: Hints = {
  namespace: fc.constantFrom(NS, NS, 'other', 'test'),
  name: fc.oneof(fc.constantFrom('hello', 'gate', 'approve', 'parent'), anyString),
  version: fc.constantFrom('1.0.0', '1.0.0', '2.0.0', '1.0'),
  input: anyJson,
  wait: fc.constantFrom('PT0.1S', 'PT1S', 'PT2S', 'PT0S', 'P1D', 'P1Y', 'PT1e400S', 'PT99999999999999999999S', '-PT1S', 'PT', 'xyz', 'PT0.0000001S'),
  idempotencyKey: fc.oneof(fc.constantFrom('k1', 'k2', 'k3'), anyString),
  reason: anyString,
  decision: fc.constantFrom('approve', 'reject', 'maybe'),
  approver: fc.constantFrom('alice', 'bob', 'carol', 'group:finance'),
  comment: fc.oneof(anyString, bigString),
  data: fc.oneof(fc.record({ amount: fc.oneof(anyNumber, fc.constantFrom(1, 5, 0)), note: fc.oneof(fc.constantFrom('ok', ''), anyString) }, { requiredKeys: [] }), anyJson),
  ttlSeconds: fc.oneof(fc.integer({ min: 1, max: 3600 }), anyNumber),
  role: fc.constantFrom('admin', 'user', 'root'),
  specversion: fc.constantFrom('1.0', '1.0', '0.3', '2'),
  type: fc.oneof(fc.constant(GATE_EVENT), anyString),
  source: fc.oneof(fc.constant('urn:fuzz'), anyString),
  time: fc.constantFrom('2026-01-01T00:00:00Z', '2026-13-01T00:00:00Z', 'yesterday', '0000-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z'),
};

export const AUTH = {
  admin: `Bearer ${ref('key.admin')}`,
  user: `Bearer ${ref('key.user')}`,
  other: `Bearer ${ref('key.other')}`,
  token: `Bearer ${ref('token')}`,
};

export const authorization: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constant(AUTH.admin), weight: 10 },
  { arbitrary: fc.constantFrom(AUTH.user, AUTH.other), weight: 3 },
  { arbitrary: fc.constant(undefined), weight: 2 },
  { arbitrary: fc.constantFrom(AUTH.token, 'Bearer', 'Bearer ', 'Basic YTpi', `bearer ${ref('key.admin')}`, `Bearer  ${ref('key.admin')}`, `Bearer ${ref('key.admin')}x`, 'Bearer bt_forged_0000000000000000', `Bearer ${'x'.repeat(10_000)}`, 'Bearer \u00ff\u00fe'), weight: 3 },
  { arbitrary: anyString.map((s) => `Bearer ${s}`), weight: 1 },
);

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/cloudevents+json', 'application/cloudevents-batch+json', 'application/yaml', 'text/yaml', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', '', 'application/json, text/yaml', 'APPLICATION/JSON', 'application/json; charset=%00', 'application/*', '*/*', 'application/problem+json'];

function bodyFor(op: Operation, components: Record<string, Schema>): fc.Arbitrary<{ contentType: string | undefined; body: string | undefined }> {
  const declared = op.bodies.map(({ contentType, schema }) => {
    const value = mutatedValueOf(schema, components, BODY_HINTS);
    const text = contentType.includes('x-www-form-urlencoded') ? value.map(formEncode) : contentType.includes('yaml') ? value.map((v) => JSON.stringify(v) ?? 'null') : jsonTextOf(value);
    // A member nested deep inside an otherwise valid body (an event extension, decision data: issue 12, row 11).
    const deepMember = fc.tuple(value, fc.constantFrom('ext', 'data', 'input', 'x'), deepJson).map(([v, key, deep]) => {
      const json = JSON.stringify(v) ?? '{}';
      return json.startsWith('{') && json.length > 2 ? `${json.slice(0, -1)},"${key}":${deep}}` : `{"${key}":${deep}}`;
    });
    return fc.oneof({ arbitrary: text, weight: 9 }, { arbitrary: deepMember, weight: 1 }).map((body) => ({ contentType, body }));
  });
  const hostile = fc.record({
    contentType: fc.oneof(fc.constantFrom(...CONTENT_TYPES), fc.constant(undefined), anyString),
    body: fc.oneof(deepJson, jsonTextOf(anyJson), anyString, fc.constantFrom('', '{', 'null', '[]', '"x"', 'a: &a [*a]\n', '--- !!binary AAAA', ...NUMBER_TEXTS), { arbitrary: bigString.map((s) => JSON.stringify({ s })), weight: 1 }),
  });
  if (declared.length === 0) return fc.oneof({ arbitrary: fc.constant({ contentType: undefined, body: undefined }), weight: 8 }, { arbitrary: hostile, weight: 2 });
  return fc.oneof({ arbitrary: fc.oneof(...declared), weight: 8 }, { arbitrary: hostile, weight: 3 }, { arbitrary: fc.constant({ contentType: op.bodies[0]!.contentType, body: undefined }), weight: 1 });
}

function formEncode(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pct(k)}=${pct(typeof v === 'string' ? v : JSON.stringify(v) ?? '')}`).join('&');
}

const FORM_BODY = fc.record({
  decision: fc.constantFrom('approve', 'reject', '', 'x'),
  amount: fc.oneof(fc.constantFrom('1', '5', '0', '-1', '1.5', ...NUMBER_TEXTS), anyString),
  note: fc.oneof(fc.constantFrom('ok', 'a'.repeat(40)), anyString),
  comment: anyString,
}).map(({ decision, amount, note, comment }) => `decision=${pct(decision)}&f.amount=${pct(amount)}&f.note=${pct(note)}&comment=${pct(comment)}`);

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'get', 'PROPFIND', 'X'.repeat(50), 'G\u00c9T'];

const EXTRA_HEADERS: fc.Arbitrary<Array<[string, string]>> = fc.array(
  fc.oneof(
    fc.constantFrom<[string, string]>(['accept', 'application/yaml'], ['accept', 'application/yaml;q=0.1, application/json;q=0.9'], ['accept', 'text/html'], ['accept', '*/*;q=abc'], ['x-request-id', 'a'.repeat(129)], ['x-request-id', '../../etc'], ['content-encoding', 'gzip'], ['content-encoding', 'br'], ['accept-encoding', 'gzip, deflate, br'], ['if-none-match', '*'], ['range', 'bytes=0-1'], ['expect', '100-continue'], ['origin', 'http://evil.example'], ['x-forwarded-for', '127.0.0.1, ::1'], ['transfer-encoding', 'chunked'], ['cookie', 'a=b'], ['last-event-id', '5']),
    fc.tuple(fc.constantFrom('accept', 'x-request-id', 'x-fuzz', 'content-language', 'accept-language'), anyString),
  ),
  { maxLength: 3 },
);

/** One request to the REST API. */
export function restRequests(openapi: any): fc.Arbitrary<HttpInput> {
  const components = (openapi.components?.schemas ?? {}) as Record<string, Schema>;
  const ops = operationsOf(openapi);
  return fc.oneof(...ops.map((op) => requestFor(op, components)));
}

function requestFor(op: Operation, components: Record<string, Schema>): fc.Arbitrary<HttpInput> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const path = fc.tuple(...pathParams.map((p) => paramValue(p.name))).map((values) => {
    let i = 0;
    return op.path.replace(/\{[^}]+\}|\*/g, () => values[i++] ?? '');
  });
  const query = fc.tuple(
    fc.tuple(...queryParams.map((p) => fc.option(paramValue(p.name), { nil: undefined, freq: 2 }))),
    fc.array(fc.tuple(segmentOf(anyString), segmentOf(anyString)), { maxLength: 2 }),
  ).map(([values, extra]) => {
    const parts = queryParams.flatMap((p, i) => (values[i] === undefined ? [] : [`${p.name}=${values[i]}`]));
    for (const [k, v] of extra) parts.push(`${k}=${v}`);
    return parts.length ? `?${parts.join('&')}` : '';
  });
  const body = op.path === '/approve/*' && op.method === 'POST' ? fc.oneof({ arbitrary: FORM_BODY.map((b) => ({ contentType: 'application/x-www-form-urlencoded' as string | undefined, body: b as string | undefined })), weight: 3 }, { arbitrary: bodyFor(op, components), weight: 1 }) : bodyFor(op, components);
  const method = fc.oneof({ arbitrary: fc.constant(op.method), weight: 12 }, { arbitrary: fc.constantFrom(...METHODS), weight: 1 });
  return fc.record({ method, path, query, auth: op.path.startsWith('/api') ? authorization : fc.option(authorization, { freq: 4, nil: undefined }), body, extra: EXTRA_HEADERS, raw: fc.nat(9).map((n) => n === 0) }).map(({ method, path, query, auth, body, extra, raw }) => {
    const headers: Array<[string, string]> = [];
    if (auth !== undefined) headers.push(['authorization', auth]);
    if (body.contentType !== undefined) headers.push(['content-type', body.contentType]);
    headers.push(...extra);
    // A body declared chunked over node:http would be re-framed: only the raw socket sends it as given.
    const rawNeeded = extra.some(([name]) => name === 'transfer-encoding');
    return { method, target: `${path}${query}`, headers, ...(body.body !== undefined && { body: body.body }), ...(raw || rawNeeded ? { raw: true } : {}) };
  });
}
