// The API commands as a user runs them: the real `baton` process against the real orchestrator
// and workflow runner (PGlite + in-process bus) listening on 127.0.0.1.
import { mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BatonClient } from '@baton/sdk';
import { scratchDir } from '@baton/testkit/scratch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../../../packages/sdk/tests/live-server.ts';
import { failingDocument, helloYaml, sleepyYaml, uniqueNamespace } from '../../../packages/sdk/tests/workflows.ts';
import { baton } from './baton-process.ts';

let server: LiveServer;
let env: Record<string, string>;
let ns: string;

beforeAll(async () => {
  // A short server-side wait limit, so that `run --wait` must repeat its wait (same run) to wait longer.
  server = await startLiveServer({ runner: true, maxWaitMs: 500 });
  env = { BATON_URL: server.url, BATON_API_KEY: server.apiKey };
  ns = uniqueNamespace('cli');
  // The run/runs/events tests use these; `baton apply` is tested in a namespace of its own.
  const client = new BatonClient({ baseUrl: server.url, apiKey: server.apiKey });
  for (const document of [helloYaml(ns), failingDocument(ns), sleepyYaml(ns)]) await client.applyWorkflow(document);
});
afterAll(async () => {
  await server?.close();
});

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

const RUN_ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe('baton apply', () => {
  it('registers a directory, reports invalid files with their problems, exits 1 on any failure', async () => {
    const ns = uniqueNamespace('apply');
    const dir = scratchDir('baton-apply-');
    writeFileSync(join(dir, 'hello.yaml'), helloYaml(ns));
    writeFileSync(join(dir, 'broken.json'), JSON.stringify(failingDocument(ns)));
    writeFileSync(join(dir, 'sleepy.yml'), sleepyYaml(ns));
    writeFileSync(join(dir, 'invalid.yaml'), `document:\n  dsl: '1.0.0'\n  namespace: ${ns}\n  name: bad\n  version: '1.0.0'\ndo:\n  - step:\n      teleport: {}\n`);
    writeFileSync(join(dir, 'notes.txt'), 'not a workflow');
    const first = await baton(['apply', '-f', dir], { env });
    expect(first.code).toBe(1);
    expect(first.stdout).toContain(`created   ${ns}/broken@1.0.0  (${join(dir, 'broken.json')})`);
    expect(first.stdout).toContain(`created   ${ns}/hello@1.0.0`);
    expect(first.stdout).toContain(`created   ${ns}/sleepy@1.0.0`);
    expect(first.stderr).toMatch(new RegExp(`^failed    ${join(dir, 'invalid.yaml')}: Unprocessable Content: .* \\(HTTP 422\\)$`, 'm'));
    expect(first.stderr).toMatch(/^ {4}\/do\/0\/step \(line 7:5\): task 'step' has no task type.*\(it has: teleport\)$/m);
    expect(first.stdout).not.toContain('notes.txt');

    const again = await baton(['apply', '-f', join(dir, 'hello.yaml'), '-o', 'json'], { env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual([expect.objectContaining({ outcome: 'unchanged', workflow: expect.objectContaining({ name: 'hello', version: '1.0.0' }) })]);
  });

  it('reads a document from stdin, and shows where malformed YAML breaks', async () => {
    const other = uniqueNamespace('stdin');
    const fromStdin = await baton(['apply', '-f', '-'], { env, stdin: helloYaml(other, '2.0.0') });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toBe(`created   ${other}/hello@2.0.0  (-)\n`);
    const malformed = await baton(['apply', '-f', '-'], { env, stdin: 'document:\n  name: [unclosed\n' });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/^failed {4}-: Bad Request: the request body is not valid YAML.*\(HTTP 400\)$/m);
    expect(malformed.stderr).toMatch(/^ {4}\(root\) \(line \d+:\d+\): .+$/m);
  });

  it('exits 2 without a file', async () => {
    const result = await baton(['apply'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('baton: no file given');
  });
});

describe('baton run', () => {
  it('starts a run and prints its id and status', async () => {
    const result = await baton(['run', `${ns}/hello`, '--input', '{"name":"ada"}'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^started run ${RUN_ID.source}  ${ns}/hello@1\\.0\\.0  (pending|running|completed)\\n$`));
  });

  it('--wait prints the completed run with its output and exits 0', async () => {
    const inputFile = join(scratchDir('baton-input-'), 'in.json');
    writeFileSync(inputFile, '{"name":"bo"}');
    const result = await baton(['run', `${ns}/hello@1.0.0`, '--input-file', inputFile, '--wait', '30s'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^status: +completed$/m);
    expect(result.stdout).toContain('"greeting": "hello bo"');
  });

  it('--wait exits 1 for a faulted run and shows its error', async () => {
    const result = await baton(['run', `${ns}/broken`, '--wait', '-o', 'json'], { env });
    expect(result.code).toBe(1);
    const run = JSON.parse(result.stdout);
    expect(run.status).toBe('faulted');
    expect(run.error).toMatchObject({ type: 'https://example.com/errors/boom' });
  });

  it('--wait exits 3 when the run is still running; cancel and events --follow then see it end', async () => {
    const began = Date.now();
    const waited = await baton(['run', `${ns}/sleepy`, '--wait', '2s'], { env });
    expect(waited.code).toBe(3);
    // The server answers after 500 ms at most; the command waited its 2 s on the same run.
    expect(Date.now() - began).toBeGreaterThanOrEqual(2000);
    const id = RUN_ID.exec(waited.stdout)?.[0];
    expect(id).toBeDefined();
    expect(waited.stderr).toMatch(new RegExp(`^baton: run ${id} has not finished after 2\\.0s \\(status (running|waiting)\\); follow it with: baton events ${id} --follow\n$`));
    const sleepyRuns = await baton(['runs', 'list', '--namespace', ns, '--name', 'sleepy', '-o', 'json'], { env });
    expect(JSON.parse(sleepyRuns.stdout).items.map((r: { id: string }) => r.id)).toEqual([id]);

    const follow = baton(['events', id!, '--follow'], { env });
    const cancel = await baton(['cancel', id!, '--reason', 'not needed any more'], { env });
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toBe(`cancellation requested for run ${id} (status was ${cancel.stdout.match(/status was (\w+)/)?.[1]})\n`);
    const events = await follow;
    expect(events.code).toBe(0);
    const lines = events.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ {3}1 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} {2}workflow\.started/);
    expect(lines.at(-1)).toMatch(/workflow\.cancelled +reason: not needed any more$/);
    // The run does not keep the reason; `runs get` finds it in the log.
    const got = await baton(['runs', 'get', id!], { env });
    expect(got.stdout).toMatch(/^status: +cancelled\ncancel reason: +not needed any more\n/m);

    const again = await baton(['cancel', id!], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^baton: Conflict: run .* has already finished \(status cancelled\).*\(HTTP 409\)$/m);
  });

  it('--follow prints the events as they happen, then the finished run', async () => {
    const [result, faulted] = await Promise.all([baton(['run', `${ns}/hello`, '--input', '{"name":"di"}', '--follow'], { env }), baton(['run', `${ns}/broken`, '--follow', '-o', 'json'], { env })]);
    expect(result.code).toBe(0);
    const [head, ...lines] = result.stdout.split('\n');
    expect(head).toMatch(new RegExp(`^run ${RUN_ID.source}  ${ns}/hello@1\\.0\\.0$`));
    expect(lines[0]).toMatch(/^ {3}1 {2}.* {2}workflow\.started/);
    expect(result.stdout).toMatch(/workflow\.completed.*\n\nid: /);
    expect(result.stdout).toMatch(/^status: +completed$/m);
    expect(result.stdout).toContain('"greeting": "hello di"');

    expect(faulted.code).toBe(1);
    const records = faulted.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { type?: string; status?: string });
    expect(records.at(-2)?.type).toBe('io.serverlessworkflow.workflow.faulted.v1');
    expect(records.at(-1)?.status).toBe('faulted');
  });

  it('an unknown workflow says how to register it with the CLI', async () => {
    const result = await baton(['run', `${ns}/nope`], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`baton: Not Found: no workflow ${ns}/nope; register it with \`baton apply -f FILE\` (or POST /api/v1/workflows) (HTTP 404)\n`);
  });

  it('rejects bad usage with exit 2', async () => {
    // Independent commands: run side by side.
    const [both, noNamespace, badJson] = await Promise.all([
      baton(['run', `${ns}/hello`, '--wait', '5s', '--follow'], { env }),
      baton(['run', 'hello'], { env }),
      baton(['run', `${ns}/hello`, '--input', '{nope'], { env }),
    ]);
    expect(both.code).toBe(2);
    expect(noNamespace.code).toBe(2);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('--input: not valid JSON');
  });
});

describe('baton runs and events', () => {
  let runId: string;
  beforeAll(async () => {
    const started = await baton(['run', `${ns}/hello`, '--input', '{"name":"cy"}', '--wait', '30s', '-o', 'json'], { env });
    runId = JSON.parse(started.stdout).id;
  });

  it('runs get shows one run', async () => {
    const result = await baton(['runs', 'get', runId], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`id:              ${runId}\n`);
    expect(result.stdout).toContain(`workflow:        ${ns}/hello@1.0.0\n`);
    expect(result.stdout).toContain('"greeting": "hello cy"');
    expect(result.stdout).toContain('input:\n  {\n    "name": "cy"\n  }\noutput:\n');
  });

  it('runs list prints a table, says when there are more, and --all -o json lists every run', async () => {
    const [table, all] = await Promise.all([
      baton(['runs', 'list', '--namespace', ns, '--name', 'hello', '--limit', '1'], { env }),
      baton(['runs', 'list', '--namespace', ns, '--name', 'hello', '--status', 'completed', '--all', '-o', 'json'], { env }),
    ]);
    expect(table.code).toBe(0);
    const [header, row, ...rest] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+WORKFLOW\s+STATUS\s+CREATED\s+DURATION$/);
    expect(row).toMatch(new RegExp(`^${RUN_ID.source}\\s+${ns}/hello@1\\.0\\.0\\s+\\w+\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+\\S+$`));
    expect(rest).toEqual([]);
    expect(table.stderr).toMatch(/^more runs: add --all, or --cursor \S+$/m);

    const runs = JSON.parse(all.stdout) as { id: string; status: string }[];
    expect(runs.map((r) => r.id)).toContain(runId);
    expect(runs.every((r) => r.status === 'completed')).toBe(true);
  });

  it('events prints one line per event, and resumes after a seq', async () => {
    const [all, after] = await Promise.all([baton(['events', runId], { env }), baton(['events', runId, '--after', '1', '-o', 'json'], { env })]);
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    lines.forEach((line, i) => expect(line).toMatch(new RegExp(`^ *${i + 1}  \\d{4}-\\d\\d-\\d\\d `)));
    expect(lines.at(-1)).toMatch(/workflow\.completed/);
    const events = after.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; runid: string });
    expect(events.map((e) => e.seq)).toEqual(lines.slice(1).map((_, i) => i + 2));
    expect(events.every((e) => e.runid === runId)).toBe(true);
  });

  it('an unknown run is a one-line 404', async () => {
    const result = await baton(['runs', 'get', '01a21cb5-0000-7000-8000-000000000000'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('baton: Not Found: no run 01a21cb5-0000-7000-8000-000000000000 (HTTP 404)\n');
  });
});

describe('baton events send', () => {
  /** A workflow in the test's namespace whose run waits for one event of `type`, and ends with what it read. */
  async function listener(name: string, type: string, read: 'data' | 'envelope'): Promise<void> {
    const document = `document:\n  dsl: '1.0.0'\n  namespace: ${ns}\n  name: ${name}\n  version: '1.0.0'\ndo:\n  - await:\n      listen:\n        to:\n          one:\n            with:\n              type: ${type}\n        read: ${read}\n`;
    await new BatonClient({ baseUrl: server.url, apiKey: server.apiKey }).applyWorkflow(document);
  }

  /** Starts a run with `baton run` and returns once it waits in its listen (its listen is stored by then). */
  async function waitingRun(name: string): Promise<string> {
    const started = await baton(['run', `${ns}/${name}`, '-o', 'json'], { env });
    expect(started.code).toBe(0);
    const id = (JSON.parse(started.stdout) as { id: string }).id;
    await runReaching(id, 'waiting');
    return id;
  }

  async function runReaching(id: string, status: string): Promise<{ status: string; output?: unknown }> {
    const client = new BatonClient({ baseUrl: server.url, apiKey: server.apiKey });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const run = await client.getRun(id);
      if (run.status === status || Date.now() > deadline) return run;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('delivers an event to the run listening for it, which ends with the event as sent', async () => {
    const type = `com.example.${ns}.order.paid`;
    await listener('paid', type, 'envelope');
    const runId = await waitingRun('paid');
    const before = Date.now();
    const sent = await baton(['events', 'send', '--type', type, '--source', 'https://shop.example/orders', '--subject', 'order-42', '--data', '{"orderId": 42}'], { env });
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const match = new RegExp(`^sent event (${RUN_ID.source}) \\(${type.replaceAll('.', '\\.')}\\): delivered to 1 waiting listen\n$`).exec(sent.stdout);
    expect(match, sent.stdout).not.toBeNull();

    const run = await runReaching(runId, 'completed');
    expect(run.status).toBe('completed');
    const [event, ...more] = run.output as Array<Record<string, unknown>>;
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      specversion: '1.0',
      id: match![1],
      type,
      source: 'https://shop.example/orders',
      subject: 'order-42',
      datacontenttype: 'application/json',
      data: { orderId: 42 },
    });
    const time = Date.parse(String(event!.time));
    expect(time).toBeGreaterThanOrEqual(before - 1000);
    expect(time).toBeLessThanOrEqual(Date.now());
  });

  it('-o json prints the API\'s answer; --data - reads the data from stdin; --id is kept', async () => {
    const type = `com.example.${ns}.shipped`;
    await listener('shipped', type, 'data');
    const runs = [await waitingRun('shipped'), await waitingRun('shipped')];
    const sent = await baton(['-o', 'json', 'events', 'send', '--type', type, '--source', 'tests', '--id', 'evt-shipped-1', '--data', '-'], { env, stdin: '{"parcel": [1, 2]}\n' });
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toEqual({ matched: 2, runs: [] });
    for (const id of runs) expect(await runReaching(id, 'completed')).toMatchObject({ status: 'completed', output: [{ parcel: [1, 2] }] });
  });

  it('sends data of a non-JSON --content-type as text, from --data-file', async () => {
    const type = `com.example.${ns}.note`;
    await listener('note', type, 'envelope');
    const runId = await waitingRun('note');
    const file = join(scratchDir('baton-event-'), 'note.txt');
    writeFileSync(file, 'not {json}');
    const sent = await baton(['events', 'send', '--type', type, '--source', 'tests', '--id', 'note-1', '--content-type', 'text/plain', '--data-file', file], { env });
    expect(sent.stdout).toBe(`sent event note-1 (${type}): delivered to 1 waiting listen\n`);
    const run = await runReaching(runId, 'completed');
    expect(run.output).toEqual([expect.objectContaining({ id: 'note-1', datacontenttype: 'text/plain', data: 'not {json}' })]);
  });

  it('says so when no run waits for the event, with the global options before the command', async () => {
    const noEnv = { BATON_URL: undefined, BATON_API_KEY: undefined };
    const sent = await baton(['--url', server.url, '--api-key', server.apiKey, 'events', 'send', '--type', `com.example.${ns}.nobody`, '--source', 'tests', '--id', 'lonely'], { env: noEnv });
    expect(sent.code).toBe(0);
    expect(sent.stdout).toBe(`sent event lonely (com.example.${ns}.nobody): no run was waiting for it (it is not kept for later listens)\n`);
  });

  it('exits 2 on bad usage, naming the problem, and 1 when the API refuses the event', async () => {
    // Independent commands: run side by side.
    const [missingType, missingSource, badData, badStdin, both, readOption, refused] = await Promise.all([
      baton(['events', 'send', '--source', 'tests'], { env }),
      baton(['events', 'send', '--type', 'com.example.x'], { env }),
      baton(['events', 'send', '--type', 'com.example.x', '--source', 'tests', '--data', '{nope'], { env }),
      baton(['events', 'send', '--type', 'com.example.x', '--source', 'tests', '--data', '-'], { env, stdin: 'plain text' }),
      baton(['events', 'send', '--type', 'com.example.x', '--source', 'tests', '--data', '{}', '--data-file', 'x.json'], { env }),
      baton(['events', 'send', '--type', 'com.example.x', '--source', 'tests', '--follow'], { env }),
      baton(['events', 'send', '--type', 'com.example.x', '--source', 'tests'], { env: { BATON_URL: server.url } }),
    ]);
    expect(missingType.code).toBe(2);
    expect(missingType.stderr).toMatch(/^baton: missing --type \(the event type, e\.g\. com\.example\.order\.paid\)\n\nusage: baton events send /);
    expect(missingSource.code).toBe(2);
    expect(missingSource.stderr).toMatch(/^baton: missing --source /);
    expect(badData.code).toBe(2);
    expect(badData.stderr).toMatch(/^baton: --data: not valid JSON \(.+\)\n\nusage: baton events send /);
    expect(badStdin.code).toBe(2);
    expect(badStdin.stderr).toMatch(/^baton: the data on stdin: not valid JSON/);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^baton: give --data or --data-file, not both\n/);
    expect(readOption.code).toBe(2);
    expect(readOption.stderr).toMatch(/^baton: Unknown option '--follow'/);

    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^baton: Unauthorized: .*\(HTTP 401\)\n/);
  });
});

describe('baton keys', () => {
  it('creates, lists and revokes a key', async () => {
    const created = await baton(['keys', 'create', 'ci-bot', '--namespace', ns, '-o', 'json'], { env });
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; secret: string; role: string };
    expect(key.role).toBe('user');

    // The new key works through --api-key (overriding the environment) within its namespace.
    const [scoped, listed] = await Promise.all([baton(['runs', 'list', '--namespace', ns, '--api-key', key.secret], { env }), baton(['keys', 'list'], { env })]);
    expect(scoped.code).toBe(0);

    expect(listed.stdout).toMatch(new RegExp(`^${key.id}\\s+ci-bot\\s+user\\s+${ns}\\s+\\S+…\\s+.*active$`, 'm'));
    const revoked = await baton(['keys', 'revoke', key.id], { env });
    expect(revoked.stdout).toBe(`revoked key ${key.id}\n`);
    const refused = await baton(['runs', 'list', '--api-key', key.secret], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^baton: Unauthorized: the API key is unknown or has been revoked \(HTTP 401\)$/m);
  });

  it('rejects an unknown role with exit 2', async () => {
    expect((await baton(['keys', 'create', 'x', '--role', 'root'], { env })).code).toBe(2);
  });
});

describe('global options before the command', () => {
  it('work as after it: --url, --api-key and -o before runs and keys', async () => {
    const noEnv = { BATON_URL: undefined, BATON_API_KEY: undefined };
    // The usage errors below need no server answer: they run beside the two commands that do.
    const usageErrors = Promise.all([baton(['-o', 'yaml', 'keys', 'list'], { env }), baton(['--all', 'runs', 'list'], { env })]);
    const listed = await baton(['--url', server.url, '--api-key', server.apiKey, '-o', 'json', 'runs', 'list', '--namespace', ns, '--name', 'hello', '--limit', '1'], { env: noEnv });
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    const [run] = JSON.parse(listed.stdout).items as { id: string }[];
    expect(run?.id).toMatch(RUN_ID);
    const got = await baton([`--url=${server.url}`, '-ojson', 'runs', 'get', run!.id, '--api-key', server.apiKey], { env: noEnv });
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout).id).toBe(run!.id);
    // Checked the same way too: a bad -o before the command is the command's usage error.
    const [badOutput, unknown] = await usageErrors;
    expect(badOutput.code).toBe(2);
    expect(badOutput.stderr).toMatch(/^baton: -o must be "human" or "json", got "yaml"\n\nusage: baton keys/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^baton: unknown option '--all' before the command/);
  });

  it('--help and --version answer before any command', async () => {
    const [help, commandHelp, version] = await Promise.all([baton(['--help'], { env }), baton(['--url', server.url, '--help', 'runs'], { env }), baton(['--version'], { env })]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: baton \[--url URL\] \[--api-key KEY\] \[-o human\|json\] <command>/);
    expect(commandHelp.code).toBe(0);
    expect(commandHelp.stdout).toMatch(/^usage: baton runs get ID/);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^baton \d+\.\d+\.\d+\n$/);
  });
});

describe('connection', () => {
  it('says how to start Baton when nothing listens', async () => {
    const port = await closedPort();
    const result = await baton(['runs', 'list', '--url', `http://127.0.0.1:${port}`], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`baton: cannot reach Baton at http://127.0.0.1:${port} — is it running? (npm start)\n`);
  });

  it('names the reason of other transport failures', async () => {
    // 9 (discard) is a port fetch refuses to use: no system error code, a reason.
    const result = await baton(['runs', 'list', '--url', 'http://127.0.0.1:9'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('baton: cannot reach Baton at http://127.0.0.1:9 (bad port)\n');
  });

  it('says how to give a key when none is set', async () => {
    const result = await baton(['runs', 'list'], { env: { BATON_URL: server.url } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^baton: Unauthorized: missing Authorization header.*\(HTTP 401\)\n.*BATON_API_KEY/);
  });

  it('finds the key `baton start` saved from any subfolder of where it runs', async () => {
    const checkout = scratchDir('baton-checkout-');
    mkdirSync(join(checkout, 'data'));
    writeFileSync(join(checkout, 'data', 'api-key'), `${server.apiKey}\n`, { mode: 0o600 });
    const sub = join(checkout, 'examples', 'nested');
    mkdirSync(sub, { recursive: true });
    const result = await baton(['keys', 'list', '-o', 'json'], { env: { BATON_URL: server.url, BATON_DATA_DIR: undefined }, cwd: sub });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(expect.any(Array));
  });
});
