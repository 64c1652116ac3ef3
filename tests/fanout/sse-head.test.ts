// HEAD on the SSE route (found by tests/fuzz): answered with the stream's headers and no body,
// at once — it used to start a stream whose headers HEAD never flushed, so the request got no
// answer at all and held a run feed open until the client gave up.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rawRequest } from '../hostile/harness.ts';
import { ADMIN_KEY, startFanoutHarness, workflows, type FanoutHarness } from './harness.ts';

let h: FanoutHarness;
let runId: string;

beforeAll(async () => {
  h = await startFanoutHarness('embedded');
  await h.apply(workflows.gated('head-gate', 'com.example.head'));
  runId = await h.start('head-gate');
  await h.waiting(runId);
});

afterAll(async () => {
  await h?.close();
});

const head = (target: string, auth = `Authorization: Bearer ${ADMIN_KEY}\r\n`) => rawRequest(h.baton.fanoutUrl, `HEAD ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${auth}\r\n`, 5_000);

it('answers HEAD of a run stream with 200 and the stream headers, without a body or an open feed', async () => {
  const response = await head(`/v1/runs/${runId}/events/stream`);
  expect(response.status).toBe(200);
  expect(response.headers).toMatch(/content-type: text\/event-stream/i);
  expect(response.body).toBe('');
  const metrics = await (await fetch(`${h.baton.fanoutUrl}/metrics`)).text();
  expect(metrics).not.toMatch(/fanout_connections\{transport="sse"[^}]*\} [1-9]/);
});

it('refuses HEAD as it refuses GET: unknown run, bad position, no credentials', async () => {
  expect((await head('/v1/runs/nope/events/stream')).status).toBe(404);
  expect((await head(`/v1/runs/${runId}/events/stream?after=x`)).status).toBe(400);
  expect((await head(`/v1/runs/${runId}/events/stream`, '')).status).toBe(401);
});
