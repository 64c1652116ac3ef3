// `baton approvals list|get` and `baton approve|reject ID`: the human approvals that runs wait for
// (`call: approval:1.0.0@default`, docs/APPROVALS.md), listed and decided through the API.
import { APPROVAL_STATUSES, type Approval, type DecisionRequest, type ListApprovalsQuery } from '@baton/sdk';
import { CONNECTION_HELP, Exit, UsageError, clientFor, connectionFrom, expectPositionals, parseCommandArgs, parseJsonArgument } from '../api/args.ts';
import { approvalDetails, approvalsTable, approversLine, json } from '../api/format.ts';
import { PAGING_HELP, PAGING_OPTIONS, pageQuery, printListing, statusOption } from '../api/listing.ts';
import { processIo, runApiCommand, type CommandIo } from '../api/report.ts';

export const USAGE = `usage: baton approvals list [--status S] [--run ID] [--approver A] [--namespace N] [--limit N] [--cursor C | --all]
       baton approvals get ID

  --status S     one of ${APPROVAL_STATUSES.join(', ')} (an inbox: --status pending --approver A)
  --run ID       the approvals of one run
  --approver A   approvals whose current level lists A
${PAGING_HELP}
Decide with: baton approve ID / baton reject ID (see baton approve --help).

${CONNECTION_HELP}
`;

export const DECIDE_USAGE = `usage: baton approve ID [--comment TEXT] [--approver A] [--data JSON]
       baton reject ID [--comment TEXT] [--approver A] [--data JSON]

Records a decision on an approval (ids: baton approvals list --status pending).
  --comment TEXT   kept with the decision and given to the run
  --approver A     on whose behalf: one of the current level's approvers (needed when there are several)
  --data JSON      the approval form's data, a JSON object (checked against the form)
The approval closes once enough approvers approved, or at the first rejection. A refused
decision (closed, already decided, not an approver, invalid data) changes nothing and exits 1.

${CONNECTION_HELP}
`;

const LIST_OPTIONS = {
  status: { type: 'string' },
  run: { type: 'string' },
  approver: { type: 'string' },
  namespace: { type: 'string' },
  ...PAGING_OPTIONS,
} as const;

export async function run(args: string[], io: CommandIo = processIo): Promise<number> {
  return runApiCommand(USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(args, LIST_OPTIONS);
    if (values.help) {
      io.out(USAGE);
      return Exit.ok;
    }
    const connection = connectionFrom(values);
    const client = clientFor(connection);
    const [sub, ...rest] = positionals;
    if (sub === 'get') {
      const [id = ''] = expectPositionals(rest, ['ID']);
      const approval = await client.getApproval(id);
      io.out(connection.output === 'json' ? json(approval) : approvalDetails(approval));
      return Exit.ok;
    }
    if (sub === 'list') {
      expectPositionals(rest, []);
      const query = approvalsQuery(values);
      const listing = { page: () => client.listApprovals(query), every: () => client.iterateApprovals(query), table: approvalsTable, noun: 'approvals' };
      return printListing(listing, values.all === true, connection, io);
    }
    throw new UsageError(sub === undefined ? 'missing sub-command: list or get' : `unknown sub-command "${sub}": use list or get`);
  });
}

export function approvalsQuery(values: { status?: string; run?: string; approver?: string; namespace?: string; limit?: string; cursor?: string; all?: boolean }): ListApprovalsQuery {
  const query: ListApprovalsQuery = pageQuery(values);
  const status = statusOption(values.status, APPROVAL_STATUSES);
  if (status !== undefined) query.status = status;
  if (values.run !== undefined) query.runId = values.run;
  if (values.approver !== undefined) query.approver = values.approver;
  if (values.namespace !== undefined) query.namespace = values.namespace;
  return query;
}

export const approve = (args: string[], io: CommandIo = processIo) => decide('approve', args, io);
export const reject = (args: string[], io: CommandIo = processIo) => decide('reject', args, io);

async function decide(decision: DecisionRequest['decision'], args: string[], io: CommandIo): Promise<number> {
  return runApiCommand(DECIDE_USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(args, { comment: { type: 'string' }, approver: { type: 'string' }, data: { type: 'string' } });
    if (values.help) {
      io.out(DECIDE_USAGE);
      return Exit.ok;
    }
    const connection = connectionFrom(values);
    const [id = ''] = expectPositionals(positionals, ['ID']);
    const request: DecisionRequest = { decision, comment: values.comment, approver: values.approver, data: formData(values.data) };
    const approval = await clientFor(connection).decideApproval(id, request);
    io.out(connection.output === 'json' ? json(approval) : decisionLine(approval, request));
    return Exit.ok;
  });
}

function formData(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  const data = parseJsonArgument(text, '--data');
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new UsageError('--data must be a JSON object, e.g. {"amount": 120}');
  return data as Record<string, unknown>;
}

/** What the decision did: it closed the approval, or the approval waits for more approvers. */
export function decisionLine(approval: Approval, request: DecisionRequest): string {
  // Without --approver the level had one approver, whose decision is the newest.
  const approver = request.approver ?? approval.decisions.at(-1)?.approver;
  const verb = request.decision === 'approve' ? 'approved' : 'rejected';
  const approvals = approval.decisions.filter((d) => d.level === approval.level && d.decision === 'approve').length;
  const state = approval.status === 'pending' ? `still pending: ${approvals} of ${approval.quorum} approvals from ${approversLine(approval)}` : `now ${approval.status.replace('_', ' ')}`;
  return `${verb} ${approval.id}${approver === undefined ? '' : ` as ${approver}`}; the approval is ${state}\n`;
}
