// The WebSocket clients of the fanout benchmark, in a process of their own (forked by
// bench/fanout.ts): their receive times are not held up by the benchmark's HTTP target and API
// calls, and their CPU is measured apart. Driven over the IPC channel:
//   parent → { open: { url, key, count } }      ← { opened: count }
//   parent → { follow: runIds }                  client i follows runIds[i % runIds.length]
//                                                (its subscriber slot: i / runIds.length)
//   parent → { measuring: boolean }
//   parent → { ending: true }                    ← { ended: clients that saw their run's end }
//   parent → { report: true }                    ← { report: ClientReport }
import { WebSocket } from 'ws';

export interface ClientReport {
  deliveries: number;
  replayed: number;
  /**
   * Live deliveries are sampled over all clients: a run's client in slot s (of the run's k
   * clients) samples the events whose seq ≡ s (mod k), so each event is sampled about once, at
   * every position in the fanout's send order alike (not only the first client of each run).
   */
  /** Receive time − the event's `time` attribute (ms), sampled live deliveries. */
  delays: number[];
  /** [event id, receive time, subscriber slot] of sampled live deliveries. */
  samples: [string, number, number][];
  /** Every client checks that seqs arrive in order: a seq skipped, or one received again. */
  seqGaps: number;
  seqRepeats: number;
  errors: string[];
  /** CPU time of the clients' process over the measured window. */
  cpuSeconds: number;
}

const EVENT_PREFIX = Buffer.from('{"specversion"');
const TERMINAL = /"type":"io\.serverlessworkflow\.workflow\.(completed|faulted|cancelled)\.v1"/;

const report: ClientReport = { deliveries: 0, replayed: 0, delays: [], samples: [], seqGaps: 0, seqRepeats: 0, errors: [], cpuSeconds: 0 };
let measuring = false;
/** CPU time of this process when the measured window began. */
let cpuAtStart = 0;
let ending = false;
let ended = 0;
let onEnded: (() => void) | undefined;

const error = (text: string) => {
  if (report.errors.length < 10) report.errors.push(text);
};

/** One WebSocket client following one run. */
class Watcher {
  private live = false;
  private lastSeq = 0;
  private done = false;
  /** This client's position among its run's clients, and how many the run has. */
  private slot = 0;
  private perRun = 1;

  constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => this.onMessage(data));
  }

  static open(url: string, key: string): Promise<Watcher> {
    // The bench trusts its own fanout's UTF-8: no validation pass per message.
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/stream`, { headers: { authorization: `Bearer ${key}` }, skipUTF8Validation: true, perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new Watcher(socket)));
      socket.once('error', reject);
    });
  }

  follow(runId: string, slot: number, perRun: number): void {
    this.slot = slot;
    this.perRun = perRun;
    this.socket.send(JSON.stringify({ subscribe: { run: runId, after: 0 } }));
  }

  close(): void {
    this.socket.terminate();
  }

  // The hot path reads the seq from the last bytes and decodes the text only of sampled
  // events (no JSON.parse per event): this process shares two cores with every service.
  private onMessage(data: Buffer): void {
    if (data.compare(EVENT_PREFIX, 0, EVENT_PREFIX.length, 0, EVENT_PREFIX.length) !== 0) return this.onControl(data.toString());
    const now = Date.now();
    if (measuring) {
      if (this.live) report.deliveries += 1;
      else report.replayed += 1;
    }
    const seq = trailingSeq(data);
    if (seq <= this.lastSeq) {
      report.seqRepeats += 1;
      error(`seq ${seq} again after ${this.lastSeq}`);
    } else if (seq !== this.lastSeq + 1) {
      report.seqGaps += 1;
      error(`seq ${seq} after ${this.lastSeq}`);
    }
    this.lastSeq = Math.max(this.lastSeq, seq);
    if (measuring && this.live && (seq + this.slot) % this.perRun === 0) {
      const text = data.toString();
      const timeAt = text.indexOf('"time":"') + 8;
      report.delays.push(now - Date.parse(text.slice(timeAt, timeAt + 24)));
      const idAt = text.indexOf('"id":"') + 6;
      report.samples.push([text.slice(idAt, text.indexOf('"', idAt)), now, this.slot]);
    }
    if (ending && !this.done && TERMINAL.test(data.toString())) {
      this.done = true;
      ended += 1;
      onEnded?.();
    }
  }

  private onControl(text: string): void {
    const message = JSON.parse(text) as { caughtUp?: unknown; error?: { detail: string } };
    if (message.caughtUp) this.live = true;
    if (message.error) error(message.error.detail);
  }
}

/** The seq of an event: the number before its closing brace (`…,"seq":42}`, toCloudEvent's order). */
function trailingSeq(data: Buffer): number {
  let seq = 0;
  let scale = 1;
  for (let i = data.length - 2; i >= 0; i -= 1) {
    const digit = data[i]! - 48;
    if (digit < 0 || digit > 9) break;
    seq += digit * scale;
    scale *= 10;
  }
  return seq;
}

const watchers: Watcher[] = [];
const send = (message: unknown): void => void process.send!(message);

process.on('message', (message: Record<string, unknown>) => {
  void handle(message).catch((e: unknown) => {
    error(String(e));
    send({ failed: String(e) });
  });
});
process.on('disconnect', () => {
  for (const watcher of watchers) watcher.close();
  process.exit(0);
});

async function handle(message: Record<string, unknown>): Promise<void> {
  if (message.open) {
    const { url, key, count } = message.open as { url: string; key: string; count: number };
    for (let i = 0; i < count; i += 1) watchers.push(await Watcher.open(url, key));
    return send({ opened: watchers.length });
  }
  if (message.follow) {
    const runs = message.follow as string[];
    const perRun = Math.ceil(watchers.length / runs.length);
    watchers.forEach((watcher, i) => watcher.follow(runs[i % runs.length]!, Math.floor(i / runs.length), perRun));
    return;
  }
  if (typeof message.measuring === 'boolean') {
    const usage = process.cpuUsage();
    const seconds = (usage.user + usage.system) / 1e6;
    if (message.measuring) cpuAtStart = seconds;
    else report.cpuSeconds = seconds - cpuAtStart;
    measuring = message.measuring;
    return;
  }
  if (message.ending) {
    ending = true;
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(resolve, 30_000);
      onEnded = () => {
        if (ended < watchers.length) return;
        clearTimeout(deadline);
        resolve();
      };
      onEnded();
    });
    return send({ ended });
  }
  if (message.report) return send({ report });
}
