// The REST API (port 8081) under hostile requests, in the all-in-one process: approval form
// numbers (issue 12, row 10) through the API and the public page, then every route with
// hostile parameters, queries and bodies. No answer is a 5xx and nothing would end the process.
import { startEmbedded, type EmbeddedBaton } from '@baton/cli/embedded';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalDoc, finishedRun, linkToken, openApprovalOf, startRun, type Api } from '../approvals/helpers.ts';
import { watchProcess, type ProcessWatch } from './harness.ts';

const API_KEY = 'bt_hostile_suite_admin_key_0123';
const APPROVAL_SECRET = 'hostile-approval-secret-0123456789';
const FORM = { type: 'object', properties: { amount: { type: 'integer', minimum: 1 } }, required: ['amount'] };

let baton: EmbeddedBaton;
let watch: ProcessWatch;
const statuses: Array<{ what: string; status: number }> = [];

async function send(method: string, path: string, body?: string, contentType = 'application/json', key: string | null = API_KEY): Promise<{ status: number; text: string; json: any }> {
  const res = await fetch(`${baton.url}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': contentType }) },
    body,
  });
  const text = await res.text();
  statuses.push({ what: `${method} ${path} ${body?.slice(0, 60) ?? ''}`, status: res.status });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

const api: Api = async (method, path, body, contentType) => {
  const res = await send(method, path, body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), contentType);
  return { status: res.status, body: res.json };
};

beforeAll(async () => {
  watch = watchProcess();
  baton = await startEmbedded({
    env: { ORCHESTRATOR_PORT: '0', ORCHESTRATOR_HOST: '127.0.0.1', BATON_API_KEY: API_KEY, BATON_APPROVAL_SECRET: APPROVAL_SECRET, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
    store: { kind: 'pglite' },
    bus: { kind: 'memory' },
  });
  expect((await api('POST', '/api/v1/workflows', approvalDoc('amount', { approvers: ['alice'], form: FORM }))).status).toBe(201);
});

afterAll(async () => {
  watch.stop();
  await baton?.stop();
});

describe('REST API: hostile requests', () => {
  it('refuses {"amount": 1e400} for an integer field (row 10: it was accepted and stored as null), and unsafe integers', async () => {
    const runId = await startRun(api, 'amount');
    const approval = await openApprovalOf(api, runId);
    const decide = (data: string) => send('POST', `/api/v1/approvals/${approval.id}/decision`, `{"decision":"approve","approver":"alice","data":{"amount":${data}}}`);
    const infinite = await decide('1e400');
    expect(infinite.status).toBe(400);
    expect(infinite.json.problems).toEqual([{ path: '/body/data/amount', message: expect.stringContaining('cannot hold') }]);
    const unsafe = await decide('9007199254740993');
    expect(unsafe.status).toBe(422);
    expect(unsafe.json.problems).toEqual([{ path: '/body/data/amount', message: expect.stringContaining('9007199254740991') }]);

    const page = `/approve/${linkToken(APPROVAL_SECRET, approval.id, 'alice')}`;
    const post = (amount: string) => send('POST', page, new URLSearchParams({ decision: 'approve', 'f.amount': amount }).toString(), 'application/x-www-form-urlencoded', null);
    for (const amount of ['1e400', '-1e400', '9007199254740993']) {
      const refused = await post(amount);
      expect(refused.status, amount).toBe(422);
      expect(refused.text).toMatch(/amount: (is a number JSON cannot hold|is an integer beyond)/);
    }
    expect((await send('POST', page, 'decision=approve&f.amount=5&comment=a%00b', 'application/x-www-form-urlencoded', null)).status).toBe(400);
    expect((await send('GET', `/api/v1/approvals/${approval.id}`)).json.status).toBe('pending'); // nothing was recorded

    expect((await post('5')).status).toBe(200);
    const run = await finishedRun(api, runId);
    expect(run).toMatchObject({ status: 'completed', output: { data: { amount: 5 } } });
  });

  it('answers every route with hostile parameters, queries and bodies without a 5xx', async () => {
    const stamp = '2026-01-01T00:00:00.000Z';
    const cursor = (...key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
    const params = ['%00', 'a%00b', '%ZZ', '%ED%A0%80', '%C0%AF', '..%2F..%2Fetc%2Fpasswd', 'x'.repeat(99), '%F0%9F%98%80', '-1', '2147483648'];
    const queries = [
      `cursor=${cursor('runs', '1', 'x')}`, `cursor=${cursor('runs', stamp, 'a\u0000b')}`, `cursor=${cursor('approvals', '1', 'x')}`, `cursor=${cursor('definitions', 'a', '\uDC00', 'b')}`,
      'cursor=%00', 'limit=2147483648', 'limit=-1', 'limit=1e309', 'after=2147483648', 'after=9007199254740993', 'status=%00', 'namespace=%00', 'name=%ED%A0%80', 'runId=a%00b', 'approver=%00', '%ZZ=%ZZ',
    ];
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const bodies = [deep, '{"a":1e400}', '{"__proto__":{"x":1}}', '{"namespace":"a\\u0000","name":"b"}', '{"name":"\\ud800","role":"user"}', '[]', 'null', '"x"', '{', '9'.repeat(400), `{"decision":"approve","data":{"amount":${deep}}}`];
    const get = ['/api/v1/workflows', '/api/v1/runs', '/api/v1/approvals', '/api/v1/keys'];
    for (const path of get) for (const query of queries) await send('GET', `${path}?${query}`);
    for (const param of params) {
      for (const path of [`/api/v1/runs/${param}`, `/api/v1/runs/${param}/events?after=2147483648`, `/api/v1/workflows/${param}/${param}`, `/api/v1/workflows/a/b/${param}`, `/api/v1/approvals/${param}`, `/approve/${param}`, `/ui/${param}`]) {
        await send('GET', path, undefined, undefined, path.startsWith('/api') ? API_KEY : null);
      }
      await send('DELETE', `/api/v1/keys/${param}`);
      await send('POST', `/api/v1/runs/${param}/cancel`, '{"reason":"x"}');
      await send('POST', `/api/v1/approvals/${param}/decision`, '{"decision":"approve"}');
      await send('POST', `/approve/${param}`, 'decision=approve&f.amount=1e400', 'application/x-www-form-urlencoded', null);
    }
    for (const path of ['/api/v1/workflows', '/api/v1/runs', '/api/v1/events', '/api/v1/keys', '/api/v1/stream-tokens', '/api/v1/approvals/x/decision', '/api/v1/runs/x/cancel']) {
      for (const body of bodies) await send('POST', path, body);
      await send('POST', path, 'a: &a [*a]\n', 'application/yaml');
      await send('POST', path, 'x', 'text/plain; charset=%00');
    }
    await send('POST', '/api/v1/workflows', `a: ${deep}\n`, 'application/yaml');
    const failures = statuses.filter(({ status }) => status >= 500);
    expect(failures).toEqual([]);
    expect(statuses.length).toBeGreaterThan(250);
  });

  it('caused nothing that would end the process, and the services still answer', async () => {
    expect(watch.failures).toEqual([]);
    expect((await fetch(`${baton.url}/health`)).status).toBe(200);
    expect((await fetch(`${baton.url}/ready`)).status).toBe(200);
    expect((await fetch(`${baton.fanoutUrl}/health`)).status).toBe(200);
  });
});
