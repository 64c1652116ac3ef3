// `baton runs get ID` and `baton runs list [filters]`.
import { RUN_STATUSES, type BatonClient, type ListRunsQuery, type Run, type RunStatus } from '@baton/sdk';
import { CONNECTION_HELP, Exit, UsageError, clientFor, connectionFrom, expectPositionals, parseCommandArgs, positiveInt, type Connection } from '../api/args.ts';
import { json, runDetails, runsTable } from '../api/format.ts';
import { processIo, runApiCommand, type CommandIo } from '../api/report.ts';

export const USAGE = `usage: baton runs get ID
       baton runs list [--status S] [--namespace N] [--name W] [--limit N] [--cursor C | --all]

  --status S     one of ${RUN_STATUSES.join(', ')}
  --limit N      runs per page (default 50)
  --all          every matching run, page after page

${CONNECTION_HELP}
`;

const LIST_OPTIONS = {
  status: { type: 'string' },
  namespace: { type: 'string' },
  name: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  all: { type: 'boolean' },
} as const;

export async function run(args: string[], io: CommandIo = processIo): Promise<number> {
  return runApiCommand(USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(args, LIST_OPTIONS);
    const [sub, ...rest] = positionals;
    if (values.help) {
      io.out(USAGE);
      return Exit.ok;
    }
    const connection = connectionFrom(values);
    if (sub === 'get') {
      const [id = ''] = expectPositionals(rest, ['ID']);
      const run = await clientFor(connection).getRun(id);
      io.out(connection.output === 'json' ? json(run) : runDetails(run, Date.now()));
      return Exit.ok;
    }
    if (sub === 'list') {
      expectPositionals(rest, []);
      return listRuns(clientFor(connection), connection, listQuery(values), values.all === true, io);
    }
    throw new UsageError(sub === undefined ? 'missing sub-command: get or list' : `unknown sub-command "${sub}": use get or list`);
  });
}

export function listQuery(values: { status?: string; namespace?: string; name?: string; limit?: string; cursor?: string; all?: boolean }): ListRunsQuery {
  if (values.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(values.status)) {
    throw new UsageError(`--status must be one of ${RUN_STATUSES.join(', ')}, got "${values.status}"`);
  }
  if (values.all && values.cursor !== undefined) throw new UsageError('give --cursor or --all, not both');
  const query: ListRunsQuery = {};
  if (values.status !== undefined) query.status = values.status as RunStatus;
  if (values.namespace !== undefined) query.namespace = values.namespace;
  if (values.name !== undefined) query.name = values.name;
  const limit = positiveInt(values.limit, '--limit');
  if (limit !== undefined) query.limit = limit;
  if (values.cursor !== undefined) query.cursor = values.cursor;
  return query;
}

async function listRuns(client: BatonClient, connection: Connection, query: ListRunsQuery, all: boolean, io: CommandIo): Promise<number> {
  let runs: Run[];
  let nextCursor: string | undefined;
  if (all) {
    runs = [];
    for await (const run of client.iterateRuns(query)) runs.push(run);
  } else {
    ({ items: runs, nextCursor } = await client.listRuns(query));
  }
  if (connection.output === 'json') {
    io.out(json(all ? runs : { items: runs, ...(nextCursor !== undefined && { nextCursor }) }));
    return Exit.ok;
  }
  io.out(runs.length === 0 ? 'no runs\n' : runsTable(runs, Date.now()));
  if (nextCursor !== undefined) io.err(`more runs: add --all, or --cursor ${nextCursor}\n`);
  return Exit.ok;
}
