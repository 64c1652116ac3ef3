// `baton schedules …` as a user runs it: the real `baton` process against the real orchestrator
// and workflow runner (PGlite + in-process bus) listening on 127.0.0.1.
import { BatonClient } from '@baton/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../../../packages/sdk/tests/live-server.ts';
import { uniqueNamespace } from '../../../packages/sdk/tests/workflows.ts';
import { baton } from './baton-process.ts';

let server: LiveServer;
let env: Record<string, string>;
let ns: string;
let client: BatonClient;

beforeAll(async () => {
  server = await startLiveServer({ runner: true });
  env = { BATON_URL: server.url, BATON_API_KEY: server.apiKey };
  ns = uniqueNamespace('sched');
  client = new BatonClient({ baseUrl: server.url, apiKey: server.apiKey });
  await client.applyWorkflow(`document:\n  dsl: '1.0.0'\n  namespace: ${ns}\n  name: nightly\n  version: '1.0.0'\n  metadata:\n    baton:\n      schedule:\n        timezone: Europe/Paris\nschedule:\n  cron: '0 3 * * *'\ndo:\n  - note:\n      set:\n        ok: true\n`);
});
afterAll(async () => {
  await server?.close();
});

describe('baton schedules', () => {
  it('lists, shows, pauses, triggers, resumes and lists the runs of a schedule', async () => {
    const list = await baton(['schedules', 'list', '--namespace', ns], { env });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+WORKFLOW\s+WHEN\s+STATE\s+NEXT TICK\s+LAST RUN\s+RUNS\s+SKIPPED$/m);
    expect(list.stdout).toContain(`${ns}/nightly@1.0.0`);
    expect(list.stdout).toContain('cron 0 3 * * * (Europe/Paris)');
    const id = (await client.listSchedules({ namespace: ns })).items[0]!.id;

    const get = await baton(['schedules', 'get', id], { env });
    expect(get.stdout).toContain(`schedule   ${id}`);
    expect(get.stdout).toContain('state      active');
    expect(get.stdout).toMatch(/^next ticks \d{4}-\d\d-\d\dT0[12]:00:00\.000Z/m);

    const paused = await baton(['schedules', 'pause', id], { env });
    expect(paused).toMatchObject({ code: 0, stdout: `schedule ${id} paused\n` });
    expect((await client.getSchedule(id)).state).toBe('paused');

    const triggered = await baton(['schedules', 'trigger', id], { env });
    expect(triggered.code).toBe(0);
    const runId = /^started run (\S+)$/m.exec(triggered.stdout)?.[1];
    expect(runId).toBeDefined();
    expect((await client.getRun(runId!)).trigger).toMatchObject({ kind: 'schedule', scheduleId: id, manual: true });

    const runs = await baton(['schedules', 'runs', id, '-o', 'json'], { env });
    expect(JSON.parse(runs.stdout).items.map((r: { id: string }) => r.id)).toEqual([runId]);

    const resumed = await baton(['schedules', 'resume', id, '-o', 'json'], { env });
    expect(JSON.parse(resumed.stdout)).toMatchObject({ id, state: 'active' });
  });

  it('says what is wrong: an unknown schedule exits 1, a bad sub-command 2', async () => {
    const missing = await baton(['schedules', 'get', '00000000-0000-7000-8000-000000000000'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no schedule 00000000-0000-7000-8000-000000000000');
    const bad = await baton(['schedules', 'delete', 'x'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown sub-command "delete": use list, get, pause, resume, trigger or runs');
  });
});
