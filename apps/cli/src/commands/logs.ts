// `baton logs [-f] RUN [--after SEQ]`: a run's events, one line each; with -f, live from the
// fanout's WebSocket (the URL the API advertises) until the run ends, resuming by itself after a
// disconnect.
import { BatonApiError, BatonClient, BatonConnectionError, TERMINAL_EVENT_TYPES, type RunEvent, type StreamEventsOptions } from '@baton/sdk';
import { CONNECTION_HELP, Exit, UsageError, clientFor, expectPositionals, connectionFrom, parseCommandArgs, positiveInt, type Connection } from '../api/args.ts';
import { eventLine } from '../api/event-line.ts';
import { processIo, runApiCommand, type CommandIo } from '../api/report.ts';

export const USAGE = `usage: baton logs [-f] RUN_ID [--after SEQ] [--stream-url URL]

Prints the run's events, oldest first: seq, time (UTC), type, the task's position, then what
happened (errors whole; outputs and other values cut to the terminal's width).
  -f, --follow        stay connected and print new events live until the run has finished
  --after SEQ         only events after this seq (resume where you left off)
  --stream-url URL    the fanout (default $BATON_STREAM_URL, else the one the API names)
With -o json, one CloudEvent per line (JSON Lines).

${CONNECTION_HELP}
`;

export const STREAM_OPTIONS = { 'stream-url': { type: 'string' } } as const;

export async function run(args: string[], io: CommandIo = processIo): Promise<number> {
  return runApiCommand(USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(args, { ...STREAM_OPTIONS, after: { type: 'string' }, follow: { type: 'boolean', short: 'f' } });
    if (values.help) {
      io.out(USAGE);
      return Exit.ok;
    }
    const connection = connectionFrom(values);
    const [runId = ''] = expectPositionals(positionals, ['RUN_ID']);
    const after = positiveInt(values.after, '--after', 0) ?? 0;
    const print = eventPrinter(connection, io);
    if (!values.follow) {
      const client = clientFor(connection);
      for (let position = after; ; ) {
        const page = await client.listEvents(runId, { after: position });
        if (page.items.length === 0) return Exit.ok;
        for (const event of page.items) print(event);
        position = page.nextAfter;
      }
    }
    await follow(await streamingClient(connection, values['stream-url']), runId, after, print);
    return Exit.ok;
  });
}

/** One line per event, fitted to the terminal if it is one (or one CloudEvent per line with -o json). */
export function eventPrinter(connection: Pick<Connection, 'output'>, io: CommandIo): (event: RunEvent) => void {
  return (event) => io.out(connection.output === 'json' ? `${JSON.stringify(event)}\n` : eventLine(event, io.width));
}

/** A client whose streamEvents reads the fanout's WebSocket (its URL: see resolveStreamUrl). */
export async function streamingClient(connection: Connection, explicitStreamUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<BatonClient> {
  const stream = await resolveStreamUrl(clientFor(connection), explicitStreamUrl, env);
  return new StreamingClient({ baseUrl: connection.url, apiKey: connection.apiKey, streamUrl: stream.url }, stream);
}

/** Says which stream could not be reached and where its URL came from (not "cannot reach Baton"). */
class StreamingClient extends BatonClient {
  constructor(
    options: ConstructorParameters<typeof BatonClient>[0],
    private readonly stream: StreamLocation,
  ) {
    super(options);
  }

  override streamEvents(runId: string, options?: StreamEventsOptions): AsyncIterable<RunEvent> {
    return explainStreamFailure(super.streamEvents(runId, options), this.stream);
  }
}

async function* explainStreamFailure(events: AsyncIterable<RunEvent>, stream: StreamLocation): AsyncGenerator<RunEvent> {
  try {
    yield* events;
  } catch (error) {
    if (!(error instanceof BatonConnectionError) || error.baseUrl !== stream.url) throw error;
    throw new Error(`cannot reach the event stream at ${stream.url} (from ${stream.source}): ${error.reason} — is the fanout running? --stream-url names another one`, { cause: error });
  }
}

export interface StreamLocation {
  url: string;
  /** Where the URL came from, for the message when it cannot be reached. */
  source: '--stream-url' | 'BATON_STREAM_URL' | 'the API (GET /api/v1/info)' | 'the default port 8085';
}

/**
 * --stream-url, else $BATON_STREAM_URL, else the URL the API advertises (GET /api/v1/info: its
 * BATON_STREAM_PUBLIC_URL, or its host on its FANOUT_PORT) — so `--url` alone is enough on any
 * ports. An API too old to advertise it (404): its host on port 8085.
 */
export async function resolveStreamUrl(api: Pick<BatonClient, 'info' | 'baseUrl'>, explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<StreamLocation> {
  if (explicit !== undefined) return { url: checkedStreamUrl(explicit, '--stream-url'), source: '--stream-url' };
  const fromEnv = env.BATON_STREAM_URL?.trim();
  if (fromEnv) return { url: checkedStreamUrl(fromEnv, 'BATON_STREAM_URL'), source: 'BATON_STREAM_URL' };
  try {
    return { url: (await api.info()).streamUrl, source: 'the API (GET /api/v1/info)' };
  } catch (error) {
    if (!(error instanceof BatonApiError && error.status === 404)) throw error;
    const url = new URL(api.baseUrl);
    url.port = '8085';
    return { url: url.origin, source: 'the default port 8085' };
  }
}

function checkedStreamUrl(url: string, where: string): string {
  if (!/^(https?|wss?):\/\//.test(url)) throw new UsageError(`${where}: "${url}" is not an http(s) or ws(s) URL (e.g. http://localhost:8085)`);
  return url;
}

/**
 * Prints events live until the run's terminal event (returned); Ctrl-C stops quietly. The
 * stream resumes after disconnects from the last seq printed, so nothing repeats or goes missing.
 */
export async function follow(client: BatonClient, runId: string, after: number, print: (event: RunEvent) => void): Promise<RunEvent | undefined> {
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  process.once('SIGINT', onInterrupt);
  let last: RunEvent | undefined;
  try {
    for await (const event of client.streamEvents(runId, { after, signal: stop.signal })) {
      print(event);
      last = event;
    }
  } catch (error) {
    if (!stop.signal.aborted) throw error;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  return last && TERMINAL_EVENT_TYPES.has(last.type) ? last : undefined;
}
