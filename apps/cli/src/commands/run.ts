// `baton run NAMESPACE/NAME[@VERSION]`: start a run; with --wait, wait for its outcome.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isTerminalStatus, isoDurationFromMs, parseDuration, type BatonClient, type Run, type StartRunRequest } from '@baton/sdk';
import { CONNECTION_HELP, Exit, UsageError, clientFor, connectionFrom, expectPositionals, parseCommandArgs, parseJsonArgument, type Connection } from '../api/args.ts';
import { humanDuration, json, runDetails, workflowRef } from '../api/format.ts';
import { readStdin } from '../io.ts';
import { STREAM_OPTIONS, eventPrinter, streamingClient } from './logs.ts';
import { processIo, runApiCommand, type CommandIo } from '../api/report.ts';

/** A bare --wait waits this long. */
export const DEFAULT_WAIT_MS = 10 * 60_000;

export const USAGE = `usage: baton run NAMESPACE/NAME[@VERSION] [--input JSON | --input-file FILE] [--wait [DURATION] | --follow | --watch] [--idempotency-key KEY] [--priority N]

Starts a run of a registered workflow (the highest version unless @VERSION is given).
  --input JSON           the workflow input (default {})
  --input-file FILE      read the input from a JSON file (- for stdin)
  --wait [DURATION]      wait for the outcome: 30s, 5m, PT1M30S … (default ${humanDuration(DEFAULT_WAIT_MS)})
  -f, --follow           print the run's events as they happen, then the finished run
  --watch                the same, live over the fanout's WebSocket (--stream-url URL; default
                         $BATON_STREAM_URL, else the one the API names)
  --idempotency-key KEY  starting again with the same key returns the first run
  --priority N           among runs queued on a concurrency key, higher starts first (default 0)
exit: 0 started (with --wait/--follow: completed), 1 faulted/cancelled or error, 2 usage, 3 still running after the wait

${CONNECTION_HELP}
`;

export interface WorkflowTarget {
  namespace: string;
  name: string;
  version?: string;
}

export function parseTarget(text: string): WorkflowTarget {
  const match = /^([^/@\s]+)\/([^/@\s]+)(?:@([^/@\s]+))?$/.exec(text);
  if (!match) throw new UsageError(`"${text}" is not NAMESPACE/NAME[@VERSION] (e.g. demo/hello or demo/hello@1.0.0)`);
  const [, namespace = '', name = '', version] = match;
  return version === undefined ? { namespace, name } : { namespace, name, version };
}

const WAIT_DEFAULT = '\0default';

/**
 * `--wait` takes an optional value, which parseArgs cannot express: a `--wait` not followed by
 * a duration becomes `--wait=<default>`.
 */
export function normalizeWaitFlag(args: string[]): string[] {
  return args.flatMap((arg, i) => {
    if (arg !== '--wait') return [arg];
    const next = args[i + 1];
    return next !== undefined && parseDuration(next) !== undefined ? [arg] : [`--wait=${WAIT_DEFAULT}`];
  });
}

/** `--priority N`: an integer (the API bounds it). */
export function priorityOf(value: string): number {
  if (!/^[+-]?\d{1,7}$/.test(value.trim())) throw new UsageError(`--priority: "${value}" is not an integer (e.g. 10, -5)`);
  return Number(value);
}

export function waitMsOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === WAIT_DEFAULT) return DEFAULT_WAIT_MS;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new UsageError(`--wait: "${value}" is not a duration (30s, 5m, 1h, PT1M30S …)`);
  return ms;
}

export async function readInput(inline: string | undefined, file: string | undefined, stdin: () => Promise<string> = readStdin): Promise<unknown> {
  if (inline !== undefined && file !== undefined) throw new UsageError('give --input or --input-file, not both');
  if (inline === undefined && file === undefined) return undefined;
  const [text, where] = inline !== undefined ? [inline, '--input'] : [file === '-' ? await stdin() : await readInputFile(file!), file!];
  return parseJsonArgument(text, where);
}

async function readInputFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--input-file ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

export async function run(args: string[], io: CommandIo = processIo): Promise<number> {
  return runApiCommand(USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(normalizeWaitFlag(args), {
      input: { type: 'string' },
      'input-file': { type: 'string' },
      wait: { type: 'string' },
      follow: { type: 'boolean', short: 'f' },
      watch: { type: 'boolean' },
      ...STREAM_OPTIONS,
      'idempotency-key': { type: 'string' },
      priority: { type: 'string' },
    });
    if (values.help) {
      io.out(USAGE);
      return Exit.ok;
    }
    const connection = connectionFrom(values);
    const [targetText = ''] = expectPositionals(positionals, ['NAMESPACE/NAME[@VERSION]']);
    const request: StartRunRequest = { ...parseTarget(targetText), input: await readInput(values.input, values['input-file']) };
    if (values['idempotency-key'] !== undefined) request.idempotencyKey = values['idempotency-key'];
    if (values.priority !== undefined) request.priority = priorityOf(values.priority);
    const waitMs = waitMsOf(values.wait);
    if (waitMs !== undefined && (values.follow || values.watch)) throw new UsageError('give --wait or --follow/--watch, not both');
    const client = values.watch ? await streamingClient(connection, values['stream-url']) : clientFor(connection);
    if (values.follow || values.watch) return startAndFollow(client, request, connection, io);
    if (waitMs !== undefined) return startAndReport(client, request, waitMs, connection, io);
    const { run, httpStatus } = await client.startRun(request);
    io.out(connection.output === 'json' ? json(run) : `${httpStatus === 201 ? 'started' : 'existing'} run ${run.id}  ${workflowRef(run)}  ${run.status}\n`);
    return Exit.ok;
  });
}

/** 0 completed, 1 faulted or cancelled, 3 not finished. */
export function exitCodeOf(run: Pick<Run, 'status'>): number {
  if (run.status === 'completed') return Exit.ok;
  return isTerminalStatus(run.status) ? Exit.failure : Exit.stillRunning;
}

async function startAndReport(client: BatonClient, request: StartRunRequest, waitMs: number, connection: Connection, io: CommandIo): Promise<number> {
  const run = await startAndWait(client, request, waitMs);
  io.out(connection.output === 'json' ? json(run) : runDetails(run, Date.now()));
  const code = exitCodeOf(run);
  if (code === Exit.stillRunning) {
    io.err(`baton: run ${run.id} has not finished after ${humanDuration(waitMs)} (status ${run.status}); follow it with: baton events ${run.id} --follow\n`);
  }
  return code;
}

/** Prints the run's events as they happen, then the finished run (JSON Lines with -o json). */
async function startAndFollow(client: BatonClient, request: StartRunRequest, connection: Connection, io: CommandIo): Promise<number> {
  const { run: started } = await client.startRun(request);
  const asJson = connection.output === 'json';
  if (!asJson) io.out(`run ${started.id}  ${workflowRef(started)}\n`);
  const print = eventPrinter(connection, io);
  for await (const event of client.streamEvents(started.id)) print(event);
  const run = await client.getRun(started.id);
  io.out(asJson ? `${JSON.stringify(run)}\n` : `\n${runDetails(run, Date.now())}`);
  return exitCodeOf(run);
}

/**
 * Starts the run and waits up to `waitMs` for it to finish. The server bounds one wait
 * (BATON_MAX_WAIT), so a longer wait repeats the start with the same idempotency key, which
 * answers with the same run and waits again — never a second run.
 */
export async function startAndWait(client: BatonClient, request: StartRunRequest, waitMs: number, now: () => number = Date.now): Promise<Run> {
  const deadline = now() + waitMs;
  const keyed = { ...request, idempotencyKey: request.idempotencyKey ?? `cli-${randomUUID()}` };
  let { run } = await client.startRun({ ...keyed, wait: isoDurationFromMs(waitMs) });
  for (let remaining = deadline - now(); !isTerminalStatus(run.status) && remaining > 0; remaining = deadline - now()) {
    ({ run } = await client.startRun({ ...keyed, wait: isoDurationFromMs(remaining) }));
  }
  return run;
}
