// Runs that advance: the orchestrator with the workflow runner (engine) on PGlite and the
// in-process bus. Covers `wait` until the outcome, following events with resume, and cancel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatonClient, TERMINAL_EVENT_TYPES, type RunEvent } from '../src/index.ts';
import { startLiveServer, type LiveServer } from './live-server.ts';
import { approvalYaml, failingDocument, helloYaml, sleepyYaml, uniqueNamespace } from './workflows.ts';

let server: LiveServer;
let client: BatonClient;
let ns: string;

beforeAll(async () => {
  server = await startLiveServer({ runner: true });
  client = new BatonClient({ baseUrl: server.url, apiKey: server.apiKey });
  ns = uniqueNamespace('life');
  await client.applyWorkflow(helloYaml(ns));
  await client.applyWorkflow(failingDocument(ns));
  await client.applyWorkflow(sleepyYaml(ns));
  await client.applyWorkflow(approvalYaml(ns));
});
afterAll(async () => {
  await server?.close();
});

async function collect(events: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const all: RunEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

describe('runs that advance', () => {
  it('waits for a run to complete and returns its output (200)', async () => {
    const { run, httpStatus } = await client.startRun({ namespace: ns, name: 'hello', input: { name: 'ada' }, wait: 'PT20S' });
    expect(httpStatus).toBe(200);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ greeting: 'hello ada' });
  });

  it('waits for a run to fault and returns its error', async () => {
    const { run, httpStatus } = await client.startRun({ namespace: ns, name: 'broken', wait: 'PT20S' });
    expect(httpStatus).toBe(200);
    expect(run.status).toBe('faulted');
    expect(run.error).toMatchObject({ type: 'https://example.com/errors/boom', status: 500 });
  });

  it('streams a finished run from the start, in seq order, ending with its terminal event', async () => {
    const { run } = await client.startRun({ namespace: ns, name: 'hello', input: { name: 'bo' }, wait: 'PT20S' });
    const events = await collect(client.streamEvents(run.id, { pollIntervalMs: 50 }));
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.every((e) => e.runid === run.id && e.specversion === '1.0')).toBe(true);
    expect(events[0]!.type).toBe('io.serverlessworkflow.workflow.started.v1');
    expect(events.at(-1)!.type).toBe('io.serverlessworkflow.workflow.completed.v1');

    // Resuming from any seq gives exactly the rest.
    const middle = Math.floor(events.length / 2);
    const rest = await collect(client.streamEvents(run.id, { after: middle, pollIntervalMs: 50 }));
    expect(rest.map((e) => e.seq)).toEqual(events.slice(middle).map((e) => e.seq));
  });

  it('follows a running run until it is cancelled', async () => {
    const { run } = await client.startRun({ namespace: ns, name: 'sleepy', wait: 'PT0.5S' });
    expect(run.status).not.toBe('completed');
    const following = collect(client.streamEvents(run.id, { pollIntervalMs: 50 }));
    await client.cancelRun(run.id, { reason: 'test' });
    const events = await following;
    expect(TERMINAL_EVENT_TYPES.has(events.at(-1)!.type)).toBe(true);
    expect(events.at(-1)!.type).toBe('io.serverlessworkflow.workflow.cancelled.v1');
    expect((await client.getRun(run.id)).status).toBe('cancelled');
  });
});

describe('approvals', () => {
  it("lists a run's approval, reads it, refuses a decision without approver, and decides it", async () => {
    const { run } = await client.startRun({ namespace: ns, name: 'review', input: { service: 'billing' } });
    let approvals = (await client.listApprovals({ runId: run.id })).items;
    for (let tries = 0; approvals.length === 0 && tries < 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      approvals = (await client.listApprovals({ runId: run.id, status: 'pending' })).items;
    }
    expect(approvals).toEqual([expect.objectContaining({ runId: run.id, title: 'Ship billing?', status: 'pending', approvers: ['alice', 'bob'], decisions: [] })]);
    const id = approvals[0]!.id;
    expect((await client.getApproval(id)).audit).toEqual([]); // notices come from the hitl-worker, not running here
    const refused = await client.decideApproval(id, { decision: 'approve' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400, detail: expect.stringContaining('alice, bob') });
    const decided = await client.decideApproval(id, { decision: 'reject', approver: 'bob', comment: 'not today' });
    expect(decided).toMatchObject({ status: 'rejected', decisions: [expect.objectContaining({ approver: 'bob', decision: 'reject', comment: 'not today', via: 'api' })] });
    // A rejection fails the run (onReject: fail, the default).
    const events = await collect(client.streamEvents(run.id, { pollIntervalMs: 50 }));
    expect(events.at(-1)!.type).toBe('io.serverlessworkflow.workflow.faulted.v1');
    const audit = (await client.getApproval(id)).audit;
    expect(audit).toEqual([expect.objectContaining({ type: 'dev.baton.approval.decided.v1', seq: expect.any(Number), time: expect.any(String) })]);
  });
});
