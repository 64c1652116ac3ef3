// OpenTelemetry traces of runs, collected by a local OTLP receiver: Baton all-in-one (PGlite and
// the in-process bus) with OTEL_EXPORTER_OTLP_ENDPOINT set. One trace per run — the caller's when
// POST /api/v1/runs carries a traceparent —, the run's span, the runner's decisions, a span per
// task in the service that ran it, and the traceparent of the `call: http` request.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { once } from 'node:events';
import { startEmbedded, type EmbeddedBaton } from '@baton/cli/embedded';
import { Queues } from '@baton/core';
import { startFakeOpenAI, startOtlpReceiver, type FakeOpenAI, type OtlpReceiver, type ReceivedSpan } from '@baton/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';

const KEY = 'bt_tracing_test_admin_key';
const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

let receiver: OtlpReceiver;
let fake: FakeOpenAI;
let baton: EmbeddedBaton;
let target: Server;
let targetUrl: string;
const seen: IncomingHttpHeaders[] = [];
let holdNext = false;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  fake = await startFakeOpenAI({ apiKey: 'sk-trace' });
  fake.setReply(() => ({ content: 'ship it' }));
  target = createServer((req, res) => {
    seen.push(req.headers);
    if (holdNext && req.url === '/hold') return; // never answers: the task stays in flight
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  targetUrl = `http://127.0.0.1:${(target.address() as { port: number }).port}`;
  baton = await startEmbedded({
    env: {
      ORCHESTRATOR_PORT: '0',
      ORCHESTRATOR_HOST: '127.0.0.1',
      BATON_API_KEY: KEY,
      LOG_LEVEL: 'silent',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      BATON_TRACE_URL: 'http://jaeger.example:16686/trace/{traceId}',
      HTTP_WORKER_TIMEOUT_MS: '2000',
      OPENAI_API_KEY: 'sk-trace',
      OPENAI_BASE_URL: fake.url,
    },
    store: { kind: 'pglite' },
    bus: { kind: 'memory' },
  });
  const workflow = {
    document: { dsl: '1.0.0', namespace: 'tracing', name: 'pipeline', version: '1.0.0' },
    do: [
      { prepare: { set: { n: '${ .n }' } } },
      { fetch: { call: 'http', with: { method: 'get', endpoint: `${targetUrl}/data` } } },
      { finish: { set: { done: true } } },
    ],
  };
  const held = { document: { dsl: '1.0.0', namespace: 'tracing', name: 'held', version: '1.0.0' }, do: [{ hang: { call: 'http', with: { method: 'get', endpoint: `${targetUrl}/hold` } } }] };
  const people = {
    document: { dsl: '1.0.0', namespace: 'tracing', name: 'people', version: '1.0.0' },
    do: [{ think: { call: 'agent:1.0.0@default', with: { model: 'test-model', prompt: 'Ship?' } } }, { approve: { call: 'approval:1.0.0@default', with: { title: 'Ship?', approvers: ['ada'] } } }],
  };
  for (const doc of [workflow, held, people]) expect((await api('POST', '/api/v1/workflows', doc)).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await baton?.stop();
  target?.closeAllConnections();
  target?.close();
  await receiver?.close();
  await fake?.close();
});

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baton.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const spansOfRun = (runId: string): ReceivedSpan[] => receiver.spans.filter((s) => s.attributes['baton.run.id'] === runId);

it("follows a run in one trace that continues the caller's: run span, decisions, a span per task where it ran, traceparent on the call", async () => {
  const started = await api('POST', '/api/v1/runs', { namespace: 'tracing', name: 'pipeline', input: { n: 1 }, wait: 'PT20S' }, { traceparent: CALLER });
  expect(started.status).toBe(200);
  expect(started.body).toMatchObject({ status: 'completed', trigger: { kind: 'api', traceparent: CALLER } });
  const runId: string = started.body.id;
  const trace = (await api('GET', `/api/v1/runs/${runId}/trace`)).body;
  expect(trace).toMatchObject({ runId, traceId: CALLER_TRACE, parentSpanId: '00f067aa0ba902b7', url: `http://jaeger.example:16686/trace/${CALLER_TRACE}` });

  // The run span comes when the run ends; each service's batch processor exports within 100 ms,
  // each on its own schedule, so the http-worker's task span may arrive after the run's.
  const taskNames = (): string[] => spansOfRun(runId).filter((s) => s.name.startsWith('task ')).map((s) => `${s.name} @${s.service}`).sort();
  await expect.poll(() => spansOfRun(runId).some((s) => s.name === 'run tracing/pipeline'), { timeout: 10_000 }).toBe(true);
  await expect.poll(taskNames, { timeout: 10_000 }).toEqual(['task fetch @http-worker', 'task finish @workflow-runner', 'task prepare @workflow-runner']);
  const spans = spansOfRun(runId);
  expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([CALLER_TRACE]));
  expect(receiver.rejected).toEqual([]);

  const run = spans.find((s) => s.name === 'run tracing/pipeline')!;
  expect(run).toMatchObject({ service: 'workflow-runner', spanId: trace.spanId, parentSpanId: '00f067aa0ba902b7', attributes: { 'baton.run.status': 'completed', 'baton.run.trigger': 'api' } });
  expect(run.endMs).toBeGreaterThanOrEqual(run.startMs);

  const tasks = spans.filter((s) => s.name.startsWith('task '));
  expect(tasks.map((s) => `${s.name} @${s.service}`).sort()).toEqual(['task fetch @http-worker', 'task finish @workflow-runner', 'task prepare @workflow-runner']);
  for (const task of tasks) expect(task.parentSpanId).toBe(run.spanId);
  const fetchSpan = tasks.find((s) => s.name === 'task fetch')!;
  expect(fetchSpan).toMatchObject({ attributes: { 'baton.task.reference': '/do/1/fetch', 'baton.attempt.id': expect.stringContaining(runId), 'baton.task.outcome': 'completed' } });

  const decisions = spans.filter((s) => s.name === 'decide tracing/pipeline');
  expect(decisions.length).toBeGreaterThanOrEqual(2); // the start, and the http result
  for (const decision of decisions) expect(decision.parentSpanId).toBe(run.spanId);
  expect(decisions.flatMap((d) => d.attributes['baton.event.types'] as string[])).toEqual(expect.arrayContaining(['workflow.started', 'task.started', 'workflow.completed']));

  // The call carried the attempt's span: the target can continue the trace.
  const call = seen.find((h) => h['idempotency-key'] === fetchSpan.attributes['baton.attempt.id'])!;
  expect(call.traceparent).toBe(`00-${CALLER_TRACE}-${fetchSpan.spanId}-01`);
});

it('derives the trace of a run started without a traceparent from its id, and keeps it in the task message', async () => {
  holdNext = true;
  const started = await api('POST', '/api/v1/runs', { namespace: 'tracing', name: 'held', input: {} });
  expect(started.status).toBe(201);
  const runId: string = started.body.id;
  const trace = (await api('GET', `/api/v1/runs/${runId}/trace`)).body;
  expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(trace.traceId).not.toBe(CALLER_TRACE);
  expect(trace.parentSpanId).toBeUndefined();
  // The task message a worker holds names the run's span: a redelivery after a crash, or a
  // re-dispatch by the sweeper (stamped again from the run id), continues the same trace.
  await expect.poll(async () => (await baton.bus.inspect(Queues.tasks('http'))).consumers.flatMap((c) => c.held).find((m) => (m.body as { runId?: string }).runId === runId)?.body, { timeout: 10_000 }).toMatchObject({ traceparent: trace.traceparent });
  await expect.poll(() => seen.filter((h) => String(h.traceparent ?? "").startsWith(`00-${trace.traceId}-`)).length, { timeout: 10_000 }).toBe(1);
  // Its decisions are already in that trace, under the run span that will close when it ends.
  await expect.poll(() => spansOfRun(runId).filter((s) => s.name === 'decide tracing/held').map((s) => [s.traceId, s.parentSpanId]), { timeout: 10_000 }).toEqual([[trace.traceId, trace.spanId]]);
  expect((await api('POST', `/api/v1/runs/${runId}/cancel`, {})).status).toBe(202);
  await expect.poll(() => spansOfRun(runId).find((s) => s.name === 'run tracing/held')?.attributes['baton.run.status'], { timeout: 10_000 }).toBe('cancelled');
});

it('ignores a traceparent that is not one', async () => {
  const started = await api('POST', '/api/v1/runs', { namespace: 'tracing', name: 'pipeline', input: { n: 2 } }, { traceparent: 'not-a-trace' });
  expect(started.status).toBe(201);
  expect(started.body.trigger).toEqual({ kind: 'api' });
});

it('records the agent step in the agent-runner and the approval notice in the hitl-worker, in the run\'s trace', async () => {
  const started = await api('POST', '/api/v1/runs', { namespace: 'tracing', name: 'people', input: {} });
  expect(started.status).toBe(201);
  const runId: string = started.body.id;
  const trace = (await api('GET', `/api/v1/runs/${runId}/trace`)).body;
  await expect.poll(() => spansOfRun(runId).filter((s) => s.name.startsWith('task ')).map((s) => `${s.name} @${s.service}`).sort(), { timeout: 15_000 }).toEqual(['task approve @hitl-worker', 'task think @agent-runner']);
  for (const span of spansOfRun(runId)) expect([span.traceId, span.parentSpanId]).toEqual([trace.traceId, trace.spanId]);
  expect((await api('POST', `/api/v1/runs/${runId}/cancel`, {})).status).toBe(202);
});
