// `baton reset ID --from POINTER|failed [--idempotency-key KEY]`: start a new run that replays what
// run ID did before a task and executes from that task on (resetOf).
import type { ResetRequest } from '@baton/sdk';
import { CONNECTION_HELP, Exit, UsageError, clientFor, connectionFrom, expectPositionals, parseCommandArgs } from '../api/args.ts';
import { json, workflowRef } from '../api/format.ts';
import { processIo, runApiCommand, type CommandIo } from '../api/report.ts';

export const USAGE = `usage: baton reset ID --from POINTER|failed [--idempotency-key KEY]

Starts a new run of the workflow of run ID — the same version, with the same input — that replays
the recorded results of everything the run completed before the task --from (HTTP responses, agent
turns, approval decisions, child runs, elapsed waits) without executing it again, and executes
from that task on. Run ID must have finished; it is left as it is.
  --from failed          the task that failed (run ID must be faulted)
  --from POINTER         a task the run started, as in the task field of its events (baton logs ID),
                         e.g. /do/2/charge
  --idempotency-key KEY  the same reset again with the same key returns the first one
Follow the new run with: baton logs -f NEW_ID

${CONNECTION_HELP}
`;

export async function run(args: string[], io: CommandIo = processIo): Promise<number> {
  return runApiCommand(USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(args, {
      from: { type: 'string' },
      'idempotency-key': { type: 'string' },
    });
    if (values.help) {
      io.out(USAGE);
      return Exit.ok;
    }
    const connection = connectionFrom(values);
    const [id = ''] = expectPositionals(positionals, ['ID']);
    if (values.from === undefined || values.from === '') throw new UsageError('--from is required: failed, or the JSON pointer of a task the run started (e.g. /do/2/charge)');
    const request: ResetRequest = { from: values.from };
    if (values['idempotency-key'] !== undefined) request.idempotencyKey = values['idempotency-key'];
    const { run, httpStatus } = await clientFor(connection).resetRun(id, request);
    io.out(connection.output === 'json' ? json(run) : `${httpStatus === 201 ? 'started' : 'existing'} run ${run.id}  ${workflowRef(run)}  ${run.status}  (reset of ${id} from ${run.resetOf?.from ?? values.from})\n`);
    return Exit.ok;
  });
}
