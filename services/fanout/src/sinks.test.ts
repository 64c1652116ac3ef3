import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Frame } from './frame.ts';
import { WebSocketSink } from './sinks.ts';

// The WebSocketSink holds the frames of a corked batch and writes them as one buffer: order,
// nesting, the buffer-limit accounting and the close/ping paths must see the held frames.
describe('WebSocketSink batches', () => {
  let server: WebSocketServer;
  let sink: WebSocketSink;
  let client: WebSocket;
  let raw: Socket;
  let writes: number;

  beforeEach(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await once(client, 'open');
    const socket = (await accepted)[0] as WebSocket;
    sink = new WebSocketSink(socket);
    raw = (socket as unknown as { _socket: Socket })._socket;
    writes = 0;
    const write = raw.write.bind(raw) as (...args: unknown[]) => boolean;
    raw.write = ((...args: unknown[]) => {
      writes += 1;
      return write(...args);
    }) as typeof raw.write;
  });

  afterEach(async () => {
    client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  function receive(count: number): Promise<string[]> {
    const received: string[] = [];
    return new Promise((resolve) =>
      client.on('message', (data: Buffer) => {
        if (received.push(data.toString()) === count) resolve(received);
      }),
    );
  }

  it('writes the frames of a corked batch in order, in one socket write', async () => {
    const texts = Array.from({ length: 20 }, (_, i) => JSON.stringify({ seq: i + 1, data: 'é'.repeat(i * 10) }));
    const received = receive(texts.length);
    sink.cork();
    for (const text of texts) sink.write(new Frame(text));
    expect(writes).toBe(0);
    sink.uncork();
    expect(writes).toBe(1);
    expect(await received).toEqual(texts);
  });

  it('holds until the outermost uncork (a replay page inside a topic batch)', async () => {
    const received = receive(3);
    sink.cork();
    sink.write(new Frame('{"a":1}'));
    sink.cork();
    sink.write(new Frame('{"b":2}'));
    sink.uncork();
    expect(writes).toBe(0);
    sink.write(new Frame('{"c":3}'));
    sink.uncork();
    sink.uncork(); // an extra uncork is harmless
    expect(writes).toBe(1);
    expect(await received).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('counts held frames as buffered (the slow-consumer limit sees them)', () => {
    const frame = new Frame('x'.repeat(1000));
    sink.cork();
    sink.write(frame);
    sink.write(frame);
    expect(sink.buffered()).toBeGreaterThanOrEqual(2 * frame.webSocketFrame.length);
    sink.uncork();
    expect(sink.buffered()).toBeLessThan(2 * frame.webSocketFrame.length);
  });

  it('sends the held frames before the close frame when closed inside a batch', async () => {
    const received = receive(2);
    const closed = once(client, 'close');
    sink.cork();
    sink.write(new Frame('{"a":1}'));
    sink.write(new Frame('{"b":2}'));
    sink.close(4008, 'slow consumer');
    sink.uncork();
    expect(await received).toEqual(['{"a":1}', '{"b":2}']);
    const [code, reason] = (await closed) as [number, Buffer];
    expect({ code, reason: reason.toString() }).toEqual({ code: 4008, reason: 'slow consumer' });
  });

  it('writes nothing held after terminate', async () => {
    sink.cork();
    sink.write(new Frame('{"a":1}'));
    sink.terminate();
    sink.uncork();
    expect(writes).toBe(0);
    await once(client, 'close');
  });
});
