// The fanout (port 8085) under hostile requests, in the all-in-one process: each is answered
// with a 4xx problem (HTTP, handshake) or an `error` message (WebSocket), none ends the process
// (issue 12, rows 1 and 11).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFanoutHarness, workflows, ADMIN_KEY, type FanoutHarness } from '../fanout/harness.ts';
import { TestStream } from '../fanout/stream-client.ts';
import { rawRequest, upgradeHeaders, watchProcess, type ProcessWatch } from './harness.ts';

let h: FanoutHarness;
let watch: ProcessWatch;
let runId: string;
const statuses: number[] = [];

beforeAll(async () => {
  watch = watchProcess();
  h = await startFanoutHarness('embedded');
  await h.apply(workflows.gated('hostile-gate', 'com.example.hostile', 'hostile'));
  runId = await h.start('hostile-gate', {}, 'hostile');
  await h.waiting(runId);
});

afterAll(async () => {
  watch.stop();
  await h?.close();
});

async function raw(request: string) {
  const response = await rawRequest(h.baton.fanoutUrl, request);
  statuses.push(response.status);
  return response;
}

const get = (target: string, headers = '') => raw(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${headers}\r\n`);
const auth = `Authorization: Bearer ${ADMIN_KEY}\r\n`;

describe('fanout: hostile requests', () => {
  it('answers the issue\'s WebSocket upgrade to "//" (no key) with a 404 problem, and goes on serving', async () => {
    const response = await raw(`GET // HTTP/1.1\r\n${upgradeHeaders()}`);
    expect(response.status).toBe(404);
    expect(response.json).toMatchObject({ status: 404, type: 'https://baton.dev/problems/not-found', detail: expect.stringContaining('/v1/stream') });
    expect((await fetch(`${h.baton.fanoutUrl}/health`)).status).toBe(200);
    expect(watch.failures).toEqual([]);
  });

  it.each([
    ['//x', 404],
    ['/%ZZ', 404],
    ['*', 400],
    ['/v1/stream?token=%00', 401],
    ['/v1/stream?token=%ZZ', 401],
  ])('answers an upgrade to %s with %i', async (target, status) => {
    const response = await raw(`GET ${target} HTTP/1.1\r\n${upgradeHeaders()}`);
    expect(response.status).toBe(status);
    expect(response.json?.status).toBe(status);
  });

  it('leaves a handshake without Sec-WebSocket-Key (but with a key) to ws: 400', async () => {
    expect((await raw(`GET /v1/stream HTTP/1.1\r\n${upgradeHeaders(auth)}`)).status).toBe(400);
  });

  it('answers plain HTTP to "//", malformed run ids and positions with 4xx problems', async () => {
    expect((await get('//')).status).toBe(404);
    const badEncoding = await get('/v1/runs/%ZZ/events/stream', auth);
    expect(badEncoding.status).toBe(400);
    expect(badEncoding.json.detail).toMatch(/percent-encoding/);
    const nul = await get('/v1/runs/%00/events/stream', auth);
    expect(nul.status).toBe(404);
    expect(nul.json.detail).toContain('no run');
    for (const after of ['2147483648', '999999999999999']) {
      const beyond = await get(`/v1/runs/${runId}/events/stream?after=${after}`, auth);
      expect(beyond.status, after).toBe(400);
      expect(beyond.json.detail).toMatch(/beyond the last event/);
    }
    expect((await get(`/v1/runs/${runId}/events/stream`, `${auth}Last-Event-ID: 2147483648\r\n`)).status).toBe(400);
    expect((await get('/v1/runs/a%E2%80/events/stream', auth)).status).toBe(400); // truncated UTF-8
    expect((await raw(`POST //?x=%ZZ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)).status).toBe(405);
  });

  it('answers hostile WebSocket messages with error messages, and the connection keeps streaming', async () => {
    const stream = await TestStream.connect(h.baton.fanoutUrl, { key: ADMIN_KEY });
    const nul = await stream.subscribe({ run: 'a\u0000b' }, 'nul');
    expect(nul.error).toMatchObject({ status: 404, run: 'a\u0000b' });
    const beyond = await stream.subscribe({ run: runId, after: 2147483648 }, 'beyond');
    expect(beyond.error).toMatchObject({ status: 400, detail: expect.stringMatching(/beyond the last event/) });
    const namespace = await stream.subscribe({ namespace: 'a\u0000b' }, 'ns');
    expect(namespace.error.status).toBe(400);
    stream.socket.send('['.repeat(16_000)); // under the message limit, deeply nested, not JSON
    stream.socket.send(`${'['.repeat(8_000)}${']'.repeat(8_000)}`); // JSON, 8,000 deep
    stream.socket.send(Buffer.from([0xff, 0xfe, 0x00]), { binary: true });
    stream.send({ subscribe: { run: runId, after: 0 }, id: { nested: [[[[]]]] } });
    const live = await stream.subscribe({ run: runId }, 'live');
    expect(live.subscribed).toEqual({ run: runId, after: 0 });
    await stream.waitFor((m) => m.caughtUp?.run === runId);
    const errors = stream.control('error');
    expect(errors.length).toBeGreaterThanOrEqual(7);
    expect(errors.every((e) => e.status >= 400 && e.status < 500)).toBe(true);
    stream.close();
  });

  it('caused no 5xx and nothing that would end the process', async () => {
    expect(statuses.filter((status) => status >= 500 || status === 0)).toEqual([]);
    expect(watch.failures).toEqual([]);
    expect((await fetch(`${h.baton.fanoutUrl}/ready`)).status).toBe(200);
  });
});
