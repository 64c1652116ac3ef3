// One human line per run event (`baton events`, `logs`, `run --follow/--watch`):
//
//    7  2026-12-03 23:52:19.153  task.faulted        /do/1/check  HTTP call failed: GET … (503)
//
// seq, time (UTC), short type, where (the task's position, or the workflow), then what happened:
// an error's title and detail, a cancel reason, a tool's name, an agent's tokens. Those are never
// cut; only values (outputs, arguments, other data) are, to the terminal's width on a TTY and to
// VALUE_LIMIT characters otherwise (`-o json` prints everything).
import type { RunEvent } from '@baton/sdk';

/** Longest value shown when the output is not a terminal. */
export const VALUE_LIMIT = 300;
/** A value is never cut shorter than this, however narrow the terminal. */
const MIN_VALUE = 24;
const TYPE_WIDTH = 19;
const TYPE_PREFIXES = ['io.serverlessworkflow.', 'dev.baton.', 'io.baton.'];

/** `io.serverlessworkflow.task.started.v1` → `task.started`. */
export function shortEventType(type: string): string {
  let short = type;
  for (const prefix of TYPE_PREFIXES) if (short.startsWith(prefix)) short = short.slice(prefix.length);
  return short.replace(/\.v\d+$/, '');
}

/** What an event is about and what it says: `text` is kept whole, `value` may be cut. */
interface Summary {
  where?: string;
  text?: string;
  value?: unknown;
  /** Written before the value: "output", "arguments" … */
  label?: string;
}

/** The line of one event. `width`: the terminal's columns (undefined when not a terminal). */
export function eventLine(event: RunEvent, width?: number): string {
  const time = event.time.length >= 23 ? event.time.slice(0, 23).replace('T', ' ') : event.time;
  const type = shortEventType(event.type);
  const summary = summarize(type, record(event.data));
  const head = [`${String(event.seq).padStart(4)}  ${time}  ${type.padEnd(TYPE_WIDTH)}`, summary.where, summary.text].filter((part) => part !== undefined && part !== '').join('  ');
  if (summary.value === undefined) return `${head.trimEnd()}\n`;
  const label = summary.label ? `${summary.label} ` : '';
  const room = width === undefined ? VALUE_LIMIT : Math.max(MIN_VALUE, width - head.length - label.length - 3);
  return `${head}  ${label}${cut(compactJson(summary.value), room)}\n`;
}

function summarize(type: string, data: Record<string, unknown>): Summary {
  const task = taskWhere(data);
  switch (type) {
    case 'workflow.started':
      return { where: workflowOf(data) };
    case 'workflow.completed':
      return { label: 'output', value: data.output };
    case 'workflow.faulted':
      return { text: errorText(data.error) };
    case 'workflow.cancelled':
      return typeof data.reason === 'string' ? { text: `reason: ${data.reason}` } : {};
    case 'task.completed':
      return { where: task, label: 'output', value: data.output };
    case 'task.faulted':
      return { where: task, text: errorText(data.error, typeof data.task === 'string' ? data.task : undefined) };
    case 'task.created':
    case 'task.started':
    case 'task.retried':
    case 'task.cancelled':
      return { where: task };
    case 'agent.token':
      return { where: task, text: `turn ${String(data.turn)}: ${JSON.stringify(data.text)}` };
    case 'agent.turn.completed':
      return { where: task, text: turnText(data) };
    case 'agent.tool.called':
      return { where: task, text: `turn ${String(data.turn)}: ${String(data.name)}`, label: 'arguments', value: data.arguments };
    case 'agent.tool.result':
      return { where: task, text: `turn ${String(data.turn)}: ${String(data.name)} ${data.ok === false ? 'failed' : 'ok'}${data.truncated ? ' (truncated)' : ''}`, value: data.content };
    default:
      return genericSummary(data, task);
  }
}

/** `/do/1/check`, or `/do/1/check (greet)` when the name is not the position's last step. */
function taskWhere(data: Record<string, unknown>): string | undefined {
  if (typeof data.task !== 'string') return undefined;
  const name = typeof data.name === 'string' ? data.name : undefined;
  return name === undefined || data.task.endsWith(`/${name}`) ? data.task : `${data.task} (${name})`;
}

function workflowOf(data: Record<string, unknown>): string | undefined {
  const definition = record(data.definition);
  if (typeof definition.namespace === 'string' && typeof definition.name === 'string') return `${definition.namespace}/${definition.name}@${String(definition.version ?? '?')}`;
  return typeof data.name === 'string' ? data.name : undefined;
}

/** "Title: detail (status)", and where it was raised when that is not the task the line is about. */
export function errorText(error: unknown, at?: string): string {
  const e = record(error);
  const title = typeof e.title === 'string' ? e.title : typeof e.type === 'string' ? e.type.replace(/^.*\//, '') : 'error';
  const detail = typeof e.detail === 'string' && e.detail !== title ? `: ${e.detail}` : '';
  const status = typeof e.status === 'number' ? ` (${e.status})` : '';
  const where = typeof e.instance === 'string' && e.instance !== '' && e.instance !== at ? ` at ${e.instance}` : '';
  return `${title}${detail}${status}${where}`;
}

function turnText(data: Record<string, unknown>): string {
  const usage = record(data.usage);
  const parts = [`turn ${String(data.turn)}: ${String(data.model ?? '?')}`, `finish ${String(data.finishReason ?? '?')}`];
  if (typeof data.toolCalls === 'number' && data.toolCalls > 0) parts.push(`${data.toolCalls} tool call${data.toolCalls === 1 ? '' : 's'}`);
  if (typeof usage.totalTokens === 'number') parts.push(`${usage.totalTokens} tokens${typeof usage.costUsd === 'number' ? ` ($${usage.costUsd.toFixed(4)})` : ''}`);
  return parts.join(', ');
}

/** Other types (approvals, custom): scalars as key=value, kept whole; objects as a value that may be cut. */
function genericSummary(data: Record<string, unknown>, task: string | undefined): Summary {
  const scalars: string[] = [];
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (key === 'workflow' || (key === 'task' && task !== undefined) || (key === 'name' && task !== undefined)) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') scalars.push(`${key}=${typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : String(value)}`);
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) scalars.push(`${key}=${value.join(',')}`);
    else if (value !== undefined) rest[key] = value;
  }
  return { where: task, text: scalars.join(' '), ...(Object.keys(rest).length > 0 && { value: rest }) };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function compactJson(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
