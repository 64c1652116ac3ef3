// `baton rerun ID [--input JSON | --input-file FILE] [--latest] [--idempotency-key KEY]`: start a
// new run of a run's workflow, linked to it (rerunOf).
import type { RerunRequest } from '@baton/sdk';
import { CONNECTION_HELP, Exit, clientFor, connectionFrom, expectPositionals, parseCommandArgs } from '../api/args.ts';
import { json, workflowRef } from '../api/format.ts';
import { processIo, runApiCommand, type CommandIo } from '../api/report.ts';
import { readInput } from './run.ts';

export const USAGE = `usage: baton rerun ID [--input JSON | --input-file FILE] [--latest] [--idempotency-key KEY]

Starts a new run of the workflow of run ID — the same version, with the same input — linked to it
(its rerunOf; baton runs get shows it). The run ID is left as it is.
  --input JSON           another input
  --input-file FILE      read another input from a JSON file (- for stdin)
  --latest               run the highest registered version of the workflow instead
  --idempotency-key KEY  the same rerun again with the same key returns the first one
Follow the new run with: baton logs -f NEW_ID

${CONNECTION_HELP}
`;

export async function run(args: string[], io: CommandIo = processIo): Promise<number> {
  return runApiCommand(USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(args, {
      input: { type: 'string' },
      'input-file': { type: 'string' },
      latest: { type: 'boolean' },
      'idempotency-key': { type: 'string' },
    });
    if (values.help) {
      io.out(USAGE);
      return Exit.ok;
    }
    const connection = connectionFrom(values);
    const [id = ''] = expectPositionals(positionals, ['ID']);
    const request: RerunRequest = {};
    const input = await readInput(values.input, values['input-file']);
    if (input !== undefined) request.input = input;
    if (values.latest) request.version = 'latest';
    if (values['idempotency-key'] !== undefined) request.idempotencyKey = values['idempotency-key'];
    const { run, httpStatus } = await clientFor(connection).rerunRun(id, request);
    io.out(connection.output === 'json' ? json(run) : `${httpStatus === 201 ? 'started' : 'existing'} run ${run.id}  ${workflowRef(run)}  ${run.status}  (rerun of ${id})\n`);
    return Exit.ok;
  });
}
