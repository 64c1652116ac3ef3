// One message as it goes out: its JSON text (SSE, size accounting) and, made on first use and
// then shared by every WebSocket it is written to, its UTF-8 bytes — so an event is serialised
// and encoded once per replica, not once per subscriber.
export class Frame {
  private encoded: Buffer | undefined;

  constructor(readonly text: string) {}

  get bytes(): Buffer {
    this.encoded ??= Buffer.from(this.text);
    return this.encoded;
  }

  /** Size counted against a connection's buffer limit (UTF-16 length: cheap, close enough). */
  get size(): number {
    return this.text.length;
  }
}
