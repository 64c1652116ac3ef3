// Issue 12, rows 2–5 and the noisy-neighbour test, end to end through the REST API of
// `baton start` as its own process: on the embedded backend (PGlite + the in-process bus, what
// `npm start` runs) and on PostgreSQL + Redis. Each hostile workflow of the issue, with its exact
// input, runs in namespace tenant-a while tenant-b starts a small run every 100 ms and /health is
// sampled every 100 ms; each row's test checks what the hostile run did, the neighbour's test
// what the others saw meanwhile. Then a stop and a start on the same data resume nothing hostile.
// (The interpreter and jq levels of the same rows: packages/core/tests/interpreter/limits.test.ts,
// yield.test.ts and jq-regex/jq-memory.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigFor, EXPRESSION_ERROR, HOSTILE, HOSTILE_WORKFLOWS, hugeValues, LIMIT_EXCEEDED, NEIGHBOUR, regex, selfCall, small, spin } from './hostile.ts';
import { describeWindow, expectNeighbourHeld, whileNeighbourRuns, type Window } from './neighbour.ts';
import { apply, listRuns, runnerQueueDepth, sleep, startBaton, streamRuns, waitForEnd, type Baton } from './support.ts';

const TERMINAL = ['completed', 'faulted', 'cancelled'];
/** "Did not hang": the rows' stalls were 190 s, 10 s, 60 s and 4.4 s; these runs take well under 1 s. */
const QUICK_MS = 3000;

const nameOf = (document: object) => (document as { document: { name: string } }).document.name;
const duration = (run: { createdAt: string; endedAt: string }) => Date.parse(run.endedAt) - Date.parse(run.createdAt);

describe.each(['embedded', 'servers'] as const)('issue 12 rows 2–5 with a noisy neighbour, %s backend', (backend) => {
  let baton: Baton;
  const windows = new Map<string, Window>();
  const hostileRuns = new Map<string, string>();

  async function startHostile(document: object): Promise<string> {
    const res = await baton.api('POST', '/api/v1/runs', { namespace: HOSTILE, name: nameOf(document), input: {} });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    hostileRuns.set(nameOf(document), res.body.id);
    return res.body.id;
  }

  async function measured<T>(row: string, hostile: () => Promise<T>): Promise<T> {
    const { result, window } = await whileNeighbourRuns(baton, hostile);
    windows.set(row, window);
    return result;
  }

  const neighbourHeld = (row: string) => () => {
    const window = windows.get(row);
    expect(window, `${row} did not run`).toBeDefined();
    expectNeighbourHeld(window!);
  };

  beforeAll(async () => {
    baton = await startBaton(backend);
    for (const document of [...HOSTILE_WORKFLOWS, small]) await apply(baton, document);
    // Warm the neighbour's path (definition cache, compiled expressions, JIT) before measuring.
    const warm = streamRuns(baton, NEIGHBOUR, 'small', 100);
    await sleep(1500);
    expect((await warm.stop()).failures).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    const lines = [...windows].map(([row, w]) => `  ${row}: ${describeWindow(w)}`);
    if (lines.length > 0) console.log(`noisy neighbour, ${backend}:\n${lines.join('\n')}`);
    await baton?.dispose();
  });

  it('row 2: a workflow that runs itself faults at the subflow depth limit; every run of the tree ends, ids stay short', async () => {
    const root = await measured('row 2', async () => waitForEnd(baton, await startHostile(selfCall), 60_000));
    expect(root).toMatchObject({ status: 'faulted', error: { type: LIMIT_EXCEEDED, limit: 'subflowDepth', max: 32 } });
    const tree = (await listRuns(baton, HOSTILE)).filter((run) => run.name === 'self');
    expect(tree).toHaveLength(33); // the run started through the API and 32 nested child runs
    expect(tree.filter((run) => !TERMINAL.includes(run.status))).toEqual([]);
    const depths = tree.map((run) => run.id.split('.').length - 1).sort((a, b) => a - b);
    expect(depths).toEqual(Array.from({ length: 33 }, (_, i) => i));
    const deepest = tree.find((run) => run.id.split('.').length === 33);
    expect(deepest).toMatchObject({ status: 'faulted', error: { type: LIMIT_EXCEEDED, limit: 'subflowDepth', max: 32, instance: '/do/0/again' } });
    expect(deepest.error.detail).toMatch(/nested 32 levels deep.*subflowDepth is 32.*BATON_LIMITS/);
    for (const run of tree) expect(run).toMatchObject({ status: 'faulted', error: { limit: 'subflowDepth' } });
    expect(Math.max(...tree.map((run) => run.id.length))).toBeLessThan(200); // 29,712 characters before
  }, 90_000);

  it("row 2: meanwhile tenant-b's runs kept completing and /health answered", neighbourHeld('row 2'));

  it('row 3: ("a"*40+"!") | test("^(a+)+$") in a set task answers false at once', async () => {
    const run = await measured('row 3', async () => waitForEnd(baton, await startHostile(regex), 30_000));
    expect(run).toMatchObject({ status: 'completed', output: { r: false } });
    expect(duration(run)).toBeLessThan(QUICK_MS);
  }, 60_000);

  it("row 3: meanwhile tenant-b's runs kept completing and /health answered", neighbourHeld('row 3'));

  for (const [key, document] of Object.entries(hugeValues)) {
    const row = `row 4 (${key})`;
    it(`${row}: ${(document as any).do[0].r.set.r} faults its task with the value size limit, at once`, async () => {
      const run = await measured(row, async () => waitForEnd(baton, await startHostile(document), 30_000));
      expect(run).toMatchObject({ status: 'faulted', error: { type: EXPRESSION_ERROR, status: 400, instance: '/do/0/r' } });
      expect(run.error.detail).toMatch(/^jq expression exceeded its value size limit of 16 MiB: an? (array|string) of [\d.]+ MiB \(in expression /);
      expect(run.output).toBeUndefined();
      expect(duration(run)).toBeLessThan(QUICK_MS);
    }, 60_000);

    it(`${row}: meanwhile tenant-b's runs kept completing and /health answered`, neighbourHeld(row));
  }

  it('row 5: a: {set: {x: 1}, then: a} is stopped by the events limit, with a bounded log', async () => {
    const run = await measured('row 5 (then: a)', async () => waitForEnd(baton, await startHostile(spin), 90_000));
    expect(run).toMatchObject({ status: 'faulted', error: { type: LIMIT_EXCEEDED, status: 429, limit: 'eventsPerRun', max: 50_000, instance: '/do/0/a' } });
    expect(run.error.detail).toMatch(/the limit eventsPerRun is 50,000/);
    const tail = await baton.api('GET', `/api/v1/runs/${run.id}/events?after=49990&limit=1000`);
    const last = tail.body.items.at(-1);
    expect(last.type).toBe('io.serverlessworkflow.workflow.faulted.v1');
    expect(last.seq).toBeLessThanOrEqual(50_003); // 150,003 events (75 MB) before
  }, 120_000);

  it("row 5 (then: a): meanwhile tenant-b's runs kept completing and /health answered", neighbourHeld('row 5 (then: a)'));

  it('row 5: a for over 100,000 items is refused by the iterations limit before its first iteration', async () => {
    const run = await measured('row 5 (for)', async () => waitForEnd(baton, await startHostile(bigFor), 30_000));
    expect(run).toMatchObject({ status: 'faulted', error: { type: LIMIT_EXCEEDED, limit: 'forIterations', max: 10_000, instance: '/do/0/many' } });
    const events = await baton.api('GET', `/api/v1/runs/${run.id}/events?after=0&limit=100`);
    expect(events.body.items.map((e: { type: string }) => e.type.replace('io.serverlessworkflow.', ''))).toEqual(['workflow.started.v1', 'task.created.v1', 'task.started.v1', 'task.faulted.v1', 'workflow.faulted.v1']);
    expect(duration(run)).toBeLessThan(QUICK_MS);
  }, 60_000);

  it("row 5 (for): meanwhile tenant-b's runs kept completing and /health answered", neighbourHeld('row 5 (for)'));

  describe('a stop and a start on the same data', () => {
    let before: Map<string, { status: string; updatedAt: string }>;
    let aIds: string[];

    it('stops promptly on SIGTERM with the runner queue drained and nothing of tenant-a left to resume', async () => {
      for (const deadline = Date.now() + 10_000; (await runnerQueueDepth(baton)) > 0 && Date.now() < deadline; ) await sleep(100);
      expect(await runnerQueueDepth(baton)).toBe(0);
      const runs = await listRuns(baton, HOSTILE);
      before = new Map(runs.map((run) => [run.id, { status: run.status, updatedAt: run.updatedAt }]));
      aIds = runs.map((run) => run.id);
      expect(aIds.length).toBe(33 + 6);
      expect(await baton.stop()).toBeLessThan(15_000);

      const ofA = 'run_id IN (SELECT id FROM runs WHERE namespace = $1)';
      const [live] = await baton.sql<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE namespace = $1 AND status NOT IN ('completed', 'faulted', 'cancelled')`, [HOSTILE]);
      expect(live!.n).toBe(0);
      for (const table of ['outbox', 'timers', 'listens']) {
        const [left] = await baton.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${ofA}`, [HOSTILE]);
        expect(left!.n, `${table} rows of ${HOSTILE}`).toBe(0);
      }
      const [attempts] = await baton.sql<{ n: number }>(`SELECT count(*)::int AS n FROM task_attempts WHERE status = 'scheduled' AND ${ofA}`, [HOSTILE]);
      expect(attempts!.n).toBe(0);
      const [outbox] = await baton.sql<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
      expect(outbox!.n).toBe(0); // the neighbour's rows were all relayed and applied too
    }, 60_000);

    it('stored nothing huge: rows 3–5 keep small state, output and error; the looping run a bounded log', async () => {
      const sizes = await baton.sql<{ name: string; state: number; output: number; error: number; events: number; event_bytes: number; largest_event: number }>(
        `SELECT r.name, length(coalesce(r.state::text, ''))::int AS state, length(coalesce(r.output::text, ''))::int AS output,
                length(coalesce(r.error::text, ''))::int AS error, count(e.seq)::int AS events,
                coalesce(sum(length(e.data::text)), 0)::int AS event_bytes, coalesce(max(length(e.data::text)), 0)::int AS largest_event
           FROM runs r LEFT JOIN run_events e ON e.run_id = r.id
          WHERE r.namespace = $1 GROUP BY r.id, r.name`,
        [HOSTILE],
      );
      expect(sizes).toHaveLength(39);
      for (const run of sizes) {
        const what = JSON.stringify(run);
        expect(run.state + run.output + run.error, what).toBeLessThan(4096);
        expect(run.largest_event, what).toBeLessThan(4096);
        if (run.name === 'spin') {
          expect(run.events, what).toBeLessThanOrEqual(50_003);
          expect(run.event_bytes, what).toBeLessThan(16 * 1024 * 1024);
        } else {
          expect(run.events, what).toBeLessThanOrEqual(5);
          expect(run.event_bytes, what).toBeLessThan(4096);
        }
      }
    }, 60_000);

    it('starts again and resumes nothing hostile: tenant-a unchanged after the repairs ran, the queue empty, tenant-b served', async () => {
      await baton.start();
      await sleep(3000); // the epoch repair runs at start, the outbox sweeper every 2 s
      const runs = await listRuns(baton, HOSTILE);
      expect(new Map(runs.map((run) => [run.id, { status: run.status, updatedAt: run.updatedAt }]))).toEqual(before);
      expect(await runnerQueueDepth(baton)).toBe(0);
      const res = await baton.api('POST', '/api/v1/runs', { namespace: NEIGHBOUR, name: 'small', input: { n: 1 }, wait: 'PT20S' });
      expect(res.body).toMatchObject({ status: 'completed', output: { n: 1, next: 2 } });
      const events = await baton.api('GET', `/api/v1/runs/${hostileRuns.get('spin')}/events?after=50003&limit=10`);
      expect(events.body.items).toEqual([]);
    }, 120_000);
  });
});
