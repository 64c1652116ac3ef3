// `baton reset` as a user runs it: the real `baton` process against the real orchestrator and
// workflow runner (PGlite + in-process bus) on 127.0.0.1.
import { BatonClient, type Run } from '@baton/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../../../packages/sdk/tests/live-server.ts';
import { uniqueNamespace } from '../../../packages/sdk/tests/workflows.ts';
import { baton } from './baton-process.ts';

let server: LiveServer;
let env: Record<string, string>;
let client: BatonClient;
let ns: string;

/** A one-second wait, then an error: a reset from the error replays the elapsed wait at once. */
const pauseThenFail = (namespace: string) => `document:
  dsl: '1.0.0'
  namespace: ${namespace}
  name: pause-fail
  version: '1.0.0'
do:
  - pause:
      wait: PT1S
  - boom:
      raise:
        error:
          type: https://example.com/errors/boom
          status: 500
`;

beforeAll(async () => {
  server = await startLiveServer({ runner: true });
  env = { BATON_URL: server.url, BATON_API_KEY: server.apiKey };
  client = new BatonClient({ baseUrl: server.url, apiKey: server.apiKey });
  ns = uniqueNamespace('reset');
  await client.applyWorkflow(pauseThenFail(ns));
});
afterAll(async () => {
  await server?.close();
});

async function finished(id: string): Promise<Run> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const run = await client.getRun(id);
    if (['completed', 'faulted', 'cancelled'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} is ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('baton reset', () => {
  it('resets a faulted run from the failed task (the elapsed wait replays) or a pointer, and refuses what it cannot', async () => {
    const { run: original } = await client.startRun({ namespace: ns, name: 'pause-fail', input: { n: 1 }, wait: 'PT10S' });
    expect(original.status).toBe('faulted');
    const reset = await baton(['reset', original.id, '--from', 'failed'], { env });
    expect(reset.code).toBe(0);
    const id = reset.stdout.match(/^started run (\S+) {2}(\S+) {2}\w+ {2}\(reset of (\S+) from (\S+)\)\n$/);
    expect(id?.slice(2)).toEqual([`${ns}/pause-fail@1.0.0`, original.id, '/do/1/boom']);
    const run = await finished(id![1]!);
    expect(run.status).toBe('faulted'); // the raise runs again
    expect(Date.parse(run.endedAt!) - Date.parse(run.startedAt!)).toBeLessThan(1_000); // the wait did not
    const pause = (await client.listEvents(run.id)).items.find((e) => e.type === 'io.serverlessworkflow.task.completed.v1' && (e.data as { task: string }).task === '/do/0/pause');
    expect((pause?.data as { replayedFrom?: unknown }).replayedFrom).toEqual({ runId: original.id });
    expect((await baton(['runs', 'get', run.id], { env })).stdout).toMatch(new RegExp(`^reset of: +${original.id} from /do/1/boom$`, 'm'));

    const json = await baton(['-o', 'json', 'reset', original.id, '--from', '/do/0/pause', '--idempotency-key', 'k1'], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({ resetOf: { runId: original.id, from: '/do/0/pause' }, trigger: { kind: 'reset' } });
    const again = await baton(['reset', original.id, '--from', '/do/0/pause', '--idempotency-key', 'k1'], { env });
    expect(again.stdout).toMatch(/^existing run /);

    const nowhere = await baton(['reset', original.id, '--from', '/do/7/none'], { env });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/"\/do\/7\/none" is not the pointer of a task.*\(HTTP 422\)/);
    const noFrom = await baton(['reset', original.id], { env });
    expect(noFrom.code).toBe(2);
    expect(noFrom.stderr).toContain('--from is required');
    expect((await baton(['reset', '--help'], { env })).stdout).toContain('usage: baton reset ID --from POINTER|failed');
  }, 120_000);
});
