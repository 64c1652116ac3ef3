// The run page's pure models (apps/web/js/graph-model.js, progress.js, gantt.js, graph-layout.js):
// a definition as a graph, a run's events as task executions and the path taken, the Gantt rows,
// and the ELK layout of a graph in Node (the same library file the browser loads).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const load = (file: string): Promise<any> => import(new URL(`../../apps/web/js/${file}`, import.meta.url).href);
const model = await load('graph-model.js');
const progressJs = await load('progress.js');
const gantt = await load('gantt.js');
const layout = await load('graph-layout.js');

const DOC = {
  do: [
    { pick: { switch: [{ big: { when: '.n > 10', then: 'large' } }, { fallback: { then: 'small' } }] } },
    { small: { set: { size: 'small' }, then: 'par' } },
    { large: { set: { size: 'large' } } },
    { par: { fork: { branches: [{ a: { wait: { milliseconds: 200 } } }, { b: { do: [{ b1: { set: { x: 1 } } }] } }] } } },
    { guard: { try: [{ risky: { raise: { error: { type: 'https://example.com/boom', status: 500, title: 'Boom' } } } }], catch: { retry: { limit: { attempt: { count: 2 } } }, do: [{ recover: { set: { ok: true } } }] } } },
    { sub: { run: { workflow: { namespace: 'x', name: 'child', version: '1.0.0' } }, then: 'end' } },
  ],
};

let seq = 0;
const at = (ms: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, 0, ms)).toISOString();
const task = (phase: string, ref: string, ms: number, extra: object = {}) => ({ seq: ++seq, time: at(ms), type: `io.serverlessworkflow.task.${phase}.v1`, data: { task: ref, name: ref.split('/').pop(), ...extra } });
const life = (ref: string, from: number, to: number, output: unknown) => [task('created', ref, from), task('started', ref, from), task('completed', ref, to, { output })];

function events() {
  seq = 0;
  return [
    { seq: ++seq, time: at(0), type: 'io.serverlessworkflow.workflow.started.v1', data: {} },
    ...life('/do/0/pick', 0, 1, { n: 3 }),
    ...life('/do/1/small', 1, 2, { size: 'small' }),
    task('created', '/do/3/par', 2),
    task('started', '/do/3/par', 2),
    ...life('/do/3/par/fork/branches/1/b', 2, 5, { x: 1 }).slice(0, 2),
    ...life('/do/3/par/fork/branches/1/b/do/0/b1', 2, 3, { x: 1 }),
    task('completed', '/do/3/par/fork/branches/1/b', 3, { output: { x: 1 } }),
    ...life('/do/3/par/fork/branches/0/a', 2, 202, { size: 'small' }),
    task('completed', '/do/3/par', 202, { output: [{ size: 'small' }, { x: 1 }] }),
    task('created', '/do/4/guard', 202),
    task('started', '/do/4/guard', 202),
    task('created', '/do/4/guard/try/0/risky', 202),
    task('started', '/do/4/guard/try/0/risky', 202),
    task('faulted', '/do/4/guard/try/0/risky', 203, { error: { title: 'Boom', status: 500 } }),
    task('retried', '/do/4/guard', 303),
    task('created', '/do/4/guard/try/0/risky', 303),
    task('started', '/do/4/guard/try/0/risky', 304),
    task('faulted', '/do/4/guard/try/0/risky', 305, { error: { title: 'Boom', status: 500 } }),
    ...life('/do/4/guard/catch/do/0/recover', 305, 306, { ok: true }),
    task('completed', '/do/4/guard', 306, { output: { ok: true } }),
    ...life('/do/5/sub', 306, 400, { child: true }),
    { seq: ++seq, time: at(400), type: 'io.serverlessworkflow.workflow.completed.v1', data: {} },
  ];
}

describe('graph model', () => {
  it('draws tasks, containers, lanes and the flow of a definition', () => {
    const g = model.buildGraph(DOC);
    expect(g.roots).toEqual(['@start', '/do/0/pick', '/do/1/small', '/do/2/large', '/do/3/par', '/do/4/guard', '/do/5/sub', '@end']);
    expect(g.nodes.get('/do/3/par').children).toEqual(['/do/3/par/fork/branches/0/a', '/do/3/par/fork/branches/1/b']);
    expect(g.nodes.get('/do/3/par/fork/branches/1/b').lane).toBe(1);
    expect(g.nodes.get('/do/4/guard').children).toEqual(['/do/4/guard/try', '/do/4/guard/catch']);
    expect(g.nodes.get('/do/5/sub').subflow).toEqual({ namespace: 'x', name: 'child', version: '1.0.0' });
    const flow = g.edges.map((e: any) => `${e.from} → ${e.to}${e.label ? ` (${e.label})` : ''}`);
    expect(flow).toEqual(
      expect.arrayContaining([
        '@start → /do/0/pick',
        '/do/0/pick → /do/2/large (big)',
        '/do/0/pick → /do/1/small (fallback)',
        '/do/1/small → /do/3/par (then: par)',
        '/do/2/large → /do/3/par',
        '/do/4/guard/try → /do/4/guard/catch (on error)',
        '/do/5/sub → @end (then: end)',
      ]),
    );
    expect(flow.some((f: string) => f.startsWith('/do/1/small → /do/2/large'))).toBe(false);
    // A switch without a default case also goes on when no case matches.
    const noDefault = model.buildGraph({ do: [{ s: { switch: [{ one: { when: '.a', then: 'end' } }] } }, { next: { set: {} } }] });
    expect(noDefault.edges.map((e: any) => [e.to, e.label])).toContainEqual(['/do/1/next', 'no match']);
  });

  it('expands a subflow into its definition, ids kept apart', () => {
    const g = model.expandSubflow(model.buildGraph(DOC), '/do/5/sub', { do: [{ hello: { set: {} } }] });
    expect(g.nodes.get('/do/5/sub').children).toEqual(['/do/5/sub>@start', '/do/5/sub>/do/0/hello', '/do/5/sub>@end']);
    expect(g.nodes.get('/do/5/sub>/do/0/hello').ref).toBe('/do/0/hello');
  });
});

describe('progress', () => {
  it('reads executions, statuses, inputs and the path taken from the events', () => {
    const g = model.buildGraph(DOC);
    const p = progressJs.addProgress(progressJs.createProgress(), events());
    const status = (ref: string) => progressJs.taskStatus(p.tasks.get(ref), g.nodes.get(ref), 'completed');
    expect(['/do/0/pick', '/do/1/small', '/do/2/large', '/do/4/guard/try/0/risky', '/do/4/guard/catch/do/0/recover'].map(status)).toEqual(['done', 'done', 'not-reached', 'failed', 'done']);
    expect(p.tasks.get('/do/4/guard/try/0/risky').executions).toHaveLength(2);
    expect(p.tasks.get('/do/4/guard').retries).toHaveLength(1);
    expect(progressJs.inputOf(p, '/do/1/small', p.tasks.get('/do/1/small').executions[0].createdSeq, { n: 3, raw: true })).toEqual({ value: { n: 3 }, from: '/do/0/pick' });
    expect(progressJs.inputOf(p, '/do/0/pick', 2, { n: 3 })).toEqual({ value: { n: 3 }, from: 'run input' });
    // A branch and the first task of a try receive their container's input.
    expect(progressJs.inputOf(p, '/do/3/par/fork/branches/0/a', p.tasks.get('/do/3/par/fork/branches/0/a').executions[0].createdSeq, {}).value).toEqual({ size: 'small' });
    expect(progressJs.inputOf(p, '/do/4/guard/try/0/risky', p.tasks.get('/do/4/guard/try/0/risky').executions[1].createdSeq, {}).value).toEqual([{ size: 'small' }, { x: 1 }]);
    const taken = progressJs.takenEdges(g, p);
    const edge = (from: string, to: string) => g.edges.find((e: any) => e.from === from && e.to === to).id;
    expect(taken.has(edge('@start', '/do/0/pick'))).toBe(true);
    expect(taken.has(edge('/do/0/pick', '/do/1/small'))).toBe(true);
    expect(taken.has(edge('/do/0/pick', '/do/2/large'))).toBe(false);
    expect(taken.has(edge('/do/4/guard/try', '/do/4/guard/catch'))).toBe(true);
    expect(taken.has(edge('/do/5/sub', '@end'))).toBe(true);
  });

  it('says running and waiting for tasks still open', () => {
    const p = progressJs.addProgress(progressJs.createProgress(), [task('created', '/do/0/w', 0), task('started', '/do/0/w', 0), task('created', '/do/1/c', 0), task('started', '/do/1/c', 0)]);
    expect(progressJs.taskStatus(p.tasks.get('/do/0/w'), { kind: 'wait' }, 'running')).toBe('waiting');
    expect(progressJs.taskStatus(p.tasks.get('/do/1/c'), { kind: 'call', summary: 'GET x' }, 'running')).toBe('running');
    expect(progressJs.taskStatus(p.tasks.get('/do/1/c'), { kind: 'call', summary: 'approval' }, 'waiting')).toBe('waiting');
  });
});

describe('gantt', () => {
  it('puts each execution on the axis from its start to its end, with the retry delay between attempts', () => {
    const p = progressJs.addProgress(progressJs.createProgress(), events());
    const kinds = new Map([['/do/3/par/fork/branches/0/a', { kind: 'wait', summary: 'wait 200 ms' }]]);
    const g = gantt.ganttOf(p, { kinds, now: Date.parse(at(10_000)) });
    expect([g.t0, g.t1]).toEqual([Date.parse(at(0)), Date.parse(at(400))]);
    const row = (ref: string) => g.rows.find((r: any) => r.ref === ref);
    expect(row('/do/3/par/fork/branches/0/a').bars).toEqual([{ kind: 'run', outcome: 'completed', start: Date.parse(at(2)), end: Date.parse(at(202)), open: false, attempt: 1, wait: true }]);
    expect(row('/do/4/guard/try/0/risky').bars.map((b: any) => [b.kind, b.start - g.t0, b.end - g.t0])).toEqual([
      ['run', 202, 203],
      ['retry', 203, 303],
      ['queued', 303, 304],
      ['run', 304, 305],
    ]);
    expect(row('/do/3/par/fork/branches/1/b/do/0/b1').depth).toBe(2);
    expect(gantt.axisPercent(g, Date.parse(at(200)))).toBe(50);
    expect(gantt.axisTicks(g)).toEqual([0, 100, 200, 300, 400]);
  });
});

describe('graph layout (ELK)', () => {
  it('lays a graph out with absolute boxes, branches side by side, edges as polylines', async () => {
    const ELK = createRequire(import.meta.url)('elkjs/lib/elk.bundled.js');
    const g = model.buildGraph(DOC);
    const laid = await layout.layoutGraph(g, ELK);
    const box = (id: string) => laid.boxes.get(id);
    for (const id of g.nodes.keys()) expect(box(id), id).toBeDefined();
    const inside = (inner: any, outer: any) => inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
    expect(inside(box('/do/3/par/fork/branches/0/a'), box('/do/3/par'))).toBe(true);
    expect(inside(box('/do/4/guard/catch/do/0/recover'), box('/do/4/guard/catch'))).toBe(true);
    expect(box('/do/3/par/fork/branches/0/a').y + box('/do/3/par/fork/branches/0/a').height).toBeGreaterThan(box('/do/3/par/fork/branches/1/b').y);
    expect(box('@start').y).toBeLessThan(box('/do/0/pick').y);
    expect(box('/do/0/pick').y).toBeLessThan(box('@end').y);
    for (const e of g.edges) expect(laid.edges.get(e.id).points.length, e.id).toBeGreaterThanOrEqual(2);
  });
});
