// What the checks read once the cluster is stopped: the database's rows (PostgreSQL is the truth)
// and the HTTP target's request log, indexed for the checks.
import type pg from 'pg';
import type { TargetRequest } from '@baton/testkit';

export const TERMINAL = new Set(['completed', 'faulted', 'cancelled']);

export interface RunRow {
  id: string;
  status: string;
  output: unknown;
  error: unknown;
  parentRunId: string | null;
  eventSeq: number;
  endedAt: number | null;
}

export interface EventRow {
  seq: number;
  type: string;
  /** The data as stored (JSON text), for exact duplicate detection. */
  text: string;
  data: any;
}

export interface AttemptRow {
  id: string;
  runId: string;
  kind: string;
  status: string;
  reference: string;
  /** Epoch ms of task_attempts.created_at. */
  createdAt: number;
  /** From task_attempts.dispatched_at (undefined if the outbox no longer has that column). */
  dispatched?: boolean;
}

export interface Snapshot {
  runs: Map<string, RunRow>;
  childrenOf: Map<string, RunRow[]>;
  events: Map<string, EventRow[]>;
  attempts: Map<string, AttemptRow[]>;
  approvals: Map<string, { id: string; status: string; decisions: number }[]>;
  listens: Map<string, number>;
  timers: Map<string, number>;
  /** Rows of the engine's outbox table per run, when the schema has one (diagnostics only). */
  outbox: Map<string, number>;
  /** Target requests by path. */
  requests: Map<string, TargetRequest[]>;
  /**
   * When a runner first saw each transport epoch (bus_epochs.created_at, ms), when the schema has
   * them: its repair re-sends every attempt created before then, including any that reached the
   * new data in between — a repeat that a Redis restart or wipe explains until that moment.
   */
  epochsSeenAt: number[];
}

function group<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

function countBy(rows: { run_id: string }[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const row of rows) map.set(row.run_id, (map.get(row.run_id) ?? 0) + 1);
  return map;
}

export async function takeSnapshot(db: pg.Pool, log: TargetRequest[]): Promise<Snapshot> {
  const tables = (await db.query("SELECT to_regclass('outbox') IS NOT NULL AS outbox, to_regclass('bus_epochs') IS NOT NULL AS epochs")).rows[0] as { outbox: boolean; epochs: boolean };
  const [runs, events, attempts, approvals, listens, timers, outbox, epochs] = await Promise.all([
    db.query('SELECT id, status, output::text AS output, error::text AS error, parent_run_id, event_seq, ended_at FROM runs'),
    db.query('SELECT run_id, seq, type, data::text AS data FROM run_events ORDER BY run_id, seq'),
    db.query('SELECT * FROM task_attempts'),
    db.query('SELECT a.id, a.run_id, a.status, (SELECT count(*)::int FROM approval_decisions d WHERE d.approval_id = a.id) AS decisions FROM approvals a'),
    db.query('SELECT run_id FROM listens'),
    db.query('SELECT run_id FROM timers'),
    tables.outbox ? db.query('SELECT run_id FROM outbox WHERE run_id IS NOT NULL') : { rows: [] },
    tables.epochs ? db.query('SELECT created_at FROM bus_epochs') : { rows: [] },
  ]);
  const runRows: RunRow[] = runs.rows.map((r) => ({
    id: r.id,
    status: r.status,
    output: r.output === null ? undefined : JSON.parse(r.output),
    error: r.error === null ? undefined : JSON.parse(r.error),
    parentRunId: r.parent_run_id,
    eventSeq: r.event_seq,
    endedAt: r.ended_at === null ? null : new Date(r.ended_at).getTime(),
  }));
  const childrenOf = group(runRows.filter((r) => r.parentRunId !== null), (r) => r.parentRunId!);
  const eventRows = group(events.rows, (r) => r.run_id as string);
  return {
    runs: new Map(runRows.map((r) => [r.id, r])),
    childrenOf,
    events: new Map([...eventRows].map(([id, rows]) => [id, rows.map((r) => ({ seq: r.seq, type: r.type, text: r.data ?? 'null', data: r.data === null ? null : JSON.parse(r.data) }))])),
    attempts: group(
      attempts.rows.map((r) => ({ id: r.id, runId: r.run_id, kind: r.kind, status: r.status, reference: r.reference, createdAt: new Date(r.created_at).getTime(), ...('dispatched_at' in r ? { dispatched: r.dispatched_at !== null } : {}) })),
      (a) => a.runId,
    ),
    approvals: group(approvals.rows.map((r) => ({ id: r.id, runId: r.run_id as string, status: r.status, decisions: r.decisions })), (a) => a.runId),
    listens: countBy(listens.rows),
    timers: countBy(timers.rows),
    outbox: countBy(outbox.rows),
    requests: group(log, (r) => r.path),
    epochsSeenAt: epochs.rows.map((r) => new Date(r.created_at).getTime()),
  };
}

/** A run and its descendants (children of children too). */
export function family(snapshot: Snapshot, runId: string): RunRow[] {
  const out: RunRow[] = [];
  const queue = [runId];
  while (queue.length > 0) {
    const run = snapshot.runs.get(queue.shift()!);
    if (!run) continue;
    out.push(run);
    for (const child of snapshot.childrenOf.get(run.id) ?? []) queue.push(child.id);
  }
  return out;
}
