// `baton events ID [--after SEQ] [--follow]`: a run's event log, one line per event.
// `baton events send …` (events-send.ts) publishes a CloudEvent instead.
import { parseArgs } from 'node:util';
import type { BatonClient, RunEvent } from '@baton/sdk';
import { CONNECTION_HELP, CONNECTION_OPTIONS, Exit, clientFor, connectionFrom, expectPositionals, parseCommandArgs, positiveInt } from '../api/args.ts';
import { processIo, runApiCommand, type CommandIo } from '../api/report.ts';
import { SEND_OPTIONS, send } from './events-send.ts';
import { eventPrinter } from './logs.ts';

export const USAGE = `usage: baton events ID [--after SEQ] [--follow]
       baton events send --type T --source S [--data JSON] …   (see baton events send --help)

Prints the run's events, oldest first: seq, time (UTC), type, the task's position, then what
happened (errors whole; outputs and other values cut to the terminal's width).
  --after SEQ   only events after this seq (resume where you left off)
  -f, --follow  keep printing new events until the run has finished
With -o json, one CloudEvent per line (JSON Lines).
\`send\` publishes a CloudEvent to the runs waiting for it in a \`listen\` task.

${CONNECTION_HELP}
`;

const READ_OPTIONS = { after: { type: 'string' }, follow: { type: 'boolean', short: 'f' } } as const;

export async function run(args: string[], io: CommandIo = processIo): Promise<number> {
  if (isSend(args)) return send(args, io);
  return runApiCommand(USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(args, READ_OPTIONS);
    if (values.help) {
      io.out(USAGE);
      return Exit.ok;
    }
    const connection = connectionFrom(values);
    const [id = ''] = expectPositionals(positionals, ['ID']);
    const after = positiveInt(values.after, '--after', 0) ?? 0;
    const client = clientFor(connection);
    const print = eventPrinter(connection, io);
    const events = values.follow ? followWithInterrupt(client, id, after) : eventsSoFar(client, id, after);
    for await (const event of events) print(event);
    return Exit.ok;
  });
}

/**
 * `send` as the first positional (run ids are UUIDs). Options may come before it (the global
 * ones always do), so the arguments are read leniently with every option of both forms: an
 * option's value is never taken for the sub-command.
 */
export function isSend(args: string[]): boolean {
  const options = { ...CONNECTION_OPTIONS, ...READ_OPTIONS, ...SEND_OPTIONS };
  const { positionals } = parseArgs({ args, options, allowPositionals: true, strict: false });
  return positionals[0] === 'send';
}

/** The events logged so far, page after page. */
async function* eventsSoFar(client: BatonClient, runId: string, after: number): AsyncGenerator<RunEvent> {
  let position = after;
  while (true) {
    const page = await client.listEvents(runId, { after: position });
    if (page.items.length === 0) return;
    yield* page.items;
    position = page.nextAfter;
  }
}

/** Follows until the run ends; Ctrl-C ends the stream quietly instead of with a stack trace. */
async function* followWithInterrupt(client: BatonClient, runId: string, after: number): AsyncGenerator<RunEvent> {
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  process.once('SIGINT', onInterrupt);
  try {
    yield* client.streamEvents(runId, { after, signal: stop.signal });
  } catch (error) {
    if (!stop.signal.aborted) throw error;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
