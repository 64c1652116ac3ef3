// `baton approvals list|get`, `baton approve|reject` as a user runs them: the real `baton`
// process against the real orchestrator and workflow runner (PGlite + in-process bus).
import { BatonClient } from '@baton/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../../../packages/sdk/tests/live-server.ts';
import { approvalYaml, uniqueNamespace } from '../../../packages/sdk/tests/workflows.ts';
import { baton } from './baton-process.ts';

let server: LiveServer;
let client: BatonClient;
let env: Record<string, string>;
let ns: string;

beforeAll(async () => {
  server = await startLiveServer({ runner: true });
  env = { BATON_URL: server.url, BATON_API_KEY: server.apiKey };
  client = new BatonClient({ baseUrl: server.url, apiKey: server.apiKey });
  ns = uniqueNamespace('cli-approvals');
  await client.applyWorkflow(approvalYaml(ns));
});
afterAll(async () => {
  await server?.close();
});

/** Starts a run of the review workflow and returns it with its approval's id, once the runner opened it. */
async function runWaitingForApproval(service: string): Promise<{ runId: string; approvalId: string }> {
  const { run } = await client.startRun({ namespace: ns, name: 'review', input: { service } });
  for (let tries = 0; tries < 200; tries++) {
    const [approval] = (await client.listApprovals({ runId: run.id })).items;
    if (approval) return { runId: run.id, approvalId: approval.id };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`run ${run.id} opened no approval`);
}

describe('baton approvals', () => {
  it("lists one run's approvals as a table or JSON, and shows one with its decisions", async () => {
    const { runId, approvalId } = await runWaitingForApproval('billing');
    await runWaitingForApproval('search'); // another run's approval, which --run leaves out

    const table = await baton(['approvals', 'list', '--run', runId], { env });
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    const [header, row, ...rest] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+WORKFLOW\s+TASK\s+APPROVERS\s+CREATED\s+TITLE$/);
    expect(row).toMatch(new RegExp(`^${approvalId}\\s+pending\\s+${ns}/review\\s+review\\s+alice, bob \\(1 of 2\\)\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+Ship billing\\?$`));
    expect(rest).toEqual([]);

    const pending = await baton(['-o', 'json', 'approvals', 'list', '--namespace', ns, '--status', 'pending', '--all'], { env });
    expect(JSON.parse(pending.stdout).map((a: { runId: string }) => a.runId)).toContain(runId);
    expect(JSON.parse(pending.stdout)).toHaveLength(2);

    const shown = await baton(['approvals', 'get', approvalId], { env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`id:        ${approvalId}\n`);
    expect(shown.stdout).toContain('approvers: alice, bob (1 of 2)\n');
    expect(shown.stdout).toContain('decisions: none yet\n');
  });

  it('rejects usage errors with exit 2', async () => {
    const badStatus = await baton(['approvals', 'list', '--status', 'open'], { env });
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toMatch(/^baton: --status must be one of pending, approved, rejected, timed_out, cancelled, got "open"\n\nusage: baton approvals list/);
    expect((await baton(['approvals'], { env })).code).toBe(2);
    expect((await baton(['approve'], { env })).stderr).toMatch(/^baton: missing ID\n\nusage: baton approve ID/);
    const badData = await baton(['approve', 'x', '--data', '[1]'], { env });
    expect(badData.code).toBe(2);
    expect(badData.stderr).toMatch(/^baton: --data must be a JSON object/);
  });
});

describe('baton approve and reject', () => {
  it('approves on behalf of an approver; the run completes; a second decision is a 409 that exits 1', async () => {
    const { runId, approvalId } = await runWaitingForApproval('payments');
    const unnamed = await baton(['approve', approvalId], { env });
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toBe('baton: Bad Request: say on whose behalf you decide: "approver" must be one of alice, bob (HTTP 400)\n');

    const approved = await baton(['approve', approvalId, '--approver', 'alice', '--comment', 'ship it'], { env });
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    expect(approved.stdout).toBe(`approved ${approvalId} as alice; the approval is now approved\n`);
    const run = await waitForEnd(runId);
    expect(run.status).toBe('completed');
    expect(run.output).toMatchObject({ decision: 'approved', by: ['alice'], comments: [{ by: 'alice', comment: 'ship it' }] });

    const again = await baton(['reject', approvalId, '--approver', 'bob'], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^baton: Conflict: .*closed.* \(HTTP 409\)\n$/);
    const shown = await baton(['approvals', 'get', approvalId], { env });
    expect(shown.stdout).toMatch(/^ {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}approve {2}alice {2}"ship it" {2}via api by key:\S+$/m);
  });

  it('rejects with -o json; the run faults; an unknown approval is a one-line 404', async () => {
    const { runId, approvalId } = await runWaitingForApproval('search-v2');
    const rejected = await baton(['reject', approvalId, '--approver', 'bob', '-o', 'json'], { env });
    expect(rejected.code).toBe(0);
    expect(JSON.parse(rejected.stdout)).toMatchObject({ id: approvalId, status: 'rejected', decisions: [{ approver: 'bob', decision: 'reject' }] });
    expect((await waitForEnd(runId)).status).toBe('faulted');

    const unknown = await baton(['approve', 'no-such-run:e1'], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('baton: Not Found: no approval no-such-run:e1 (HTTP 404)\n');
  });
});

async function waitForEnd(runId: string) {
  for await (const event of client.streamEvents(runId, { pollIntervalMs: 50 })) void event;
  return client.getRun(runId);
}
