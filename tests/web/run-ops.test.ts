// The operator actions' pure helpers (apps/web/js/run-ops.js) and the events they bring
// (suspended, resumed, replayed) in the run's event list and timeline. Browser ES modules without
// type declarations, loaded by URL (typed loosely here).
import { describe, expect, it } from 'vitest';

const load = (file: string): Promise<any> => import(new URL(`../../apps/web/js/${file}`, import.meta.url).href);
const ops = await load('run-ops.js');
const format = await load('format.js');
const timeline = await load('timeline.js');
const progress = await load('progress.js');
const gantt = await load('gantt.js');

const WF = 'io.serverlessworkflow.workflow.';
const TASK = 'io.serverlessworkflow.task.';
const event = (seq: number, type: string, data: object = {}) => ({ seq, type, time: `2026-12-04T06:00:0${seq % 10}.000Z`, data });
const ORIGINAL = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

describe('where a run came from', () => {
  it('reads a rerun from rerunOf or from its trigger', () => {
    expect(ops.originOf({ rerunOf: ORIGINAL, trigger: { kind: 'rerun', runId: ORIGINAL } })).toEqual({ kind: 'rerun', runId: ORIGINAL });
    expect(ops.originOf({ trigger: { kind: 'rerun', runId: ORIGINAL } })).toEqual({ kind: 'rerun', runId: ORIGINAL });
    expect(ops.originText(ops.originOf({ rerunOf: ORIGINAL }))).toBe('Rerun of …0c1d2e3f4a5b');
  });

  it('reads a reset from resetOf or its trigger, with where it started', () => {
    expect(ops.originOf({ resetOf: { runId: ORIGINAL, from: '/do/2/charge' }, trigger: { kind: 'reset', runId: ORIGINAL, from: '/do/2/charge' } })).toEqual({ kind: 'reset', runId: ORIGINAL, from: '/do/2/charge' });
    expect(ops.originOf({ trigger: { kind: 'reset', runId: ORIGINAL, from: 'failed' } })).toEqual({ kind: 'reset', runId: ORIGINAL, from: 'failed' });
    expect(ops.originText(ops.originOf({ resetOf: { runId: ORIGINAL, from: 'failed' } }))).toBe('Reset of …0c1d2e3f4a5b from the failed task');
    expect(ops.originText(ops.originOf({ resetOf: { runId: ORIGINAL, from: '/do/2/charge' } }))).toBe('Reset of …0c1d2e3f4a5b from /do/2/charge');
  });

  it('finds no origin for other runs, whatever their record holds', () => {
    for (const run of [{}, { trigger: { kind: 'api' } }, { trigger: { kind: 'workflow', parentRunId: ORIGINAL } }, { rerunOf: '' }, { resetOf: 42 }, { trigger: 'rerun' }, null]) expect(ops.originOf(run)).toBeUndefined();
  });

  it("keeps only the runs whose record names the run among a listing's items, newest first", () => {
    const items = [
      { id: 'a', createdAt: '2026-12-04T06:00:01Z', rerunOf: ORIGINAL },
      { id: 'b', createdAt: '2026-12-04T06:00:03Z', resetOf: { runId: ORIGINAL, from: 'failed' } },
      { id: 'c', createdAt: '2026-12-04T06:00:02Z' }, // a server that ignored ?resetOf= lists any run
      { id: 'a', createdAt: '2026-12-04T06:00:01Z', rerunOf: ORIGINAL },
      { id: 'd', createdAt: '2026-12-04T06:00:04Z', rerunOf: 'another' },
    ];
    expect(ops.derivedRuns(ORIGINAL, items).map((r: any) => r.id)).toEqual(['b', 'a']);
  });
});

describe('concurrency queues', () => {
  it('says which key a queued run waits on, from any of the shapes a record may use', () => {
    expect(ops.queueText(ops.queueInfo({ status: 'pending', concurrency: { key: 'acme', state: 'queued', position: 3 } }))).toBe('queued on key acme (3rd in line)');
    expect(ops.queueText(ops.queueInfo({ status: 'pending', concurrency: { key: 42, state: 'queued', position: 1 } }))).toBe('queued on key 42 (next in line)');
    expect(ops.queueText(ops.queueInfo({ status: 'pending', concurrency: { key: null, state: 'queued', position: 12 } }))).toBe('queued (12th in line)');
    expect(ops.queueText(ops.queueInfo({ status: 'pending', queued: { key: 'acme', position: 2 } }))).toBe('queued on key acme (2nd in line)');
    expect(ops.queueText(ops.queueInfo({ status: 'pending', queued: true, concurrencyKey: 'k1' }))).toBe('queued on key k1');
    expect(ops.queueText(ops.queueInfo({ status: 'pending', queued: 'k3' }))).toBe('queued on key k3');
    expect(ops.queueText(ops.queueInfo({ status: 'pending', queued: true }))).toBe('queued');
  });

  it('says on the run page which key a run holds a slot of', () => {
    expect(ops.concurrencyText({ status: 'running', concurrency: { key: 'acme', state: 'running' } })).toBe('holds a slot on key acme');
    expect(ops.concurrencyText({ status: 'suspended', concurrency: { key: null, state: 'running' } })).toBe('holds a slot');
    expect(ops.concurrencyText({ status: 'pending', concurrency: { key: 'acme', state: 'queued', position: 2 } })).toBe('queued on key acme (2nd in line)');
    expect(ops.concurrencyText({ status: 'completed', concurrency: { key: 'acme', state: 'running' } })).toBeUndefined();
    expect(ops.concurrencyText({ status: 'running' })).toBeUndefined();
  });

  it('says nothing for a run that is not queued or has finished', () => {
    expect(ops.queueInfo({ status: 'running', concurrency: { key: 'k', state: 'running' } })).toBeUndefined();
    expect(ops.queueInfo({ status: 'pending' })).toBeUndefined();
    expect(ops.queueInfo({ status: 'cancelled', queued: { key: 'k' } })).toBeUndefined();
  });
});

describe('the rerun and reset dialogs', () => {
  it('sends only what the person changed in a rerun', () => {
    const prefilled = '{\n  "a": 1\n}';
    expect(ops.rerunBody({ version: 'same', inputText: prefilled, prefilled })).toEqual({ ok: true, body: {} });
    expect(ops.rerunBody({ version: 'latest', inputText: `${prefilled}\n`, prefilled })).toEqual({ ok: true, body: { version: 'latest' } });
    expect(ops.rerunBody({ version: 'same', inputText: '{"a": 2}', prefilled })).toEqual({ ok: true, body: { input: { a: 2 } } });
    expect(ops.rerunBody({ version: 'same', inputText: '{"a": ', prefilled })).toMatchObject({ ok: false, error: expect.stringMatching(/^Not valid JSON: /) });
  });

  it('offers the failed task of a faulted run, then each task the run started', () => {
    const p = progress.createProgress();
    progress.addProgress(p, [
      event(1, `${WF}started.v1`),
      event(2, `${TASK}created.v1`, { task: '/do/0/fetch', name: 'fetch' }),
      event(3, `${TASK}started.v1`, { task: '/do/0/fetch', name: 'fetch' }),
      event(4, `${TASK}completed.v1`, { task: '/do/0/fetch', name: 'fetch', output: {} }),
      event(5, `${TASK}created.v1`, { task: '/do/1/charge', name: 'charge' }),
      event(6, `${TASK}started.v1`, { task: '/do/1/charge', name: 'charge' }),
      event(7, `${TASK}faulted.v1`, { task: '/do/1/charge', name: 'charge', error: { status: 503 } }),
      event(8, `${TASK}created.v1`, { task: '/do/2/never', name: 'never' }),
    ]);
    const faulted = { status: 'faulted', error: { type: 'x', status: 503, instance: '/do/1/charge' } };
    expect(ops.resetChoices(faulted, p)).toEqual([
      { value: 'failed', label: 'The failed task (/do/1/charge)' },
      { value: '/do/0/fetch', label: 'fetch — /do/0/fetch' },
      { value: '/do/1/charge', label: 'charge — /do/1/charge' },
    ]);
    expect(ops.resetChoices({ status: 'completed' }, p).map((c: any) => c.value)).toEqual(['/do/0/fetch', '/do/1/charge']);
    expect(ops.resetChoices({ status: 'faulted' }, progress.createProgress())).toEqual([{ value: 'failed', label: 'The failed task' }]);
  });
});

describe('suspended runs and replayed events', () => {
  it('has suspended among the statuses, not among the finished ones', () => {
    expect(format.RUN_STATUSES).toContain('suspended');
    expect(format.isTerminal('suspended')).toBe(false);
    expect([...ops.SUSPENDABLE]).toEqual(['pending', 'running', 'waiting']);
  });

  it('describes workflow.suspended and workflow.resumed with their reason', () => {
    const t = timeline.createTimeline();
    timeline.addEvents(t, [event(1, `${WF}suspended.v1`, { name: 'x', suspendedAt: 'now', reason: 'API down' }), event(2, `${WF}resumed.v1`, { name: 'x', resumedAt: 'now' })]);
    expect(t.entries.map((e: any) => [e.title, e.tone, e.note])).toEqual([
      ['Run suspended', 'warn', 'reason: API down'],
      ['Run resumed', 'info', undefined],
    ]);
    expect(t.terminal).toBeUndefined();
  });

  it('describes a run queued on its concurrency key and a task held back by a rate limit', () => {
    expect(timeline.describeEvent({ type: 'dev.baton.run.queued.v1', data: { key: 'acme', limit: 2, running: 2, strategy: 'queue', position: 3 } })).toMatchObject({ kind: 'workflow', tone: 'warn', title: 'Run queued', note: 'concurrency key acme: 2 of 2 running · number 3 in the queue' });
    expect(timeline.describeEvent({ type: 'dev.baton.run.queued.v1', data: { key: null, limit: 1, running: 1 } }).note).toBe('concurrency key (one for the workflow): 1 of 1 running');
    const limited = timeline.describeEvent({ type: 'dev.baton.task.rate-limited.v1', data: { task: '/do/1/ask', attemptId: 'a1', limit: 'gpt-tpm', until: '2026-12-04T06:00:12.500Z', waitMs: 12_500 } });
    expect(limited).toMatchObject({ kind: 'task', tone: 'warn', title: 'Task ask rate-limited', subtitle: '/do/1/ask', note: 'limit gpt-tpm: waits 13 s until 06:00:12.500' });
  });

  it('marks events and executions replayed from the run reset', () => {
    const events = [
      event(1, `${TASK}started.v1`, { task: '/do/0/fetch', name: 'fetch', replayedFrom: { runId: ORIGINAL } }),
      event(2, `${TASK}completed.v1`, { task: '/do/0/fetch', name: 'fetch', output: {}, replayedFrom: 'att-17' }),
      event(3, `${TASK}started.v1`, { task: '/do/1/charge', name: 'charge' }),
      event(4, `${TASK}completed.v1`, { task: '/do/1/charge', name: 'charge', output: {} }),
    ];
    const t = timeline.createTimeline();
    timeline.addEvents(t, events);
    expect(t.entries.map((e: any) => e.replayed)).toEqual([{ runId: ORIGINAL, source: undefined }, { runId: undefined, source: 'att-17' }, undefined, undefined]);
    const p = progress.addProgress(progress.createProgress(), events);
    const rows = gantt.ganttOf(p, { now: Date.parse('2026-12-04T06:00:05.000Z') }).rows;
    expect(rows.map((r: any) => r.bars.filter((b: any) => b.kind === 'run').map((b: any) => b.replayed))).toEqual([[true], [undefined]]);
  });
});
