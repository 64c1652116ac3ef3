// `baton cancel ID [--reason TEXT]`: ask for a run to be cancelled (asynchronous).
import { CONNECTION_HELP, Exit, clientFor, connectionFrom, expectPositionals, parseCommandArgs } from '../api/args.ts';
import { json } from '../api/format.ts';
import { processIo, runApiCommand, type CommandIo } from '../api/report.ts';

export const USAGE = `usage: baton cancel ID [--reason TEXT]

Asks for the run to be cancelled. Cancellation is asynchronous: the run becomes "cancelled"
shortly (see baton runs get ID). A run that has already finished cannot be cancelled (exit 1).

${CONNECTION_HELP}
`;

export async function run(args: string[], io: CommandIo = processIo): Promise<number> {
  return runApiCommand(USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(args, { reason: { type: 'string' } });
    if (values.help) {
      io.out(USAGE);
      return Exit.ok;
    }
    const connection = connectionFrom(values);
    const [id = ''] = expectPositionals(positionals, ['ID']);
    const run = await clientFor(connection).cancelRun(id, values.reason === undefined ? {} : { reason: values.reason });
    io.out(connection.output === 'json' ? json(run) : `cancellation requested for run ${run.id} (status was ${run.status})\n`);
    return Exit.ok;
  });
}
