import { Receiver } from 'ws';
import { describe, expect, it } from 'vitest';
import { Frame } from './frame.ts';

/** Decodes frames with ws's own parser, as a client would (no masking from a server). */
function decode(bytes: Buffer): Promise<{ text: string; binary: boolean }> {
  return new Promise((resolve, reject) => {
    const receiver = new Receiver({ isServer: false });
    receiver.on('message', (data: Buffer, binary: boolean) => resolve({ text: data.toString('utf8'), binary }));
    receiver.on('error', reject);
    receiver.write(bytes);
  });
}

describe('Frame.webSocketFrame', () => {
  // The three header sizes of RFC 6455 §5.2 at their edges, with multi-byte UTF-8 so that the
  // payload length is counted in bytes, not characters.
  it.each([0, 1, 125, 126, 65_535, 65_536, 200_000])('is one final text frame for a %i-byte payload', async (bytes) => {
    const text = bytes >= 2 ? 'é'.repeat(Math.floor(bytes / 2)) + 'x'.repeat(bytes % 2) : 'x'.repeat(bytes);
    expect(Buffer.byteLength(text)).toBe(bytes);
    const frame = new Frame(text);
    const decoded = await decode(frame.webSocketFrame);
    expect(decoded).toEqual({ text, binary: false });
    expect(frame.webSocketFrame).toBe(frame.webSocketFrame); // made once, shared
  });
});
