// Entry ids shaped like Redis stream ids ("<ms>-<seq>"), so that both adapters hand out ids
// that order the same way and keep growing across restarts: a client resuming a topic from an
// id it got before an embedded process restarted is not stuck behind a counter that began again.

export interface StreamId {
  ms: number;
  seq: number;
}

export class StreamIdGenerator {
  private last: StreamId = { ms: 0, seq: 0 };

  next(): StreamId {
    const now = Date.now();
    this.last = now > this.last.ms ? { ms: now, seq: 0 } : { ms: this.last.ms, seq: this.last.seq + 1 };
    return this.last;
  }
}

export function formatStreamId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

/** "123" or "123-4" → StreamId; undefined when the text is not an id. */
export function parseStreamId(text: string): StreamId | undefined {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) return undefined;
  return { ms: Number(match[1]), seq: Number(match[2] ?? 0) };
}

export function compareStreamIds(a: StreamId, b: StreamId): number {
  return a.ms - b.ms || a.seq - b.seq;
}
