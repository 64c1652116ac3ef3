// Human-readable output of the API commands: tables, runs, approvals (events: event-line.ts).
// Pure functions of their arguments (the clock is passed in), so they are unit-tested without a server.
import type { ApiKey, Approval, ApprovalWithAudit, Run } from '@baton/sdk';
import { shortEventType } from './event-line.ts';

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `${l}\n`).join('');
}

/** "2026-11-27 11:20:03" (UTC, to the second): sortable and short. */
export function shortTime(iso: string | undefined): string {
  if (iso === undefined) return '-';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** 850ms, 12.3s, 4m05s, 2h03m, 3d04h. */
export function humanDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}

/** Time the run has taken: from start to end, or to `now` while it runs; "-" before it starts. */
export function runDuration(run: Pick<Run, 'startedAt' | 'endedAt' | 'createdAt'>, now: number): string {
  const start = run.startedAt ?? (run.endedAt ? run.createdAt : undefined);
  if (start === undefined) return '-';
  const end = run.endedAt ? Date.parse(run.endedAt) : now;
  return humanDuration(end - Date.parse(start));
}

export function workflowRef(run: Pick<Run, 'namespace' | 'name' | 'version'>): string {
  return `${run.namespace}/${run.name}@${run.version}`;
}

export function runsTable(runs: Run[], now: number): string {
  const rows = runs.map((run) => [run.id, workflowRef(run), run.status, shortTime(run.createdAt), runDuration(run, now)]);
  return table(['ID', 'WORKFLOW', 'STATUS', 'CREATED', 'DURATION'], rows);
}

/**
 * A run in full: one field per line (with the reason it was cancelled, when known), then its
 * input, and its output or error, as indented JSON.
 */
export function runDetails(run: Run, now: number, cancelReason?: string): string {
  const fields: [string, string | undefined][] = [
    ['id', run.id],
    ['workflow', workflowRef(run)],
    ['status', run.status],
    ['cancel reason', run.status === 'cancelled' ? cancelReason : undefined],
    ['created', shortTime(run.createdAt)],
    ['started', run.startedAt && shortTime(run.startedAt)],
    ['ended', run.endedAt && shortTime(run.endedAt)],
    ['duration', runDuration(run, now)],
    ['idempotency key', run.idempotencyKey],
    ['parent run', run.parentRunId],
    ['rerun of', run.rerunOf],
    ['reset of', run.resetOf && `${run.resetOf.runId} from ${run.resetOf.from}`],
  ];
  let text = fields
    .filter((f): f is [string, string] => f[1] !== undefined)
    .map(([k, v]) => `${`${k}:`.padEnd(17)}${v}\n`)
    .join('');
  text += `input:\n${indentJson(run.input ?? null)}`;
  if (run.status === 'completed' || run.output !== undefined) text += `output:\n${indentJson(run.output ?? null)}`;
  if (run.error !== undefined) text += `error:\n${indentJson(run.error)}`;
  return text;
}

function indentJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
}

/** Compact JSON cut to `max` characters. */
export function shortJson(value: unknown, max = 80): string {
  if (value === undefined) return '';
  const text = JSON.stringify(value) ?? '';
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function keysTable(keys: ApiKey[]): string {
  const rows = keys.map((k) => [k.id, k.name, k.role, k.namespace ?? '*', `${k.prefix}…`, shortTime(k.createdAt), k.revokedAt ? `revoked ${shortTime(k.revokedAt)}` : 'active']);
  return table(['ID', 'NAME', 'ROLE', 'NAMESPACE', 'PREFIX', 'CREATED', 'STATE'], rows);
}

/** "alice, group:ops (2 of 3)": the approvers who may decide now, and how many must approve. */
export function approversLine(approval: Pick<Approval, 'approvers' | 'quorum'>): string {
  const who = approval.approvers.join(', ');
  return approval.approvers.length > 1 ? `${who} (${approval.quorum} of ${approval.approvers.length})` : who;
}

export function approvalsTable(approvals: Approval[]): string {
  const rows = approvals.map((a) => [a.id, a.status, `${a.namespace}/${a.workflow}`, a.task, approversLine(a), shortTime(a.createdAt), a.title]);
  return table(['ID', 'STATUS', 'WORKFLOW', 'TASK', 'APPROVERS', 'CREATED', 'TITLE'], rows);
}

/** An approval in full: one field per line, its decisions, then its audit trail (events of the run's log). */
export function approvalDetails(approval: ApprovalWithAudit): string {
  const fields: [string, string | undefined][] = [
    ['id', approval.id],
    ['title', approval.title],
    ['status', approval.status],
    ['run', approval.runId],
    ['workflow', `${approval.namespace}/${approval.workflow}`],
    ['task', approval.task],
    ['level', String(approval.level)],
    ['approvers', approversLine(approval)],
    ['deadline', approval.deadlineAt && shortTime(approval.deadlineAt)],
    ['created', shortTime(approval.createdAt)],
    ['closed', approval.closedAt && shortTime(approval.closedAt)],
  ];
  let text = fields
    .filter((f): f is [string, string] => f[1] !== undefined)
    .map(([k, v]) => `${`${k}:`.padEnd(11)}${v}\n`)
    .join('');
  if (approval.description !== undefined) text += `description:\n${approval.description.split('\n').map((l) => `  ${l}`.trimEnd()).join('\n')}\n`;
  text += approval.decisions.length === 0 ? 'decisions: none yet\n' : 'decisions:\n';
  for (const d of approval.decisions) {
    const extra = [d.comment !== undefined && `"${d.comment}"`, d.data !== undefined && shortJson(d.data, 60), `via ${d.via}${d.actor ? ` by ${d.actor}` : ''}`].filter(Boolean).join('  ');
    text += `  ${shortTime(d.decidedAt)}  ${d.decision.padEnd(7)}  ${d.approver}  ${extra}\n`;
  }
  if (approval.audit.length > 0) text += `audit:\n${approval.audit.map((e) => `  ${String(e.seq).padStart(4)}  ${shortTime(e.time)}  ${shortEventType(e.type)}\n`).join('')}`;
  return text;
}

/** Pretty JSON with a trailing newline, for `-o json`. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
