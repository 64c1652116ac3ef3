// One client's subscription to one run: replay from the store, then live, with no gap and no
// duplicate across the switch.
//
// The hub indexes the feed (so live events for the run start arriving) BEFORE the first store
// read: an event committed before that read is in its result, and one committed after it is
// published after the feed was indexed, so it arrives live. Live events that arrive while the
// feed is replaying wait in `pending`; after the store has nothing more, `pending` is drained,
// skipping every seq already sent. `lastSent` is the only position: an event is sent iff its seq
// is lastSent + 1, so nothing is sent twice and nothing is skipped. A live event that leaves a
// gap (a publish lost or overtaken by a later one) sends the feed back to the store.
//
//   replaying ──store exhausted, pending drained without gap──▶ live
//   live ──gap in seq, or no event for FANOUT_RESYNC_MS (run not finished)──▶ replaying
//   any ──unsubscribe / connection closed──▶ stopped
import { RUN_ENDED_TYPES } from '@baton/core';
import type { Frame } from './frame.ts';
import type { ReplayPage } from './shared-reads.ts';


/** A store that lacks an event announced live is retried this many times, 50 ms apart. */
const GAP_RETRIES = 40;

export interface FeedRun {
  id: string;
  namespace: string;
  name: string;
}

/** What a feed needs from its connection. */
export interface FeedHost {
  /** A point in the order of store reads (SharedReads.mark), taken once the feed is indexed. */
  mark(): number;
  /** One page of the run's events after `after`, from a read that started after `since`. */
  page(run: FeedRun, after: number, since: number): Promise<ReplayPage>;
  send(frame: Frame, seq: number, source: 'live' | 'replay'): void;
  /** Count bytes held in `pending` against the connection's limit; false = over the limit (the host closes). */
  hold(bytes: number): boolean;
  release(bytes: number): void;
  /** The connection's send buffer is past its low-water mark: a replay should wait for room(). */
  behind(): boolean;
  /** Resolves once the connection's send buffer has room again (or it closed). */
  room(): Promise<void>;
  caughtUp(feed: RunFeed): void;
  /** A live feed went back to the store (a gap in seq, or a quiet unfinished run). */
  regressed(): void;
  failed(feed: RunFeed, error: unknown): void;
}

interface Pending {
  seq: number;
  frame: Frame;
  type: string;
}

export class RunFeed {
  private state: 'replaying' | 'live' | 'stopped' = 'replaying';
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private announced = false;
  /** The run's terminal event was sent: no resync needed. */
  finished = false;
  /** Last time a live event arrived or the store was read (for resync). */
  lastActivity: number;
  /** When the feed was indexed, in the order of store reads: only later reads may serve it. */
  private since = 0;

  constructor(
    private readonly host: FeedHost,
    readonly run: FeedRun,
    public lastSent: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastActivity = now();
  }

  private get stopped(): boolean {
    return this.state === 'stopped';
  }

  get live(): boolean {
    return this.state === 'live';
  }

  /** Call after the hub indexes the feed (live events are held from then on). */
  start(): void {
    this.since = this.host.mark();
    void this.replay();
  }

  stop(): void {
    this.state = 'stopped';
    this.host.release(this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** A live event of this run (the same frame is offered to every subscriber). */
  offer(seq: number, type: string, frame: Frame): void {
    if (this.state === 'stopped') return;
    this.lastActivity = this.now();
    if (this.state === 'live') {
      if (seq <= this.lastSent) return;
      if (seq === this.lastSent + 1) return this.sendLive(seq, type, frame);
      this.state = 'replaying';
      this.host.regressed();
      this.hold({ seq, type, frame });
      void this.replay();
      return;
    }
    this.hold({ seq, type, frame });
  }

  /** Called by the keep-alive tick: a quiet, unfinished run is checked against the store once. */
  resyncIfQuiet(quietMs: number): void {
    if (this.state !== 'live' || this.finished || this.now() - this.lastActivity < quietMs) return;
    this.state = 'replaying';
    this.host.regressed();
    void this.replay();
  }

  private sendLive(seq: number, type: string, frame: Frame): void {
    this.lastSent = seq;
    if (RUN_ENDED_TYPES.has(type)) this.finished = true;
    this.host.send(frame, seq, 'live');
  }

  private hold(event: Pending): void {
    this.pending.push(event);
    this.pendingBytes += event.frame.size;
    this.host.hold(event.frame.size);
  }

  private async replay(): Promise<void> {
    try {
      for (let attempt = 0; ; attempt += 1) {
        const progressed = await this.readStore();
        if (this.stopped) return;
        this.lastActivity = this.now();
        if (!this.drainPending()) break;
        // A live event is ahead of the store. It was published after its commit, so the store
        // has it: only a read that raced the commit can miss it. Retry briefly.
        if (!progressed && attempt >= GAP_RETRIES) throw new Error(`run ${this.run.id}: event ${this.lastSent + 1} was announced live but is not in the store`);
        if (!progressed) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          this.since = this.host.mark(); // a fresh read, not the shared one that missed it
        }
      }
      this.state = 'live';
      if (!this.announced) {
        this.announced = true;
        this.host.caughtUp(this);
      }
    } catch (error) {
      if (this.state !== 'stopped') this.host.failed(this, error);
    }
  }

  /** Sends every stored event after lastSent, page by page, pausing while the client is behind. */
  private async readStore(): Promise<boolean> {
    let progressed = false;
    while (true) {
      const page = await this.host.page(this.run, this.lastSent, this.since);
      if (this.stopped) return progressed;
      for (const event of page.events) {
        if (event.seq <= this.lastSent) continue;
        this.lastSent = event.seq;
        if (RUN_ENDED_TYPES.has(event.type)) this.finished = true;
        this.host.send(event.frame, event.seq, 'replay');
        progressed = true;
        if (this.host.behind()) {
          await this.host.room();
          if (this.stopped) return progressed;
        }
      }
      if (!page.full) return progressed;
    }
  }

  /** Sends held live events that continue lastSent; true when a gap remains. */
  private drainPending(): boolean {
    if (this.pending.length === 0) return false;
    // Publishes of two runner batches may overtake each other; seq order is what counts.
    this.pending.sort((a, b) => a.seq - b.seq);
    let index = 0;
    let released = 0;
    for (; index < this.pending.length; index += 1) {
      const event = this.pending[index]!;
      if (event.seq > this.lastSent + 1) break;
      released += event.frame.size;
      if (event.seq === this.lastSent + 1) this.sendLive(event.seq, event.type, event.frame);
    }
    this.pending = this.pending.slice(index);
    this.pendingBytes -= released;
    this.host.release(released);
    return this.pending.length > 0;
  }
}
