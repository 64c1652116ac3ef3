// The Server-Sent Events fallback (GET /v1/runs/{id}/events/stream) on PostgreSQL + Redis:
// ids are seqs, Last-Event-ID resumes exactly, refusals are plain HTTP problems.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startFanoutHarness, workflows, type FanoutHarness } from './harness.ts';
import { range } from './stream-client.ts';

interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** Reads an SSE response until `until` says stop (or the stream ends). */
async function readSse(response: Response, until: (messages: SseMessage[]) => boolean, timeoutMs = 15_000): Promise<SseMessage[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const messages: SseMessage[] = [];
  let buffer = '';
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    while (!until(messages)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message: SseMessage = { data: '' };
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const [field, ...rest] = line.split(': ');
          if (field === 'id') message.id = rest.join(': ');
          else if (field === 'event') message.event = rest.join(': ');
          else if (field === 'data') message.data += rest.join(': ');
        }
        if (message.data) messages.push(message);
      }
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => undefined);
  }
  return messages;
}

const terminal = (messages: SseMessage[]) => messages.some((m) => /workflow\.(completed|faulted|cancelled)\.v1/.test(m.data));

describe('fanout SSE fallback', () => {
  let h: FanoutHarness;
  let url: (runId: string, query?: string) => string;

  beforeAll(async () => {
    h = await startFanoutHarness('servers');
    await h.apply(workflows.ticker());
    await h.apply(workflows.gated('gate', 'com.example.sse-gate'));
    url = (runId, query = '') => `${h.baton.fanoutUrl}/v1/runs/${runId}/events/stream${query}`;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('streams a finished run with seq ids, then resumes after Last-Event-ID', async () => {
    const runId = await h.start('ticker', { n: 3 });
    await h.finish(runId, 'ticker');
    const total = (await h.events(runId)).length;
    const all = await fetch(url(runId), { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const first = await readSse(all, (m) => m.some((x) => x.event === 'caughtUp'));
    const events = first.filter((m) => m.id !== undefined);
    expect(events.map((m) => Number(m.id))).toEqual(range(1, total));
    expect(events.map((m) => JSON.parse(m.data).seq)).toEqual(range(1, total));
    const resumed = await fetch(url(runId), { headers: { authorization: `Bearer ${ADMIN_KEY}`, 'last-event-id': '3' } });
    const rest = await readSse(resumed, (m) => m.some((x) => x.event === 'caughtUp'));
    expect(rest.filter((m) => m.id !== undefined).map((m) => Number(m.id))).toEqual(range(4, total));
  });

  it('switches to live events of a running run, authenticated by a stream token in the URL', async () => {
    const runId = await h.start('gate', {});
    await h.waiting(runId);
    const { body } = await h.api<{ token: string }>('POST', '/api/v1/stream-tokens', {});
    const response = await fetch(url(runId, `?token=${encodeURIComponent(body.token)}`), { headers: { 'last-event-id': '2' } });
    expect(response.status).toBe(200);
    const reading = readSse(response, terminal);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await h.api('POST', '/api/v1/events', { specversion: '1.0', id: 'sse-go', source: 'https://tests.example/', type: 'com.example.sse-gate' });
    const messages = await reading;
    const total = (await h.events(runId)).length;
    expect(messages.filter((m) => m.id !== undefined).map((m) => Number(m.id))).toEqual(range(3, total));
  });

  it('refuses with a problem before the stream starts: no credentials, unknown run, bad or beyond Last-Event-ID', async () => {
    const runId = await h.start('ticker', { n: 1 });
    await h.finish(runId, 'ticker');
    const total = (await h.events(runId)).length;
    const cases: [RequestInit, string, number][] = [
      [{}, runId, 401],
      [{ headers: { authorization: `Bearer ${ADMIN_KEY}` } }, 'no-such-run', 404],
      [{ headers: { authorization: `Bearer ${ADMIN_KEY}`, 'last-event-id': 'abc' } }, runId, 400],
      [{ headers: { authorization: `Bearer ${ADMIN_KEY}`, 'last-event-id': String(total + 1) } }, runId, 400],
    ];
    for (const [init, id, status] of cases) {
      const response = await fetch(url(id), init);
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(((await response.json()) as { status: number }).status).toBe(status);
    }
  });
});
