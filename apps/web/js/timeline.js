// The run's event log as timeline entries (pure, no DOM). Agent token events of one turn fold into
// a single entry whose text grows; every other event is one entry. An event whose data has
// `replayedFrom` (a reset's record of what the run reset did) carries `replayed`. Unit-tested in tests/web.
import { formatDuration } from './format.js';
import { keyText, replayedFrom } from './run-ops.js';

const WF = 'io.serverlessworkflow.workflow.';
const TASK = 'io.serverlessworkflow.task.';
const AGENT = 'dev.baton.agent.';
const APPROVAL = 'dev.baton.approval.';
/** A run waiting for a slot of its concurrency key; a task attempt held back by a rate limit (docs/OPERATIONS.md). */
const RUN_QUEUED = 'dev.baton.run.queued.v1';
const RATE_LIMITED = 'dev.baton.task.rate-limited.v1';
/** Members every task event carries, shown in the entry's title rather than in its details. */
const TASK_KEYS = ['workflow', 'task', 'name', 'createdAt', 'startedAt', 'completedAt', 'faultedAt', 'cancelledAt', 'retriedAt'];

export function createTimeline() {
  return { entries: [], tokenEntries: new Map(), lastSeq: 0, terminal: undefined };
}

/**
 * Adds events in seq order; an event at or below the last seq is a duplicate (a replay overlapping
 * a poll) and is skipped. Returns the entries added and the token entries whose text grew.
 */
export function addEvents(timeline, events) {
  const added = [];
  const grown = new Set();
  for (const event of events) {
    if (typeof event?.seq !== 'number' || event.seq <= timeline.lastSeq) continue;
    timeline.lastSeq = event.seq;
    if (event.type.startsWith(WF) && /\.(completed|faulted|cancelled)\.v1$/.test(event.type)) timeline.terminal = event;
    if (event.type === `${AGENT}token.v1`) {
      const entry = appendTokens(timeline, event);
      if (entry.seq === event.seq) added.push(entry);
      else grown.add(entry);
      continue;
    }
    const entry = { seq: event.seq, time: event.time, type: event.type, ...describeEvent(event) };
    const replayed = replayedFrom(event.data);
    if (replayed) entry.replayed = replayed;
    timeline.entries.push(entry);
    added.push(entry);
  }
  return { added, grown: [...grown].filter((e) => !added.includes(e)) };
}

function appendTokens(timeline, event) {
  const data = event.data ?? {};
  const key = `${data.task}\u0000${data.turn}\u0000${data.attempt ?? 1}`;
  let entry = timeline.tokenEntries.get(key);
  if (!entry) {
    const retry = data.attempt > 1 ? ` (attempt ${data.attempt})` : '';
    entry = { seq: event.seq, time: event.time, type: event.type, kind: 'agent-text', tone: 'info', title: `Agent ${taskLabel(data)} · turn ${data.turn ?? '?'}${retry}`, subtitle: data.task, text: '' };
    timeline.tokenEntries.set(key, entry);
    timeline.entries.push(entry);
  }
  entry.text += typeof data.text === 'string' ? data.text : '';
  entry.lastSeq = event.seq;
  return entry;
}

function taskLabel(data) {
  return data.name ?? String(data.task ?? '').split('/').pop() ?? 'task';
}

function without(data, keys) {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return data;
  const rest = Object.fromEntries(Object.entries(data).filter(([k]) => !keys.includes(k)));
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/** Title, tone and details of one event: what a person wants to see first. */
export function describeEvent(event) {
  const data = event.data ?? {};
  const type = event.type;
  if (type.startsWith(WF)) return describeWorkflow(type.slice(WF.length).replace(/\.v1$/, ''), data);
  if (type.startsWith(TASK)) return describeTask(type.slice(TASK.length).replace(/\.v1$/, ''), data);
  if (type.startsWith(AGENT)) return describeAgent(type.slice(AGENT.length).replace(/\.v1$/, ''), data);
  if (type.startsWith(APPROVAL)) return describeApproval(type.slice(APPROVAL.length).replace(/\.v1$/, ''), data);
  if (type === RUN_QUEUED) return describeQueued(data);
  if (type === RATE_LIMITED) return describeRateLimited(data);
  return { kind: 'other', tone: 'muted', title: type, detail: data };
}

function describeWorkflow(phase, data) {
  switch (phase) {
    case 'started':
      return { kind: 'workflow', tone: 'info', title: 'Run started' };
    case 'completed':
      return { kind: 'workflow', tone: 'ok', title: 'Run completed', detailLabel: 'output', detail: data.output };
    case 'faulted':
      return { kind: 'workflow', tone: 'bad', title: 'Run faulted', note: errorText(data.error), detailLabel: 'error', detail: data.error };
    case 'cancelled':
      return { kind: 'workflow', tone: 'warn', title: 'Run cancelled', note: data.reason };
    case 'suspended':
      return { kind: 'workflow', tone: 'warn', title: 'Run suspended', note: data.reason ? `reason: ${data.reason}` : 'nothing new is dispatched until it is resumed' };
    case 'resumed':
      return { kind: 'workflow', tone: 'info', title: 'Run resumed', note: data.reason ? `reason: ${data.reason}` : undefined };
    default:
      return { kind: 'workflow', tone: 'muted', title: `Run ${phase}`, detail: data };
  }
}

function describeTask(phase, data) {
  const label = taskLabel(data);
  const tone = { created: 'muted', started: 'info', completed: 'ok', faulted: 'bad', retried: 'warn', cancelled: 'warn' }[phase] ?? 'muted';
  const rest = without(data, TASK_KEYS);
  const entry = { kind: 'task', tone, title: `Task ${label} ${phase}`, subtitle: data.task, detail: rest };
  if (phase === 'faulted' || phase === 'retried') entry.note = errorText(data.error);
  return entry;
}

function describeAgent(what, data) {
  const label = taskLabel(data);
  switch (what) {
    case 'turn.completed': {
      const usage = data.usage ? ` · ${data.usage.totalTokens ?? '?'} tokens` : '';
      const tools = data.toolCalls ? ` · ${data.toolCalls} tool call${data.toolCalls === 1 ? '' : 's'}` : '';
      return { kind: 'agent', tone: 'ok', title: `Agent ${label} · turn ${data.turn} completed`, subtitle: data.task, note: `${data.model ?? 'model'} · ${data.finishReason ?? ''}${usage}${tools}`, detail: data.usage };
    }
    case 'tool.called':
      return { kind: 'tool', tone: 'info', title: `Tool ${data.name} called`, subtitle: data.task, detailLabel: 'arguments', detail: data.arguments };
    case 'tool.result':
      return { kind: 'tool', tone: data.ok === false ? 'bad' : 'ok', title: `Tool ${data.name} ${data.ok === false ? 'failed' : 'returned'}`, subtitle: data.task, detailLabel: 'result', detail: data.content };
    default:
      return { kind: 'agent', tone: 'muted', title: `Agent ${what}`, detail: data };
  }
}

function describeQueued(data) {
  const key = keyText(data.key);
  const load = Number.isInteger(data.running) && Number.isInteger(data.limit) ? `: ${data.running} of ${data.limit} running` : '';
  const place = Number.isInteger(data.position) ? ` · number ${data.position} in the queue` : '';
  return { kind: 'workflow', tone: 'warn', title: 'Run queued', note: `concurrency key ${key ?? '(one for the workflow)'}${load}${place}`, detail: data };
}

function describeRateLimited(data) {
  const until = typeof data.until === 'string' ? ` until ${data.until.slice(11, 23)}` : '';
  const wait = Number.isFinite(data.waitMs) ? `waits ${formatDuration(data.waitMs)}` : 'waits';
  return { kind: 'task', tone: 'warn', title: `Task ${taskLabel(data)} rate-limited`, subtitle: data.task, note: `limit ${data.limit ?? '?'}: ${wait}${until}`, detail: without(data, TASK_KEYS) };
}

function describeApproval(what, data) {
  switch (what) {
    case 'requested':
      return { kind: 'approval', tone: 'warn', title: `Approval requested${data.title ? `: ${data.title}` : ''}`, note: approversText(data), detail: data, approvalId: data.approvalId };
    case 'decided': {
      const verdict = data.decision === 'reject' ? 'rejected' : 'approved';
      return { kind: 'approval', tone: data.decision === 'reject' ? 'bad' : 'ok', title: `${data.approver ?? 'Someone'} ${verdict}`, note: data.comment, detail: data, approvalId: data.approvalId };
    }
    case 'escalated':
      return { kind: 'approval', tone: 'warn', title: 'Approval escalated', note: approversText(data), detail: data, approvalId: data.approvalId };
    case 'timed-out':
      return { kind: 'approval', tone: 'bad', title: 'Approval timed out', detail: data, approvalId: data.approvalId };
    default:
      return { kind: 'approval', tone: 'muted', title: `Approval ${what}`, detail: data, approvalId: data.approvalId };
  }
}

function approversText(data) {
  return Array.isArray(data.approvers) && data.approvers.length > 0 ? `approvers: ${data.approvers.join(', ')}` : undefined;
}

/** A Serverless Workflow error (RFC 9457-shaped) in one line. */
export function errorText(error) {
  if (!error || typeof error !== 'object') return error === undefined ? undefined : String(error);
  const kind = typeof error.type === 'string' ? error.type.split('/').pop() : undefined;
  return [error.title ?? kind, error.status, error.detail].filter((x) => x !== undefined && x !== '').join(' · ') || undefined;
}
