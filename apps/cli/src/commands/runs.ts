// `baton runs get ID` and `baton runs list [filters]`.
import { RUN_STATUSES, type BatonClient, type ListRunsQuery, type Run } from '@baton/sdk';
import { CONNECTION_HELP, Exit, UsageError, clientFor, connectionFrom, expectPositionals, parseCommandArgs } from '../api/args.ts';
import { json, runDetails, runsTable } from '../api/format.ts';
import { PAGING_HELP, PAGING_OPTIONS, pageQuery, printListing, statusOption } from '../api/listing.ts';
import { processIo, runApiCommand, type CommandIo } from '../api/report.ts';

export const USAGE = `usage: baton runs get ID
       baton runs list [--status S] [--namespace N] [--name W] [--limit N] [--cursor C | --all]

  --status S     one of ${RUN_STATUSES.join(', ')}
${PAGING_HELP}

${CONNECTION_HELP}
`;

const LIST_OPTIONS = {
  status: { type: 'string' },
  namespace: { type: 'string' },
  name: { type: 'string' },
  ...PAGING_OPTIONS,
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
    const client = clientFor(connection);
    if (sub === 'get') {
      const [id = ''] = expectPositionals(rest, ['ID']);
      const run = await client.getRun(id);
      io.out(connection.output === 'json' ? json(run) : runDetails(run, Date.now(), await cancelReasonOf(client, run)));
      return Exit.ok;
    }
    if (sub === 'list') {
      expectPositionals(rest, []);
      const query = listQuery(values);
      const listing = { page: () => client.listRuns(query), every: () => client.iterateRuns(query), table: (runs: Run[]) => runsTable(runs, Date.now()), noun: 'runs' };
      return printListing(listing, values.all === true, connection, io);
    }
    throw new UsageError(sub === undefined ? 'missing sub-command: get or list' : `unknown sub-command "${sub}": use get or list`);
  });
}

/**
 * Why a cancelled run was cancelled: the reason its workflow.cancelled event carries (the run
 * itself does not keep it), or "none given". That event is the log's last, so the log is read in
 * the largest pages the API gives.
 */
export async function cancelReasonOf(client: Pick<BatonClient, 'listEvents'>, run: Pick<Run, 'id' | 'status'>): Promise<string | undefined> {
  if (run.status !== 'cancelled') return undefined;
  let reason: unknown;
  for (let after = 0; ; ) {
    const page = await client.listEvents(run.id, { after, limit: 1000 });
    if (page.items.length === 0) break;
    for (const event of page.items) if (event.type === CANCELLED) reason = (event.data as { reason?: unknown } | undefined)?.reason;
    after = page.nextAfter;
  }
  return typeof reason === 'string' && reason !== '' ? reason : 'none given';
}

const CANCELLED = 'io.serverlessworkflow.workflow.cancelled.v1';

export function listQuery(values: { status?: string; namespace?: string; name?: string; limit?: string; cursor?: string; all?: boolean }): ListRunsQuery {
  const query: ListRunsQuery = pageQuery(values);
  const status = statusOption(values.status, RUN_STATUSES);
  if (status !== undefined) query.status = status;
  if (values.namespace !== undefined) query.namespace = values.namespace;
  if (values.name !== undefined) query.name = values.name;
  return query;
}
