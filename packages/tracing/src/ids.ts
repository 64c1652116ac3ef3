// W3C trace context (traceparent) and the ids of a run's trace. Pure: no SDK, no I/O, so that the
// orchestrator, the runner and the workers derive the same ids from a run id wherever they are.
//
// A run's trace survives its durable hops because nothing of it lives in memory: the trace id is
// the caller's (the `traceparent` sent with POST /api/v1/runs, kept in the run's trigger) or else
// derived from the top-level run's id; the run's own span id is derived from its id. A runner that
// crashed, a message redelivered, a sweep that re-sends a task: all compute the same parent.
import { createHash } from 'node:crypto';

export interface SpanContext {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/** A `traceparent` header value, or undefined when it is not one (W3C: an invalid one is ignored). */
export function parseTraceparent(text: string | undefined): SpanContext | undefined {
  if (typeof text !== 'string') return undefined;
  const match = TRACEPARENT.exec(text.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags] = match as unknown as [string, string, string, string, string];
  // Version ff is invalid; version 00 has exactly four fields.
  if (version === 'ff' || (version === '00' && text.trim().length !== 55)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`;
}

/** `bytes` bytes of sha256(`kind`:`text`) as hex, never all zero. */
function derived(kind: string, text: string, bytes: number): string {
  const hex = createHash('sha256').update(`baton:${kind}:${text}`).digest('hex').slice(0, bytes * 2);
  return /^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}

/** The top-level run of a run's tree (child run ids are `<parent>.<effect>`). */
export function rootRunId(runId: string): string {
  const dot = runId.indexOf('.');
  return dot < 0 ? runId : runId.slice(0, dot);
}

function parentRunId(runId: string): string | undefined {
  const dot = runId.lastIndexOf('.');
  return dot < 0 ? undefined : runId.slice(0, dot);
}

export interface RunTrace {
  traceId: string;
  /** The run's own span (`run <name>`), parent of its decisions and its tasks' spans. */
  span: SpanContext;
  /** The run span's parent: the caller's span for a top-level run, the parent run's span for a child run. */
  parent?: SpanContext;
}

/**
 * The trace of a run. `caller`: the traceparent its top-level run was started with (its trigger),
 * if any. Child runs (subflows) belong to their top-level run's trace, under their parent run.
 */
export function runTrace(runId: string, caller?: string): RunTrace {
  const root = rootRunId(runId);
  const from = parseTraceparent(caller);
  const traceId = from?.traceId ?? derived('trace', root, 16);
  const sampled = from?.sampled ?? true;
  const span = { traceId, spanId: derived('span', runId, 8), sampled };
  const parentRun = parentRunId(runId);
  if (parentRun !== undefined) return { traceId, span, parent: { traceId, spanId: derived('span', parentRun, 8), sampled } };
  return from ? { traceId, span, parent: from } : { traceId, span };
}
