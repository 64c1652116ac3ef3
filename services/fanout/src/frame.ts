// One message as it goes out: its JSON text (SSE, size accounting) and, made on first use and
// then shared by every WebSocket it is written to, the whole WebSocket frame — so an event is
// serialised, encoded and framed once per replica, not once per subscriber.
export class Frame {
  private framed: Buffer | undefined;

  constructor(readonly text: string) {}

  /**
   * The unmasked, final text frame (RFC 6455 §5.2: a server never masks) carrying the UTF-8
   * text: 2, 4 or 10 header bytes, then the payload, in one buffer (one write per socket).
   */
  get webSocketFrame(): Buffer {
    if (this.framed) return this.framed;
    const length = Buffer.byteLength(this.text);
    const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(header + length);
    frame[0] = 0x81; // FIN + opcode 1 (text)
    if (header === 2) {
      frame[1] = length;
    } else if (header === 4) {
      frame[1] = 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 127;
      frame.writeBigUInt64BE(BigInt(length), 2);
    }
    frame.write(this.text, header, 'utf8');
    this.framed = frame;
    return frame;
  }

  /** Size counted against a connection's buffer limit (UTF-16 length: cheap, close enough). */
  get size(): number {
    return this.text.length;
  }
}
