// `baton events send --type T --source S [...]`: publishes a CloudEvent (POST /api/v1/events) to
// the runs waiting for it in a `listen` task, and says how many waiting listens received it.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { EventAccepted } from '@baton/sdk';
import { CONNECTION_HELP, Exit, UsageError, clientFor, connectionFrom, expectPositionals, parseCommandArgs, parseJsonArgument } from '../api/args.ts';
import { json } from '../api/format.ts';
import { processIo, runApiCommand, type CommandIo } from '../api/report.ts';
import { readStdin } from '../io.ts';

export const SEND_USAGE = `usage: baton events send --type T --source S [--subject X] [--id ID]
                         [--data JSON | --data-file FILE] [--content-type CT]

Publishes a CloudEvent 1.0 to the runs waiting for it in a \`listen\` task (POST /api/v1/events).
  --type T            the event type, e.g. com.example.order.paid (required)
  --source S          who sends it, e.g. https://shop.example/orders (required)
  --subject X         the subject attribute
  --id ID             the event id (default: a new UUID); a listen ignores a second event
                      with the same source and id
  --data JSON         the event's data (- reads it from stdin)
  --data-file FILE    read the data from a file (- for stdin)
  --content-type CT   datacontenttype (default application/json when there is data); data of a
                      non-JSON type (text/plain …) is sent as it is, as a string
The time is now and the specversion 1.0. Prints the event id and how many waiting listens
received it — an event nobody waits for is not kept (exit 0). With -o json, the API's answer.

${CONNECTION_HELP}
`;

export const SEND_OPTIONS = {
  type: { type: 'string' },
  source: { type: 'string' },
  subject: { type: 'string' },
  id: { type: 'string' },
  data: { type: 'string' },
  'data-file': { type: 'string' },
  'content-type': { type: 'string' },
} as const;

/** The event as posted: the attributes given, id and time filled in (a type: the SDK takes any attributes). */
export type OutgoingEvent = {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string;
  datacontenttype?: string;
  data?: unknown;
};

/** `args` are those of `baton events`, `send` among them as the first positional. */
export async function send(args: string[], io: CommandIo = processIo, stdin: () => Promise<string> = readStdin): Promise<number> {
  return runApiCommand(SEND_USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(args, SEND_OPTIONS);
    if (values.help) {
      io.out(SEND_USAGE);
      return Exit.ok;
    }
    const connection = connectionFrom(values);
    expectPositionals(positionals, ['send']);
    const event = await eventFrom(values, stdin);
    const accepted = await clientFor(connection).postEvent(event);
    io.out(connection.output === 'json' ? json(accepted) : sentLine(event, accepted));
    return Exit.ok;
  });
}

export async function eventFrom(
  values: { type?: string; source?: string; subject?: string; id?: string; data?: string; 'data-file'?: string; 'content-type'?: string },
  stdin: () => Promise<string> = readStdin,
  now: () => Date = () => new Date(),
): Promise<OutgoingEvent> {
  const type = required(values.type, '--type', 'the event type, e.g. com.example.order.paid');
  const source = required(values.source, '--source', 'who sends the event, e.g. https://shop.example/orders');
  const id = values.id === undefined ? randomUUID() : required(values.id, '--id', 'the event id');
  const event: OutgoingEvent = { specversion: '1.0', id, source, type, time: now().toISOString() };
  if (values.subject !== undefined) event.subject = values.subject;
  const contentType = values['content-type'] === undefined ? undefined : required(values['content-type'], '--content-type', 'a media type, e.g. text/plain');
  const data = await dataText(values.data, values['data-file'], stdin);
  if (data === undefined) {
    if (contentType !== undefined) throw new UsageError('--content-type describes the data: give --data or --data-file too');
    return event;
  }
  event.datacontenttype = contentType ?? 'application/json';
  event.data = isJsonMediaType(event.datacontenttype) ? parseJsonArgument(data.text, data.where) : data.text;
  return event;
}

/** application/json, text/json, anything +json (with or without parameters). */
export function isJsonMediaType(contentType: string): boolean {
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  return essence === 'application/json' || essence === 'text/json' || essence.endsWith('+json');
}

async function dataText(inline: string | undefined, file: string | undefined, stdin: () => Promise<string>): Promise<{ text: string; where: string } | undefined> {
  if (inline !== undefined && file !== undefined) throw new UsageError('give --data or --data-file, not both');
  if (inline === '-' || file === '-') return { text: await stdin(), where: 'the data on stdin' };
  if (inline !== undefined) return { text: inline, where: '--data' };
  if (file === undefined) return undefined;
  try {
    return { text: await readFile(file, 'utf8'), where: `--data-file ${file}` };
  } catch (error) {
    throw new UsageError(`--data-file ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

function required(value: string | undefined, option: string, what: string): string {
  if (value === undefined) throw new UsageError(`missing ${option} (${what})`);
  if (value.trim() === '') throw new UsageError(`${option} must not be empty (${what})`);
  return value;
}

/** "sent event ID (TYPE): delivered to N waiting listens". */
export function sentLine(event: Pick<OutgoingEvent, 'id' | 'type'>, accepted: EventAccepted): string {
  const started = accepted.runs ?? [];
  const delivered =
    accepted.matched === 0
      ? started.length === 0
        ? 'no run was waiting for it (it is not kept for later listens)'
        : undefined
      : `delivered to ${accepted.matched} waiting listen${accepted.matched === 1 ? '' : 's'}`;
  const runs = started.length === 0 ? undefined : `started ${started.length === 1 ? 'run' : `${started.length} runs`} ${started.join(', ')} (scheduled on it)`;
  return `sent event ${event.id} (${event.type}): ${[delivered, runs].filter(Boolean).join('; ')}\n`;
}
