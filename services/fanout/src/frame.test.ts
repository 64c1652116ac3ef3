import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Frame } from './frame.ts';
import { WebSocketSink } from './sinks.ts';

describe('a Frame written by the WebSocketSink', () => {
  let server: WebSocketServer;
  let sink: WebSocketSink;
  let client: WebSocket;

  beforeAll(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await once(client, 'open');
    sink = new WebSocketSink((await accepted)[0] as WebSocket);
  });

  afterAll(async () => {
    client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  // The three header sizes of RFC 6455 §5.2 at their edges, with multi-byte UTF-8 so that the
  // payload length is counted in bytes, not characters; read by ws's client as any client would.
  it.each([0, 1, 125, 126, 65_535, 65_536, 200_000])('arrives as one text message for a %i-byte payload', async (bytes) => {
    const text = bytes >= 2 ? 'é'.repeat(Math.floor(bytes / 2)) + 'x'.repeat(bytes % 2) : 'x'.repeat(bytes);
    expect(Buffer.byteLength(text)).toBe(bytes);
    const frame = new Frame(text);
    const received = once(client, 'message');
    sink.write(frame);
    const [data, binary] = (await received) as [Buffer, boolean];
    expect({ text: data.toString('utf8'), binary }).toEqual({ text, binary: false });
    expect(frame.webSocketFrame).toBe(frame.webSocketFrame); // made once, shared by every socket
  });

  it('keeps order with the frames ws writes itself (pings) inside one corked batch', async () => {
    const texts = ['{"a":1}', '{"b":2}', '{"c":3}'];
    const received: string[] = [];
    const all = new Promise<void>((resolve) => client.on('message', (data: Buffer) => received.push(data.toString()) === texts.length && resolve()));
    const pinged = once(client, 'ping');
    sink.cork();
    sink.write(new Frame(texts[0]!));
    sink.probe(); // a ping between two events
    sink.write(new Frame(texts[1]!));
    sink.write(new Frame(texts[2]!));
    sink.uncork();
    await Promise.all([all, pinged]);
    expect(received).toEqual(texts);
  });
});
