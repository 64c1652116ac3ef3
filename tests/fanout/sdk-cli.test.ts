// The typed SDK's WebSocket stream and the CLI's `logs -f` / `run --watch`, against Baton in one
// process on PostgreSQL + Redis: exact sequences, automatic resume after the server closes a
// slow reader (4008), refusals as BatonApiError, and the CLI's printed lines and exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatonApiError, BatonClient, streamRunEventsOverWebSocket, type RunEvent } from '@baton/sdk';
import { baton } from '../../apps/cli/tests/baton-process.ts';
import { ADMIN_KEY, startFanoutHarness, workflows, type FanoutHarness } from './harness.ts';
import { range } from './stream-client.ts';

const collect = async (events: AsyncIterable<RunEvent>, each?: (event: RunEvent) => Promise<void>) => {
  const seen: number[] = [];
  for await (const event of events) {
    seen.push(event.seq);
    await each?.(event);
  }
  return seen;
};

describe('SDK stream and CLI over the fanout', () => {
  let h: FanoutHarness;
  let client: BatonClient;
  const cliArgs = () => ['--url', h.baton.url, '--api-key', ADMIN_KEY, '--stream-url', h.baton.fanoutUrl];

  beforeAll(async () => {
    h = await startFanoutHarness('servers', { FANOUT_BUFFER_LIMIT_BYTES: String(64 * 1024) });
    await h.apply(workflows.ticker());
    await h.apply(workflows.bulky(100));
    client = new BatonClient({ baseUrl: h.baton.url, apiKey: ADMIN_KEY, streamUrl: h.baton.fanoutUrl });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('BatonClient.streamEvents follows a live run over the WebSocket, from any position', async () => {
    const runId = await h.start('ticker', { n: 20 });
    // A position must be one the client has seen: the second stream starts once seq 5 exists.
    let resuming: Promise<number[]> | undefined;
    const all = await collect(client.streamEvents(runId), async (event) => {
      if (event.seq === 5) resuming = collect(client.streamEvents(runId, { after: 5 }));
    });
    const resumed = await resuming!;
    const total = (await h.events(runId)).length;
    expect(all).toEqual(range(1, total));
    expect(resumed).toEqual(range(6, total));
  });

  it('resumes by itself when the server closes a reader that fell behind (4008)', async () => {
    const runId = await h.start('bulky', { n: 40 });
    let stalled = false;
    const seen = await collect(streamRunEventsOverWebSocket(runId, { fanoutUrl: h.baton.fanoutUrl, apiKey: ADMIN_KEY, highWaterMark: 2 }), async () => {
      // No reading after the first event until the run has ended (~4 MB of events sent meanwhile):
      // the server's 64 KiB limit for this reader is crossed however slowly a busy machine runs the
      // run (a fixed pace of reads kept up with it once); then reading goes on at full speed.
      if (stalled) return;
      stalled = true;
      await h.finish(runId, 'bulky');
    });
    expect(seen).toEqual(range(1, (await h.events(runId)).length));
    const metrics = await (await fetch(`${h.baton.fanoutUrl}/metrics`)).text();
    expect(Number(/fanout_closes_total\{reason="slow-consumer"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0)).toBeGreaterThan(0);
  });

  it('throws BatonApiError for refusals retrying cannot fix', async () => {
    const unknown = streamRunEventsOverWebSocket('no-such-run', { fanoutUrl: h.baton.fanoutUrl, apiKey: ADMIN_KEY });
    await expect(collect(unknown)).rejects.toMatchObject({ name: 'BatonApiError', status: 404 });
    const runId = await h.start('ticker', { n: 1 });
    const wrongKey = streamRunEventsOverWebSocket(runId, { fanoutUrl: h.baton.fanoutUrl, apiKey: 'bt_wrong_key_000000000000' });
    const error = await collect(wrongKey).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatonApiError);
    expect((error as BatonApiError).status).toBe(401);
  });

  it('baton logs -f prints every event of a run live and exits 0 at its end; without -f, the events so far', async () => {
    const runId = await h.start('ticker', { n: 5 });
    const followed = await baton(['logs', ...cliArgs(), '-f', runId]);
    expect(followed.stderr).toBe('');
    expect(followed.code).toBe(0);
    const total = (await h.events(runId)).length;
    const lines = followed.stdout.trim().split('\n');
    expect(lines.map((line) => Number(line.trim().split(/\s+/)[0]))).toEqual(range(1, total));
    expect(lines.at(-1)).toMatch(/completed/);
    const json = await baton(['logs', ...cliArgs(), '-o', 'json', '--after', '2', runId]);
    expect(json.code).toBe(0);
    expect(json.stdout.trim().split('\n').map((line) => JSON.parse(line).seq)).toEqual(range(3, total));
  });

  it('with --url alone, the CLI streams from the fanout the API names (GET /api/v1/info), on any ports', async () => {
    const info = await h.api<{ streamUrl: string }>('GET', '/api/v1/info');
    expect(info.status).toBe(200);
    expect(info.body.streamUrl).toBe(h.baton.fanoutUrl); // the fanout's ephemeral port, on the host the request named
    const urlOnly = ['--url', h.baton.url, '--api-key', ADMIN_KEY];
    const env = { BATON_STREAM_URL: undefined };
    const watched = await baton(['run', ...urlOnly, 'fan/ticker', '--input', '{"n": 2}', '--watch'], { env });
    expect(watched.stderr).toBe('');
    expect(watched.code).toBe(0);
    const runId = /run (\S+)/.exec(watched.stdout)![1]!;
    const followed = await baton(['logs', ...urlOnly, '-f', runId], { env });
    expect(followed.stderr).toBe('');
    expect(followed.stdout.trim().split('\n')).toHaveLength((await h.events(runId)).length);
    // An explicit stream URL still wins, and one that cannot be reached says which and from where.
    const wrong = await baton(['logs', ...urlOnly, '-f', runId], { env: { BATON_STREAM_URL: 'http://127.0.0.1:1' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^baton: cannot reach the event stream at http:\/\/127\.0\.0\.1:1 \(from BATON_STREAM_URL\): .*ECONNREFUSED/);
  });

  it('baton run --watch starts a run, prints its events live and exits with its outcome', async () => {
    const watched = await baton(['run', ...cliArgs(), 'fan/ticker', '--input', '{"n": 3}', '--watch']);
    expect(watched.stderr).toBe('');
    expect(watched.code).toBe(0);
    const runId = /run (\S+)/.exec(watched.stdout)?.[1];
    expect(runId).toBeTruthy();
    const total = (await h.events(runId!)).length;
    const seqLines = watched.stdout.split('\n').filter((line) => /^\s*\d+\s/.test(line));
    expect(seqLines.map((line) => Number(line.trim().split(/\s+/)[0]))).toEqual(range(1, total));
    const usage = await baton(['logs', ...cliArgs(), '--stream-url', 'ftp://x', '-f', runId!]);
    expect(usage.code).toBe(2);
  });
});
