// `baton logs [-f] RUN [--after SEQ]`: a run's events, one line each; with -f, live from the
// fanout's WebSocket (port 8085) until the run ends, resuming by itself after a disconnect.
import { BatonClient, TERMINAL_EVENT_TYPES, type RunEvent } from '@baton/sdk';
import { CONNECTION_HELP, Exit, UsageError, expectPositionals, connectionFrom, parseCommandArgs, positiveInt, type Connection } from '../api/args.ts';
import { eventLine } from '../api/format.ts';
import { processIo, runApiCommand, type CommandIo } from '../api/report.ts';

export const USAGE = `usage: baton logs [-f] RUN_ID [--after SEQ] [--stream-url URL]

Prints the run's events (seq, time, type, data), oldest first.
  -f, --follow        stay connected and print new events live until the run has finished
  --after SEQ         only events after this seq (resume where you left off)
  --stream-url URL    the fanout (default $BATON_STREAM_URL, else the API URL on port 8085)
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
    const client = streamingClient(connection, values['stream-url']);
    const print = eventPrinter(connection, io);
    if (!values.follow) {
      for (let position = after; ; ) {
        const page = await client.listEvents(runId, { after: position });
        if (page.items.length === 0) return Exit.ok;
        for (const event of page.items) print(event);
        position = page.nextAfter;
      }
    }
    await follow(client, runId, after, print);
    return Exit.ok;
  });
}

/** One line per event (or one CloudEvent per line with -o json). */
export function eventPrinter(connection: Connection, io: CommandIo): (event: RunEvent) => void {
  return (event) => io.out(connection.output === 'json' ? `${JSON.stringify(event)}\n` : eventLine(event));
}

/** A client whose streamEvents reads the fanout's WebSocket. */
export function streamingClient(connection: Connection, explicitStreamUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): BatonClient {
  return new BatonClient({ baseUrl: connection.url, apiKey: connection.apiKey, streamUrl: streamUrlFor(connection.url, explicitStreamUrl, env) });
}

/** --stream-url, else $BATON_STREAM_URL, else the API's host on the fanout's port (8085). */
export function streamUrlFor(apiUrl: string, explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicit ?? (env.BATON_STREAM_URL || undefined);
  if (chosen !== undefined) {
    if (!/^(https?|wss?):\/\//.test(chosen)) throw new UsageError(`--stream-url: "${chosen}" is not an http(s) or ws(s) URL (e.g. http://localhost:8085)`);
    return chosen;
  }
  const url = new URL(apiUrl);
  url.port = '8085';
  url.pathname = '/';
  return url.toString().replace(/\/$/, '');
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
