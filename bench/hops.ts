// Where the time of one run goes, hop by hop, from four clocks on this one machine:
//   - the caller's: when it sent POST /api/v1/runs and when the whole answer was read;
//   - the database's: the run's createdAt (its transaction's now(), whole milliseconds);
//   - the runner's: each event's `time` (whole milliseconds, stamped when the runner takes up
//     the batch the event is decided in — before its transaction commits);
//   - the HTTP target's: when each task's request arrived (sub-millisecond; bench process).
// A hop is the time between two consecutive milestones. Times of whole milliseconds make a
// single hop good to about ±1 ms; the p50 over many runs is what the tables show.
import { summary } from './lib.ts';

export interface CallTimes {
  runId: string;
  /** Epoch ms when the caller sent the request. */
  sentAt: number;
  /** Epoch ms when the caller had read the answer. */
  answeredAt: number;
  /** The run's createdAt (ISO). */
  createdAt: string;
}

export interface RunEvent {
  type: string;
  time: string;
  data?: { name?: string };
}

/** A task of the workflow in order; `path` for a `call: http` task (its request at the target). */
export interface TaskSpec {
  name: string;
  path?: string;
}

const WORKFLOW_STARTED = 'io.serverlessworkflow.workflow.started.v1';
const WORKFLOW_COMPLETED = 'io.serverlessworkflow.workflow.completed.v1';
const TASK = (phase: string) => `io.serverlessworkflow.task.${phase}.v1`;

/** The milestones of one run, in order: [label, epoch ms]; undefined where one is missing. */
export function milestones(call: CallTimes, events: readonly RunEvent[], arrivals: readonly { path: string; at: number }[], tasks: readonly TaskSpec[]): [string, number | undefined][] {
  const at = (type: string, name?: string) => {
    const event = events.find((e) => e.type === type && (name === undefined || e.data?.name === name));
    return event ? Date.parse(event.time) : undefined;
  };
  const list: [string, number | undefined][] = [
    ['API call', call.sentAt],
    ['run created', Date.parse(call.createdAt)],
    ['workflow.started', at(WORKFLOW_STARTED)],
  ];
  for (const task of tasks) {
    list.push([`${task.name} task.started`, at(TASK('started'), task.name)]);
    if (task.path !== undefined) list.push([`${task.name} request at target`, arrivals.find((a) => a.path === task.path)?.at]);
    list.push([`${task.name} task.completed`, at(TASK('completed'), task.name)]);
  }
  list.push(['workflow.completed', at(WORKFLOW_COMPLETED)], ['API answer', call.answeredAt]);
  return list;
}

export interface HopTable {
  runs: number;
  /** Runs whose milestones were not all found (left out of the table, counted here). */
  incomplete: number;
  /** "a → b": p50 and p99 in ms over the runs. */
  hopsMs: Record<string, { p50: number; p99: number }>;
  totalMs: { p50: number; p99: number };
}

/** p50 / p99 of every hop over many runs' milestones (all runs share the same labels). */
export function hopTable(runs: readonly [string, number | undefined][][]): HopTable {
  const whole = runs.filter((list) => list.every(([, at]) => at !== undefined)) as [string, number][][];
  const hops = new Map<string, number[]>();
  const totals: number[] = [];
  for (const list of whole) {
    for (let i = 1; i < list.length; i += 1) {
      const label = `${list[i - 1]![0]} → ${list[i]![0]}`;
      hops.set(label, [...(hops.get(label) ?? []), list[i]![1] - list[i - 1]![1]]);
    }
    totals.push(list.at(-1)![1] - list[0]![1]);
  }
  const pick = (samples: number[]) => {
    const { p50, p99 } = summary(samples, 1);
    return { p50, p99 };
  };
  return {
    runs: whole.length,
    incomplete: runs.length - whole.length,
    hopsMs: Object.fromEntries([...hops].map(([label, samples]) => [label, pick(samples)])),
    totalMs: pick(totals),
  };
}

/** At most `limit` items, evenly spread over the whole list (a sample of a load phase). */
export function spread<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  const step = items.length / limit;
  return Array.from({ length: limit }, (_, i) => items[Math.floor(i * step)]!);
}
