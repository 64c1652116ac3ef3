// The retention loop on PGlite (the store's SQL is tested on both adapters by the store's
// conformance suite): BATON_RETENTION parsing, sweeps in batches with the rows counted by table,
// a sweep that fails is retried, stop() does not wait out the interval.
import { Writable } from 'node:stream';
import type { Store } from '@baton/core';
import { createStore } from '@baton/store';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRetention, RetentionConfigError, startRetention } from './retention.ts';

const DAY = 86_400_000;
const silent = pino({ level: 'silent' });

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function counted(registry: Registry, name: string, label: string): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels[label]), v.value]));
}
const deletedRows = (registry: Registry) => counted(registry, 'baton_retention_deleted_rows_total', 'table');
const sweeps = (registry: Registry) => counted(registry, 'baton_retention_sweeps_total', 'outcome');

describe('parseRetention (BATON_RETENTION)', () => {
  it('reads ISO 8601 durations, defaults to P30D, and turns off with "off"', () => {
    expect(parseRetention(undefined)).toBe(30 * DAY);
    expect(parseRetention('')).toBe(30 * DAY);
    expect(parseRetention('P2W')).toBe(14 * DAY);
    expect(parseRetention('PT12H')).toBe(DAY / 2);
    expect(parseRetention('off')).toBeUndefined();
    expect(parseRetention(' OFF ')).toBeUndefined();
  });

  it('refuses anything else with a message that names the variable', () => {
    for (const bad of ['30 days', '30', 'P1M', 'PT0S', 'never']) {
      expect(() => parseRetention(bad), bad).toThrow(RetentionConfigError);
      expect(() => parseRetention(bad), bad).toThrow(/BATON_RETENTION/);
    }
  });
});

describe('startRetention', () => {
  let store: Store;
  let definitionId: string;

  beforeAll(async () => {
    store = await createStore({ kind: 'pglite' });
    await store.migrate();
    const document = { document: { dsl: '1.0.0', namespace: 'ret', name: 'flow', version: '1.0.0' }, do: [{ step: { set: {} } }] };
    ({ definition: { id: definitionId } } = await store.putDefinition({ namespace: 'ret', name: 'flow', version: '1.0.0', document, source: JSON.stringify(document), contentHash: 'h' }));
  });
  afterAll(async () => {
    await store?.close();
  });

  async function run(status: 'completed' | 'running', events: number): Promise<string> {
    const { run } = await store.createRun({ id: uuidv7(), definitionId, namespace: 'ret', name: 'flow', version: '1.0.0', input: {} });
    await store.transaction(async (tx) => {
      await tx.saveRuns([{ id: run.id, status, state: { status }, eventSeq: events, ...(status === 'completed' ? { endedAt: new Date().toISOString() } : {}) }]);
      await tx.appendEvents(Array.from({ length: events }, (_, i) => ({ runId: run.id, seq: i + 1, id: `${run.id}.${i + 1}`, type: 'io.serverlessworkflow.task.started.v1', time: new Date().toISOString(), data: {} })));
    });
    return run.id;
  }

  it('deletes expired runs in batches, counts the rows by table, and keeps live runs', async () => {
    const expired = [];
    for (let i = 0; i < 7; i++) expired.push(await run('completed', 2));
    const live = await run('running', 2);
    const registry = new Registry();
    // The clock is two days ahead with a one-day retention: the runs that just ended are expired.
    const stop = startRetention({ store, logger: silent, metrics: registry, retentionMs: DAY, clock: () => Date.now() + 2 * DAY, batchSize: 3, pauseMs: 1, intervalMs: 60_000 });
    try {
      await until(async () => (await deletedRows(registry)).runs === 7);
      expect(await deletedRows(registry)).toEqual({ runs: 7, run_events: 14 });
      for (const id of expired) expect(await store.getRun(id)).toBeUndefined();
      expect((await store.getRun(live))?.status).toBe('running');
      expect(await store.listEvents(live, 0, 10)).toHaveLength(2);
    } finally {
      await stop();
    }
  });

  it('keeps runs that ended within the retention', async () => {
    const recent = await run('completed', 1);
    const registry = new Registry();
    const stop = startRetention({ store, logger: silent, metrics: registry, retentionMs: DAY, intervalMs: 10 });
    await until(async () => ((await sweeps(registry)).ok ?? 0) >= 2);
    await stop();
    expect(await store.getRun(recent)).toBeDefined();
    expect(await deletedRows(registry)).toEqual({});
  });

  it('logs a failed sweep and retries at the next interval; stop() does not wait out the interval', async () => {
    const logs: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'error' }, new Writable({ write: (chunk: Buffer, _e, done) => (logs.push(JSON.parse(chunk.toString())), done()) }));
    const registry = new Registry();
    // A clock gone wrong: every cutoff is an invalid date, and every sweep fails.
    const stop = startRetention({ store, logger, metrics: registry, retentionMs: DAY, intervalMs: 20, clock: () => Number.NaN });
    await until(async () => ((await sweeps(registry)).failed ?? 0) >= 2);
    await stop();
    expect(logs[0]).toMatchObject({ msg: 'retention sweep failed; the next one retries' });
    expect(await sweeps(registry)).not.toHaveProperty('ok');

    const idle = startRetention({ store, logger: silent, metrics: new Registry(), retentionMs: DAY, intervalMs: 3_600_000 });
    await idle(); // would time the test out if it waited for the next sweep
  });
});
