// Store reads shared by the feeds of one replica. Ten clients that follow one run and fall back
// to the store together (a gap in the topic, a quiet run, subscriptions from the same position)
// make one query, and its events are serialised and framed once for all of them.
//
// A page may serve a feed only if its read started after the feed was indexed by the hub (see
// run-feed.ts): an event committed after such a read began is published after the feed was
// indexed, so the feed receives it live. A read that started earlier could miss an event the
// feed will never see live, so it is not shared with that feed: while it is in flight, such
// feeds queue for ONE follow-up read that starts when it ends (ten clients subscribing to one run
// one after the other make two reads, not ten). `mark()` and every read draw from one counter,
// which orders them.
import { toCloudEvent, type Store } from '@baton/core';
import { Frame } from './frame.ts';

export interface ReplayEvent {
  seq: number;
  type: string;
  frame: Frame;
}

export interface ReplayPage {
  events: ReplayEvent[];
  /** The page is as long as a page can be: there may be more after it. */
  full: boolean;
}

export interface PageRun {
  id: string;
  namespace: string;
  name: string;
}

interface Read {
  started: number;
  page: Promise<ReplayPage>;
  settled: boolean;
  /** The read that follows this one, for feeds indexed after this one started. */
  next?: Promise<ReplayPage>;
}

export class SharedReads {
  private clock = 0;
  private readonly reads = new Map<string, Read>();

  constructor(
    private readonly store: Pick<Store, 'listEvents'>,
    private readonly pageSize: number,
    /** How long a finished read stays shareable (it is only ever as fresh as its start). */
    private readonly keepMs = 1_000,
  ) {}

  /** A point in the order of reads; take it right after indexing a feed. */
  mark(): number {
    return ++this.clock;
  }

  /** The events of `run` after `after` (one page), from a read that started after `since`. */
  page(run: PageRun, after: number, since: number): Promise<ReplayPage> {
    const key = `${run.id}\u0000${after}`;
    const current = this.reads.get(key);
    if (current && current.started > since) return current.page;
    if (current && !current.settled) {
      current.next ??= current.page.then(
        () => this.page(run, after, since),
        () => this.page(run, after, since),
      );
      return current.next;
    }
    const read: Read = { started: ++this.clock, page: this.fetch(run, after), settled: false };
    this.reads.set(key, read);
    const forget = () => {
      if (this.reads.get(key) === read) this.reads.delete(key);
    };
    read.page.then(
      () => {
        read.settled = true;
        setTimeout(forget, this.keepMs).unref();
      },
      () => {
        read.settled = true;
        forget();
      },
    );
    return read.page;
  }

  private async fetch(run: PageRun, after: number): Promise<ReplayPage> {
    const records = await this.store.listEvents(run.id, after, this.pageSize);
    return {
      events: records.map((record) => ({ seq: record.seq, type: record.type, frame: new Frame(JSON.stringify(toCloudEvent(record, run))) })),
      full: records.length >= this.pageSize,
    };
  }
}
