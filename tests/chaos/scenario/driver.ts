// The workload driver: starts the runs (paced over the start window), and plays the outside world
// while faults are injected — it decides approvals as they appear, posts the CloudEvent each
// listening run waits for, and cancels the runs of the cancel kinds. It watches PostgreSQL (read
// only, on connections the fault injector spares) to know when a run is ready for its input,
// and acts only through the public API, retrying while the orchestrator is down. It never
// repeats an input that was accepted: a listening run gets its event once it is answered
// `matched ≥ 1`, a cancel once it is answered 202 — what is lost after that stays lost.
import type pg from 'pg';
import { sleep } from './faults.ts';
import { APPROVER, NAMESPACE, SIGNAL_TYPE, WORKFLOW_OF, decisionFor, keyOf, kindOf, signalValue, type RunKind } from './workflows.ts';

export interface Api {
  (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

export interface DriverRun {
  n: number;
  kind: RunKind;
  id?: string;
  /** Epoch ms of the first start request. */
  startedAt?: number;
  startRequests: number;
  /** Listener kind: event posts (every request), and when one was answered matched ≥ 1. */
  eventPosts: number;
  eventDeliveredAt?: number;
  /** Approval kinds: decision requests, and the answer that settled it (200, or 409 after a lost answer). */
  decisionRequests: number;
  decidedAt?: number;
  decisionStatus?: number;
  /** Cancel kinds: cancel requests, when one was accepted (202, or 409 for a run already cancelled), and whether it came before the run was parked. */
  cancelRequests: number;
  cancelAcceptedAt?: number;
  cancelStatus?: number;
  cancelledBeforeParked?: boolean;
}

export interface DriverOptions {
  runs: number;
  startSeconds: number;
  /** Cancel a cancel-kind run anyway when it is not parked this long after its start. */
  cancelFallbackMs: number;
}

export interface Driver {
  runs: DriverRun[];
  /** Resolves once every run has been created. */
  started: Promise<void>;
  /** Stop acting (at the end of the settle phase). */
  stop(): Promise<void>;
  /** Requests that failed (no answer, 5xx) and were retried, by route and status. */
  retries: Record<string, number>;
}

const CANCEL_KINDS = new Set<RunKind>(['cancel-sub', 'cancel-approval', 'cancel-listen']);

export function startDriver(api: Api, db: pg.Pool, options: DriverOptions, log: (m: string) => void): Driver {
  const runs: DriverRun[] = Array.from({ length: options.runs }, (_, n) => ({ n, kind: kindOf(n), startRequests: 0, eventPosts: 0, decisionRequests: 0, cancelRequests: 0 }));
  const byId = new Map<string, DriverRun>();
  const retries: Record<string, number> = {};
  let stopped = false;

  /** Calls until `done` says the answer settles it; counts the others as retries. */
  const until = async (route: string, call: () => Promise<{ status: number; body: any }>, done: (status: number) => boolean) => {
    for (let delay = 100; !stopped; delay = Math.min(delay * 2, 1_000)) {
      const res = await call().catch(() => ({ status: 0, body: undefined }));
      if (done(res.status)) return res;
      const key = `${route} ${res.status === 0 ? 'no answer' : res.status}`;
      retries[key] = (retries[key] ?? 0) + 1;
      await sleep(delay);
    }
    return undefined;
  };

  const startRun = async (run: DriverRun) => {
    run.startedAt = Date.now();
    const body = { namespace: NAMESPACE, name: WORKFLOW_OF[run.kind], input: { k: keyOf(run.n), n: run.n }, idempotencyKey: keyOf(run.n) };
    const res = await until('POST /runs', () => (run.startRequests++, api('POST', '/api/v1/runs', body)), (s) => s === 200 || s === 201 || (s >= 400 && s < 500));
    if (!res) return;
    if (res.status >= 400) throw new Error(`starting run ${run.n} was refused: ${res.status} ${JSON.stringify(res.body)}`);
    run.id = res.body.id as string;
    byId.set(run.id, run);
  };

  const started = (async () => {
    const t0 = Date.now();
    const inFlight = new Set<Promise<void>>();
    for (const run of runs) {
      const due = t0 + (run.n * options.startSeconds * 1000) / options.runs;
      if (due > Date.now()) await sleep(due - Date.now());
      while (inFlight.size >= 64) await Promise.race(inFlight);
      const p = startRun(run).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    log(`${runs.filter((r) => r.id).length} runs created in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  })();

  const postEvent = async (run: DriverRun) => {
    const event = { specversion: '1.0', id: `signal-${run.n}`, source: 'https://chaos.baton.dev/', type: SIGNAL_TYPE, subject: keyOf(run.n), data: { v: signalValue(run.n) } };
    const res = await until('POST /events', () => (run.eventPosts++, api('POST', '/api/v1/events', event)), (s) => s === 202 || (s >= 400 && s < 500));
    if (res?.status === 202 && (res.body?.matched ?? 0) >= 1) run.eventDeliveredAt = Date.now();
    else if (res && res.status !== 202) log(`event for run ${run.n} refused: ${res.status} ${JSON.stringify(res.body)}`);
  };

  const decide = async (run: DriverRun, approvalId: string) => {
    const body = { decision: decisionFor(run.n), approver: APPROVER, comment: `chaos ${run.n}` };
    const res = await until('POST /approvals/decision', () => (run.decisionRequests++, api('POST', `/api/v1/approvals/${encodeURIComponent(approvalId)}/decision`, body)), (s) => s === 200 || (s >= 400 && s < 500));
    if (!res) return;
    run.decidedAt = Date.now();
    run.decisionStatus = res.status;
  };

  const cancel = async (run: DriverRun, parked: boolean) => {
    run.cancelledBeforeParked = !parked;
    const res = await until('POST /runs/cancel', () => (run.cancelRequests++, api('POST', `/api/v1/runs/${run.id}/cancel`, { reason: 'chaos harness' })), (s) => s === 202 || (s >= 400 && s < 500));
    if (!res) return;
    run.cancelStatus = res.status;
    // 409 with the run already cancelled: an earlier request was applied but its answer was lost.
    if (res.status === 202 || (res.status === 409 && res.body?.runStatus === 'cancelled')) run.cancelAcceptedAt = Date.now();
    else log(`cancel of run ${run.n} answered ${res.status} ${JSON.stringify(res.body)}`);
  };

  // What each waiting run needs, found in PostgreSQL; each action is started once per run.
  const acting = new Set<DriverRun>();
  const act = (run: DriverRun, work: () => Promise<void>) => {
    if (acting.has(run)) return;
    acting.add(run);
    void work()
      .catch((error: unknown) => log(`acting on run ${run.n} failed: ${(error as Error).message}`))
      .finally(() => acting.delete(run));
  };

  const observe = async () => {
    const open = (want: (r: DriverRun) => boolean) => runs.filter((r) => r.id && want(r)).map((r) => r.id!);
    const listeners = open((r) => r.kind === 'listener' && r.eventDeliveredAt === undefined);
    const approvals = open((r) => r.kind === 'approval' && r.decidedAt === undefined);
    const cancels = open((r) => CANCEL_KINDS.has(r.kind) && r.cancelStatus === undefined);
    const [listens, pending, children] = await Promise.all([
      db.query<{ run_id: string }>('SELECT DISTINCT run_id FROM listens WHERE run_id = ANY($1)', [[...listeners, ...cancels]]),
      db.query<{ id: string; run_id: string }>("SELECT id, run_id FROM approvals WHERE status = 'pending' AND run_id = ANY($1)", [[...approvals, ...cancels]]),
      db.query<{ parent_run_id: string }>('SELECT parent_run_id FROM runs WHERE parent_run_id = ANY($1)', [cancels]),
    ]);
    const parked = new Set([...listens.rows.map((r) => r.run_id), ...pending.rows.map((r) => r.run_id), ...children.rows.map((r) => r.parent_run_id)]);
    for (const row of listens.rows) {
      const run = byId.get(row.run_id)!;
      if (run.kind === 'listener') act(run, () => postEvent(run));
    }
    for (const row of pending.rows) {
      const run = byId.get(row.run_id)!;
      if (run.kind === 'approval') act(run, () => decide(run, row.id));
    }
    for (const id of cancels) {
      const run = byId.get(id)!;
      const isParked = parked.has(id);
      if (isParked || Date.now() - run.startedAt! > options.cancelFallbackMs) act(run, () => cancel(run, isParked));
    }
  };

  const loop = (async () => {
    while (!stopped) {
      await observe().catch((error: unknown) => log(`observing failed: ${(error as Error).message}`));
      await sleep(300);
    }
  })();

  return {
    runs,
    started,
    retries,
    async stop() {
      stopped = true;
      await loop;
      while (acting.size > 0) await sleep(50);
    },
  };
}
