// The chaos checks on hand-made snapshots: a clean run passes every check, and each kind of
// damage the durable-effects issue describes (a lost run, a task completed twice, a call made
// under two attempts, a repeat without a fault, a seq gap, a duplicated audit event, an orphaned
// child, leftovers, a cancel that did not stick) makes its check fail — so that the chaos
// scenario's green means something.
import { describe, expect, it } from 'vitest';
import { checkEvents, checkHttp, checkTasks } from './scenario/checks-log.ts';
import { checkCancels, checkLeftovers, checkOrphans, checkRuns, stuckAt } from './scenario/checks-runs.ts';
import type { DriverRun } from './scenario/driver.ts';
import type { AttemptRow, EventRow, RunRow, Snapshot } from './scenario/snapshot.ts';
import { kindOf } from './scenario/workflows.ts';

const T0 = 1_800_000_000_000;
const PARENT = 'run-p';

function event(seq: number, type: string, data: object): EventRow {
  return { seq, type, text: JSON.stringify(data), data };
}

const task = (phase: string, ref: string, at = 0) => ({ type: `io.serverlessworkflow.task.${phase}.v1`, data: { task: ref, name: ref.split('/').pop(), [`${phase}At`]: new Date(T0 + at).toISOString() } });

function log(...drafts: { type: string; data: object }[]): EventRow[] {
  return drafts.map((d, i) => event(i + 1, d.type, d.data));
}

/** Run 5 of the mix (a pipeline: a, b, finish; output {k: 'r5', v: 20}), completed right. */
function cleanSnapshot(): { s: Snapshot; runs: DriverRun[] } {
  expect(kindOf(5)).toBe('pipeline');
  const events = log(
    { type: 'io.serverlessworkflow.workflow.started.v1', data: { name: 'p' } },
    ...['/do/0/a', '/do/1/b', '/do/2/finish'].flatMap((ref, i) => [task('created', ref, i), task('started', ref, i), task('completed', ref, i)]),
    { type: 'io.serverlessworkflow.workflow.completed.v1', data: { name: 'p', output: { k: 'r5', v: 20 } } },
  );
  const run: RunRow = { id: PARENT, status: 'completed', output: { k: 'r5', v: 20 }, error: undefined, parentRunId: null, eventSeq: events.length, endedAt: T0 + 5_000 };
  const attempts: AttemptRow[] = [
    { id: `${PARENT}:e2`, runId: PARENT, kind: 'http', status: 'completed', reference: '/do/0/a', createdAt: T0 + 50, dispatched: true },
    { id: `${PARENT}:e4`, runId: PARENT, kind: 'http', status: 'completed', reference: '/do/1/b', createdAt: T0 + 150, dispatched: true },
  ];
  const s: Snapshot = {
    runs: new Map([[PARENT, run]]),
    childrenOf: new Map(),
    events: new Map([[PARENT, events]]),
    attempts: new Map([[PARENT, attempts]]),
    approvals: new Map(),
    listens: new Map(),
    timers: new Map(),
    outbox: new Map(),
    requests: new Map([
      ['/t/r5/a', [{ at: T0 + 100, method: 'POST', path: '/t/r5/a', key: `${PARENT}:e2` }]],
      ['/t/r5/b', [{ at: T0 + 200, method: 'POST', path: '/t/r5/b', key: `${PARENT}:e4` }]],
    ]),
    epochsSeenAt: [],
  };
  const runs: DriverRun[] = [{ n: 5, kind: 'pipeline', id: PARENT, startRequests: 1, eventPosts: 0, decisionRequests: 0, cancelRequests: 0 }];
  return { s, runs };
}

describe('chaos checks', () => {
  it('pass on a run that ended right', () => {
    const { s, runs } = cleanSnapshot();
    for (const check of [checkRuns(s, runs, T0, 60_000), checkTasks(s), checkHttp(s, runs, []), checkEvents(s), checkOrphans(s), checkLeftovers(s)]) {
      expect(check.errors).toEqual([]);
      expect(check.ok).toBe(true);
    }
  });

  it('fail on a run still running, a wrong output, and a run that finished after the bound', () => {
    const { s, runs } = cleanSnapshot();
    expect(checkRuns(s, runs, T0, 1_000).errors).toEqual([expect.stringContaining('ended after the bound')]);
    s.runs.get(PARENT)!.output = { k: 'r5', v: 21 };
    expect(checkRuns(s, runs, T0, 60_000).errors).toEqual([expect.stringContaining('output {"k":"r5","v":21}, expected {"k":"r5","v":20}')]);
    s.runs.get(PARENT)!.status = 'running';
    s.attempts.get(PARENT)![1]!.status = 'scheduled';
    expect(checkRuns(s, runs, T0, 60_000).errors).toEqual([expect.stringContaining('still running')]);
    expect(stuckAt(s, runs[0]!)).toBe('running: http attempt dispatched, no result');
  });

  it('fail on a task completed twice (events) and on a task run under two attempts', () => {
    const { s } = cleanSnapshot();
    const events = s.events.get(PARENT)!;
    events.push(event(events.length + 1, 'io.serverlessworkflow.task.completed.v1', { task: '/do/1/b', name: 'b', completedAt: new Date(T0 + 9).toISOString() }));
    s.runs.get(PARENT)!.eventSeq += 1;
    expect(checkTasks(s).errors).toEqual([expect.stringContaining('task /do/1/b completed 2 times')]);
    expect(checkEvents(s).errors).toEqual([expect.stringContaining('task event completed.v1 /do/1/b logged 2 times')]);
    s.attempts.get(PARENT)!.push({ id: `${PARENT}:e9`, runId: PARENT, kind: 'http', status: 'completed', reference: '/do/1/b', createdAt: T0 + 8, dispatched: true });
    expect(checkTasks(s).errors).toContainEqual(expect.stringContaining('task /do/1/b has 2 attempts'));
  });

  it('fail on a call under two Idempotency-Keys, or repeated when no fault was injected; a repeat after a fault is counted', () => {
    const { s, runs } = cleanSnapshot();
    const b = s.requests.get('/t/r5/b')!;
    b.push({ at: T0 + 9_000, method: 'POST', path: '/t/r5/b', key: `${PARENT}:e4` });
    expect(checkHttp(s, runs, []).errors).toEqual([expect.stringContaining('but no fault was injected since its attempt was created')]);
    // A fault long before the attempt existed explains nothing; one while it was alive does.
    expect(checkHttp(s, runs, [T0 - 5_000]).ok).toBe(false);
    const afterFault = checkHttp(s, runs, [T0 + 4_000]);
    expect(afterFault).toMatchObject({ ok: true, repeatedPaths: 1, extraRequests: 1 });
    b.push({ at: T0 + 9_500, method: 'POST', path: '/t/r5/b', key: `${PARENT}:e7` });
    expect(checkHttp(s, runs, [T0 + 4_000]).errors).toEqual([expect.stringContaining('the task ran under 2 attempts')]);
  });

  it('fail on a seq gap and on a duplicated approval audit event', () => {
    const { s } = cleanSnapshot();
    const events = s.events.get(PARENT)!;
    const decided = { approvalId: `${PARENT}:e6`, level: 0, approver: 'ops@chaos.example', decision: 'approve', via: 'api', status: 'approved' };
    events.push(event(events.length + 1, 'dev.baton.approval.decided.v1', decided), event(events.length + 2, 'dev.baton.approval.decided.v1', decided));
    s.runs.get(PARENT)!.eventSeq = events.length;
    s.approvals.set(PARENT, [{ id: `${PARENT}:e6`, status: 'approved', decisions: 1 }]);
    const errors = checkEvents(s).errors;
    expect(errors).toContainEqual(expect.stringContaining('approval decision'));
    expect(errors).toContainEqual(expect.stringContaining('has 1 decisions but 2 decided events'));
    events.splice(3, 1);
    expect(checkEvents(s).errors).toContainEqual(expect.stringContaining('(a gap)'));
  });

  it('fail on an orphaned child, leftovers of a finished run, and a cancel that did not stick', () => {
    const { s, runs } = cleanSnapshot();
    const child: RunRow = { id: `${PARENT}.e6`, status: 'running', output: undefined, error: undefined, parentRunId: PARENT, eventSeq: 0, endedAt: null };
    s.runs.set(child.id, child);
    s.childrenOf.set(PARENT, [child]);
    expect(checkOrphans(s).errors).toEqual([expect.stringContaining(`child ${child.id} is running while its parent ${PARENT} is completed`)]);
    s.listens.set(PARENT, 1);
    expect(checkLeftovers(s).errors).toEqual([expect.stringContaining('left 1 listens')]);
    const cancelled: DriverRun = { ...runs[0]!, kind: 'cancel-sub', cancelStatus: 202, cancelAcceptedAt: T0 };
    expect(checkCancels(s, [cancelled]).errors).toEqual([expect.stringContaining(`cancel accepted, but ${PARENT} is completed, ${child.id} is running`)]);
  });
});
