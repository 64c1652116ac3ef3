// What a valid-looking input refers to: workflows, runs in each state, an open approval and its
// signed link, keys of each kind, a stream token. Generated inputs name them by placeholder
// (`{{run.done}}`), resolved when the input is sent, so a saved counterexample replays on a
// fresh process whose ids differ.
import { signApprovalLink } from '@baton/hitl-worker/tokens';
import { FUZZ_API_KEY, FUZZ_APPROVAL_SECRET } from './baton-process.ts';

export const NS = 'fuzz';
export const GATE_EVENT = 'com.fuzz.go';

export type Fixtures = Record<string, string>;

/** Placeholders a generator may use; every one is defined by setUpFixtures. */
export const PLACEHOLDERS = [
  'run.done', 'run.waiting', 'run.child', 'run.parent', 'run.approval', 'approval', 'approval.link', 'approval.link.bob',
  'key.admin', 'key.user', 'key.other', 'key.revocable', 'key.user.id', 'token', 'token.other', 'ns', 'wf', 'wf.version', 'schedule',
] as const;

export type Placeholder = (typeof PLACEHOLDERS)[number];

export const ref = (name: Placeholder) => `{{${name}}}`;

export function resolve(text: string, fixtures: Fixtures): string {
  return text.replace(/\{\{([a-z.]+)\}\}/g, (whole, name: string) => fixtures[name] ?? whole);
}

export const WORKFLOWS = {
  hello: { document: { dsl: '1.0.0', namespace: NS, name: 'hello', version: '1.0.0' }, do: [{ greet: { set: { message: '${ "Hello, " + ((.name // "world") | tostring) + "!" }' } } }] },
  gate: {
    document: { dsl: '1.0.0', namespace: NS, name: 'gate', version: '1.0.0' },
    do: [{ wait: { listen: { to: { one: { with: { type: GATE_EVENT } } } } } }, { done: { set: { opened: true } } }],
  },
  approve: {
    document: { dsl: '1.0.0', namespace: NS, name: 'approve', version: '1.0.0' },
    do: [
      { review: { call: 'approval:1.0.0@default', with: { title: 'Fuzz', approvers: ['alice', 'bob'], quorum: 1, form: { type: 'object', properties: { amount: { type: 'integer', minimum: 1 }, note: { type: 'string', pattern: '^[a-z]*$' } }, required: ['amount'] } } } },
      { after: { set: { decision: '${ .decision }' } } },
    ],
  },
  parent: {
    document: { dsl: '1.0.0', namespace: NS, name: 'parent', version: '1.0.0' },
    do: [{ child: { run: { workflow: { namespace: NS, name: 'gate', version: '1.0.0' } } } }],
  },
  // A schedule for the schedule routes (yearly: its ticks do not run during a fuzz; trigger does),
  // and one started by the gate's events.
  yearly: { document: { dsl: '1.0.0', namespace: NS, name: 'yearly', version: '1.0.0' }, schedule: { cron: '0 0 1 1 *' }, do: [{ note: { set: { at: '${ $workflow.input }' } } }] },
  triggered: { document: { dsl: '1.0.0', namespace: NS, name: 'triggered', version: '1.0.0' }, schedule: { on: { one: { with: { type: GATE_EVENT } } } }, do: [{ note: { set: { events: '${ length }' } } }] },
};

type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

export function apiClient(apiUrl: string, key = FUZZ_API_KEY): Api {
  return async (method, path, body) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, body: parsed };
  };
}

async function expectStatus(what: string, res: Promise<{ status: number; body: any }>, ...ok: number[]): Promise<any> {
  const { status, body } = await res;
  if (!ok.includes(status)) throw new Error(`fixture ${what}: ${status} ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`fixture: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Registers the workflows and makes one of everything the generators refer to. */
export async function setUpFixtures(apiUrl: string): Promise<Fixtures> {
  const api = apiClient(apiUrl);
  for (const [name, doc] of Object.entries(WORKFLOWS)) await expectStatus(`workflow ${name}`, api('POST', '/api/v1/workflows', doc), 200, 201);
  const done = await expectStatus('run.done', api('POST', '/api/v1/runs', { namespace: NS, name: 'hello', input: { name: 'fuzz' }, wait: 'PT2S' }), 200, 201, 202);
  const waiting = await expectStatus('run.waiting', api('POST', '/api/v1/runs', { namespace: NS, name: 'gate', input: {} }), 201);
  const parent = await expectStatus('run.parent', api('POST', '/api/v1/runs', { namespace: NS, name: 'parent', input: {} }), 201);
  const approvalRun = await expectStatus('run.approval', api('POST', '/api/v1/runs', { namespace: NS, name: 'approve', input: {} }), 201);
  const child = await until('the child run', async () => {
    const page = await api('GET', `/api/v1/runs?namespace=${NS}&name=gate&limit=50`);
    return (page.body.items as any[]).find((run) => run.parentRunId === parent.id)?.id as string | undefined;
  });
  const approval = await until('the approval', async () => {
    const page = await api('GET', `/api/v1/approvals?runId=${encodeURIComponent(approvalRun.id)}`);
    return (page.body.items as any[])[0]?.id as string | undefined;
  });
  const user = await expectStatus('key.user', api('POST', '/api/v1/keys', { name: 'fuzz-user', role: 'user', namespace: NS }), 201);
  const other = await expectStatus('key.other', api('POST', '/api/v1/keys', { name: 'fuzz-other', role: 'user', namespace: 'other' }), 201);
  const revocable = await expectStatus('key.revocable', api('POST', '/api/v1/keys', { name: 'fuzz-revocable', role: 'user' }), 201);
  const token = await expectStatus('token', api('POST', '/api/v1/stream-tokens', { ttlSeconds: 3600 }), 201);
  const tokenOther = await expectStatus('token.other', apiClient(apiUrl, other.secret)('POST', '/api/v1/stream-tokens', { ttlSeconds: 3600 }), 201);
  const schedules = await expectStatus('schedule', api('GET', `/api/v1/schedules?namespace=${NS}&name=yearly`), 200);
  const exp = Math.floor(Date.now() / 1000) + 24 * 3600;
  return {
    schedule: schedules.items[0].id,
    'run.done': done.id,
    'run.waiting': waiting.id,
    'run.child': child,
    'run.parent': parent.id,
    'run.approval': approvalRun.id,
    approval,
    'approval.link': signApprovalLink(FUZZ_APPROVAL_SECRET, { approvalId: approval, approver: 'alice', level: 0, exp }),
    'approval.link.bob': signApprovalLink(FUZZ_APPROVAL_SECRET, { approvalId: approval, approver: 'bob', level: 0, exp }),
    'key.admin': FUZZ_API_KEY,
    'key.user': user.secret,
    'key.other': other.secret,
    'key.revocable': revocable.id,
    'key.user.id': user.id,
    token: token.token,
    'token.other': tokenOther.token,
    ns: NS,
    wf: 'hello',
    'wf.version': '1.0.0',
  };
}
