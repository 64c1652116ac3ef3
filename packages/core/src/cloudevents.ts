// Run events as CloudEvents 1.0 (structured JSON). The REST API (GET /runs/{id}/events) and the
// fanout service (WebSocket) both format events with toCloudEvent, so clients see one shape.
import type { CloudEvent } from './interpreter/types.ts';
import type { RunEventRecord, RunRecord } from './ports/store.ts';

/** A run event as served to clients: a CloudEvent with Baton's extension attributes. */
export interface RunCloudEvent extends CloudEvent {
  time: string;
  /** The run id. */
  subject: string;
  datacontenttype: 'application/json';
  /** Extension: the run id (CloudEvents extension names are lowercase alphanumerics). */
  runid: string;
  /** Extension: the event's position in the run's log, from 1. */
  seq: number;
}

/** `baton://<namespace>/<name>`: the workflow that produced the event. */
export function runEventSource(run: Pick<RunRecord, 'namespace' | 'name'>): string {
  return `baton://${encodeURIComponent(run.namespace)}/${encodeURIComponent(run.name)}`;
}

export function toCloudEvent(record: RunEventRecord, run: Pick<RunRecord, 'namespace' | 'name'>): RunCloudEvent {
  return {
    specversion: '1.0',
    id: record.id,
    source: runEventSource(run),
    type: record.type,
    time: record.time,
    subject: record.runId,
    datacontenttype: 'application/json',
    data: record.data,
    runid: record.runId,
    seq: record.seq,
  };
}
