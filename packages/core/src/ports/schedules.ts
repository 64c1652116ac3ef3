// The Store port's schedule records (see Store / RunnerTx in store.ts, docs/SCHEDULES.md).
import type { Consumed, ScheduleKind, WorkflowSchedule } from '../document/schedule.ts';

/**
 * A workflow's schedule (`schedule:` in its latest version; one per namespace and name). A tick
 * starts its run in the transaction that moves nextAt on, with the idempotency key
 * `schedule:<id>:<tick>`: each tick starts one run, whichever runner takes it, however often.
 */
export interface ScheduleRecord {
  id: string;
  namespace: string;
  name: string;
  definitionId: string;
  version: string;
  kind: ScheduleKind;
  spec: WorkflowSchedule;
  paused: boolean;
  /** Epoch ms of the next tick; undefined: none due (`on`, `after` while its run goes, a cron that ended). */
  nextAt?: number;
  /** Epoch ms `every` counts its ticks from. */
  anchorAt: number;
  /** `on`: what the consumption holds so far. */
  consumed?: ScheduleConsumed;
  lastTickAt?: number;
  lastRunId?: string;
  /** Runs started. */
  ticks: number;
  /** Ticks not started (catchUp, overlap skip, catchUpLimit). */
  skipped: number;
  createdAt: string;
  updatedAt: string;
}

/** An `on` schedule's consumption in progress (all, or any with until): events, matched filters. */
export type ScheduleConsumed = Consumed;

export interface NewSchedule {
  id: string;
  namespace: string;
  name: string;
  definitionId: string;
  version: string;
  spec: WorkflowSchedule;
  nextAt?: number;
  anchorAt: number;
  /** undefined: any type (see eventTypesOf). */
  eventTypes?: string[];
}

export interface ScheduleUpdate {
  id: string;
  /** null: no tick due. */
  nextAt?: number | null;
  paused?: boolean;
  /** null: nothing consumed. */
  consumed?: ScheduleConsumed | null;
  lastTickAt?: number;
  lastRunId?: string;
  ticks?: number;
  skipped?: number;
}
