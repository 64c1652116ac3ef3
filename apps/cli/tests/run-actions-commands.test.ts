// `baton rerun`, `baton suspend` and `baton resume` as a user runs them: the real `baton` process
// against the real orchestrator and workflow runner (PGlite + in-process bus) on 127.0.0.1.
import { BatonClient, type Run } from '@baton/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../../../packages/sdk/tests/live-server.ts';
import { helloYaml, sleepyYaml, uniqueNamespace } from '../../../packages/sdk/tests/workflows.ts';
import { baton } from './baton-process.ts';

let server: LiveServer;
let env: Record<string, string>;
let client: BatonClient;
let ns: string;

beforeAll(async () => {
  server = await startLiveServer({ runner: true });
  env = { BATON_URL: server.url, BATON_API_KEY: server.apiKey };
  client = new BatonClient({ baseUrl: server.url, apiKey: server.apiKey });
  ns = uniqueNamespace('ops');
  for (const document of [helloYaml(ns), helloYaml(ns, '1.1.0', 'hi'), sleepyYaml(ns)]) await client.applyWorkflow(document);
});
afterAll(async () => {
  await server?.close();
});

async function until(id: string, status: string): Promise<Run> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const run = await client.getRun(id);
    if (run.status === status) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} is ${run.status}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('baton rerun', () => {
  it('starts the same version with the same input, another input, or the latest version', async () => {
    const { run: original } = await client.startRun({ namespace: ns, name: 'hello', version: '1.0.0', input: { name: 'ada' }, wait: 'PT10S' });
    const same = await baton(['rerun', original.id], { env });
    expect(same.code).toBe(0);
    const id = same.stdout.match(/^started run (\S+) {2}(\S+) {2}\w+ {2}\(rerun of (\S+)\)\n$/);
    expect(id?.slice(2)).toEqual([`${ns}/hello@1.0.0`, original.id]);
    expect((await until(id![1]!, 'completed')).output).toEqual({ greeting: 'hello ada' });
    const got = await baton(['runs', 'get', id![1]!], { env });
    expect(got.stdout).toMatch(new RegExp(`^rerun of: +${original.id}$`, 'm'));

    const other = await baton(['-o', 'json', 'rerun', original.id, '--input', '{"name":"bob"}', '--latest'], { env });
    const rerun = JSON.parse(other.stdout) as Run;
    expect(rerun).toMatchObject({ version: '1.1.0', rerunOf: original.id, input: { name: 'bob' } });
    expect((await until(rerun.id, 'completed')).output).toEqual({ greeting: 'hi bob' });

    const bad = await baton(['rerun', original.id, '--input', '{oops'], { env });
    expect(bad.code).toBe(2);
    const missing = await baton(['rerun', '01a21cb5-0000-7000-8000-000000000000'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no run 01a21cb5-0000-7000-8000-000000000000.*\(HTTP 404\)/);
  });
});

describe('baton suspend / resume', () => {
  it('suspends a waiting run, resumes it, and refuses a finished one', async () => {
    const { run } = await client.startRun({ namespace: ns, name: 'sleepy' });
    await until(run.id, 'waiting');
    const suspended = await baton(['suspend', run.id, '--reason', 'maintenance'], { env });
    expect(suspended.code).toBe(0);
    expect(suspended.stdout).toBe(`suspend requested for run ${run.id} (status was waiting)\n`);
    await until(run.id, 'suspended');
    expect((await baton(['runs', 'get', run.id], { env })).stdout).toMatch(/^status: +suspended$/m);
    const resumed = await baton(['resume', run.id], { env });
    expect(resumed.stdout).toBe(`resume requested for run ${run.id} (status was suspended)\n`);
    await until(run.id, 'waiting');
    const events = (await client.listEvents(run.id)).items.map((e) => e.type);
    expect(events.filter((t) => t.endsWith('.suspended.v1') || t.endsWith('.resumed.v1'))).toEqual(['io.serverlessworkflow.workflow.suspended.v1', 'io.serverlessworkflow.workflow.resumed.v1']);

    await client.cancelRun(run.id);
    await until(run.id, 'cancelled');
    const refused = await baton(['suspend', run.id], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^baton: Conflict: run .* has already finished \(status cancelled\); there is nothing to suspend.*\(HTTP 409\)$/m);
    expect((await baton(['resume', '--help'], { env })).stdout).toContain('usage: baton resume ID');
  });
});
