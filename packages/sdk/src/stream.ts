// Following a run's event log. The transport today is paging GET /runs/{id}/events?after=SEQ;
// the fanout service's WebSocket will replace it behind the same contract:
//   - events come in seq order, each once, starting after `after`;
//   - a dropped connection or a 5xx is retried from the last seq yielded (no gap, no duplicate);
//   - the iteration ends after the run's last event, once the run is terminal.
import { BatonApiError, BatonConnectionError } from './errors.ts';
import { TERMINAL_EVENT_TYPES, isTerminalStatus, type EventPage, type Run, type RunEvent } from './schemas.ts';

export interface StreamEventsOptions {
  /** Start after this seq (default 0: from the first event). */
  after?: number;
  /** Pause between polls once caught up with a running run (default 500 ms). */
  pollIntervalMs?: number;
  /** Events per request (server default when omitted). */
  pageSize?: number;
  /** Consecutive transient failures tolerated before the error is thrown (default 5). */
  maxRetries?: number;
  /** Stops the stream; the pending `next()` rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** What the follower needs from the API, so the loop is independent of the transport. */
export interface RunEventSource {
  listEvents(after: number, signal: AbortSignal | undefined): Promise<EventPage>;
  getRun(): Promise<Run>;
}

const DEFAULT_POLL_MS = 500;
const DEFAULT_RETRIES = 5;

export async function* followRunEvents(source: RunEventSource, options: StreamEventsOptions = {}): AsyncGenerator<RunEvent> {
  const { signal } = options;
  const pollMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
  const retry = new Retry(options.maxRetries ?? DEFAULT_RETRIES, signal);
  let after = options.after ?? 0;
  let sawEnd = false;
  let runFinished = false;
  while (true) {
    signal?.throwIfAborted();
    const page = await retry.run(() => source.listEvents(after, signal));
    let yielded = 0;
    for (const event of page.items) {
      if (event.seq <= after) continue; // never twice, even if a transport replays
      after = event.seq;
      yielded++;
      if (TERMINAL_EVENT_TYPES.has(event.type)) sawEnd = true;
      yield event;
    }
    if (yielded > 0) continue; // maybe more behind this page
    if (sawEnd || runFinished) return;
    // Caught up. A run's status and the events of that transition commit together, so once the
    // run reads terminal one more page read drains whatever is left.
    const run = await retry.run(() => source.getRun());
    if (isTerminalStatus(run.status)) {
      runFinished = true;
      continue;
    }
    await sleep(pollMs, signal);
  }
}

/** Retries transient failures (no answer, 5xx, 429) with exponential backoff; resets on success. */
class Retry {
  private failures = 0;

  constructor(
    private readonly maxRetries: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async run<T>(operation: () => Promise<T>): Promise<T> {
    while (true) {
      try {
        const result = await operation();
        this.failures = 0;
        return result;
      } catch (error) {
        if (this.signal?.aborted || !isTransient(error) || this.failures >= this.maxRetries) throw error;
        this.failures++;
        await sleep(Math.min(200 * 2 ** (this.failures - 1), 5_000), this.signal);
      }
    }
  }
}

export function isTransient(error: unknown): boolean {
  if (error instanceof BatonConnectionError) return true;
  return error instanceof BatonApiError && (error.status >= 500 || error.status === 429);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
