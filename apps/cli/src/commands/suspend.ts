// `baton suspend ID` / `baton resume ID` [--reason TEXT]: ask for a run to be suspended or resumed
// (asynchronous, as cancel).
import { CONNECTION_HELP, Exit, clientFor, connectionFrom, expectPositionals, parseCommandArgs } from '../api/args.ts';
import { json } from '../api/format.ts';
import { processIo, runApiCommand, type CommandIo } from '../api/report.ts';

export const SUSPEND_USAGE = `usage: baton suspend ID [--reason TEXT]

Asks for the run to be suspended: it dispatches nothing new — tasks already running finish and
are recorded, timers and events still reach it, but the calls, child runs and approvals it starts
meanwhile wait — until baton resume ID. Its child runs are suspended with it. Asynchronous: the
run becomes "suspended" shortly (see baton runs get ID). A finished run cannot be suspended (exit 1).

${CONNECTION_HELP}
`;

export const RESUME_USAGE = `usage: baton resume ID [--reason TEXT]

Asks for a suspended run to be resumed: what it held is started, in the order it decided it, and
its child runs are resumed with it. Resuming a run that is not suspended changes nothing.
Asynchronous. A finished run cannot be resumed (exit 1).

${CONNECTION_HELP}
`;

async function act(action: 'suspend' | 'resume', args: string[], io: CommandIo): Promise<number> {
  const usage = action === 'suspend' ? SUSPEND_USAGE : RESUME_USAGE;
  return runApiCommand(usage, io, async () => {
    const { values, positionals } = parseCommandArgs(args, { reason: { type: 'string' } });
    if (values.help) {
      io.out(usage);
      return Exit.ok;
    }
    const connection = connectionFrom(values);
    const [id = ''] = expectPositionals(positionals, ['ID']);
    const client = clientFor(connection);
    const options = values.reason === undefined ? {} : { reason: values.reason };
    const run = action === 'suspend' ? await client.suspendRun(id, options) : await client.resumeRun(id, options);
    io.out(connection.output === 'json' ? json(run) : `${action} requested for run ${run.id} (status was ${run.status})\n`);
    return Exit.ok;
  });
}

export const run = (args: string[], io: CommandIo = processIo) => act('suspend', args, io);
export const resume = (args: string[], io: CommandIo = processIo) => act('resume', args, io);
