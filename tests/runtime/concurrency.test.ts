// Concurrency keys through the API on both backend pairs (PGlite + in-process bus; PostgreSQL +
// Redis): registration refusals name the path, a queued run says so in its record and its log,
// `priority` orders the queue, and the key's runs never overlap beyond the limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Backend, type Harness } from './harness.ts';

const workflow = (name: string, concurrency: unknown, tasks: object[] = [{ nap: { wait: { milliseconds: 1000 } } }]) => ({
  document: { dsl: '1.0.0', namespace: 'test', name, version: '1.0.0', metadata: { baton: { concurrency } } },
  do: tasks,
});

describe.each<Backend>(['embedded', 'servers'])('concurrency keys on %s backends', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend);
    await h.apply(workflow('per-customer', { limit: 1, key: '${ .customer }' }));
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('refuses a bad limit, strategy or key at registration with a 422 naming the path', async () => {
    const cases: [unknown, string][] = [
      [{ limit: 0 }, '/document/metadata/baton/concurrency/limit'],
      [{ limit: 2, strategy: 'drop' }, '/document/metadata/baton/concurrency/strategy'],
      [{ limit: 2, key: '${ .a | }' }, '/document/metadata/baton/concurrency/key'],
      [{ limit: 2, key: '.customer' }, '/document/metadata/baton/concurrency/key'],
      [{ limit: 2, keys: '${ .a }' }, '/document/metadata/baton/concurrency/keys'],
      ['five', '/document/metadata/baton/concurrency'],
    ];
    for (const [concurrency, path] of cases) {
      const res = await h.api('POST', '/api/v1/workflows', workflow('refused', concurrency));
      expect(res.status, JSON.stringify(concurrency)).toBe(422);
      expect(res.body.problems.map((p: { path: string }) => p.path)).toContain(path);
    }
  });

  it('queues runs over the limit of their key: the record and the log say so; priority goes first; keys do not wait on each other', async () => {
    const start = async (customer: string, priority?: number) => {
      const res = await h.api('POST', '/api/v1/runs', { namespace: 'test', name: 'per-customer', input: { customer }, ...(priority !== undefined && { priority }) });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const first = await start('acme');
    const later = await start('acme');
    const urgent = await start('acme', 10);
    const other = await start('globex');
    expect((await h.api('GET', `/api/v1/runs/${urgent}`)).body.priority).toBe(10);
    let record: any;
    for (let i = 0; i < 200; i += 1) {
      record = (await h.api('GET', `/api/v1/runs/${later}`)).body;
      if (record.concurrency) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(record.status).toBe('pending');
    expect(record.concurrency).toMatchObject({ key: 'acme', state: 'queued' });
    const ended = async (id: string) => {
      for (let i = 0; i < 400; i += 1) {
        const run = (await h.api('GET', `/api/v1/runs/${id}`)).body;
        if (run.status === 'completed') return run;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`run ${id} did not complete`);
    };
    // globex has a key of its own: it does not wait behind acme's runs.
    const globex = await ended(other);
    const runs = await Promise.all([first, urgent, later].map(ended));
    expect(Date.parse(globex.startedAt)).toBeLessThan(Date.parse(runs[1].startedAt));
    // One at a time on acme, the urgent one before the one created before it.
    for (let i = 1; i < runs.length; i += 1) expect(Date.parse(runs[i].startedAt)).toBeGreaterThanOrEqual(Date.parse(runs[i - 1].endedAt));
    const log = await h.events(later);
    const queued = log.find((e) => e.type === 'dev.baton.run.queued.v1');
    expect(queued?.data).toMatchObject({ key: 'acme', limit: 1, strategy: 'queue' });
    expect(log.findIndex((e) => e.type === 'dev.baton.run.queued.v1')).toBeLessThan(log.findIndex((e) => e.type === 'io.serverlessworkflow.workflow.started.v1'));
  }, 60_000);

  it('refuses a priority that is not an integer (400)', async () => {
    const res = await h.api('POST', '/api/v1/runs', { namespace: 'test', name: 'per-customer', input: { customer: 'x' }, priority: 1.5 });
    expect(res.status).toBe(400);
  });
});
