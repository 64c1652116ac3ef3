// Store micro-benchmark: one runner batch of 100 run transitions in one transaction
// (lockRuns + completeAttempts + saveRuns + appendEvents ×3 + insertAttempts), against the
// machine's PostgreSQL (a throwaway database) and, for comparison, PGlite in memory.
//   npx tsx bench/store.ts [--batch 100] [--iterations 300] [--vars 20] [--no-pglite]
// Prints one JSON document (milliseconds per batch transaction).
import { availableParallelism, loadavg } from 'node:os';
import { v7 as uuidv7 } from 'uuid';
import type { RunEventRecord, RunUpdate, Store } from '@baton/core';
import type { SqlStore } from '@baton/store';
import { readFileSync } from 'node:fs';
import { log, numberArg, summary } from './lib.ts';
import { onPglite, onThrowawayPostgres } from './stores.ts';

const BATCH = numberArg('batch', 100);
const ITERATIONS = numberArg('iterations', 300);
const WARMUP = 30;
/** Variables in each run's state: 20 ≈ 1.5 KB of JSON, 2 ≈ 250 B. */
const VARS = numberArg('vars', 20);

/** A run state of a realistic size (~1.5 KB): positions, variables, a small context. */
function stateOf(i: number, step: number) {
  return {
    status: 'running' as const,
    position: `/do/${step % 7}/task${step}`,
    context: { customer: { id: `c-${i}`, tier: 'gold', tags: ['a', 'b', 'c'] }, step },
    vars: Object.fromEntries(Array.from({ length: VARS }, (_, k) => [`v${k}`, { value: k * step, note: 'some text to give the state weight' }])),
  };
}

async function seed(store: Store): Promise<string[]> {
  const doc = { document: { dsl: '1.0.0', namespace: 'bench', name: 'b', version: '1.0.0' }, do: [] };
  const { definition } = await store.putDefinition({ namespace: 'bench', name: 'b', version: '1.0.0', document: doc, source: JSON.stringify(doc), contentHash: 'h' });
  const ids = Array.from({ length: BATCH }, () => uuidv7());
  await store.transaction(async (tx) => {
    await tx.createRuns(ids.map((id) => ({ id, definitionId: definition.id, namespace: 'bench', name: 'b', version: '1.0.0', input: { id } })));
    await tx.insertAttempts(ids.map((id) => ({ id: `${id}:e0`, runId: id, effectId: 'e0', kind: 'http', reference: '/do/0', payload: { url: 'http://x' } })));
  });
  return ids;
}

/** Iteration `step`: complete attempt e{step}, save the runs, log 3 events each, schedule e{step+1}. */
async function batch(store: Store, ids: string[], step: number): Promise<void> {
  await store.transaction(async (tx) => {
    const locked = await tx.lockRuns(ids);
    const applied = await tx.completeAttempts(ids.map((id) => ({ id: `${id}:e${step}`, status: 'completed', result: { status: 200, body: { ok: true, step } } })));
    if (applied.length !== ids.length) throw new Error(`expected ${ids.length} outcomes applied, got ${applied.length}`);
    const updates: RunUpdate[] = locked.map((run, i) => ({ id: run.id, status: 'running', state: stateOf(i, step), eventSeq: run.eventSeq + 3, usage: { calls: 1 } }));
    await tx.saveRuns(updates);
    const now = new Date().toISOString();
    for (let k = 1; k <= 3; k++) {
      const events: RunEventRecord[] = locked.map((run) => ({ runId: run.id, seq: run.eventSeq + k, id: `${run.id}.${run.eventSeq + k}`, type: 'io.serverlessworkflow.task.completed.v1', time: now, data: { step, k } }));
      await tx.appendEvents(events);
    }
    await tx.insertAttempts(ids.map((id) => ({ id: `${id}:e${step + 1}`, runId: id, effectId: `e${step + 1}`, kind: 'http', reference: '/do/0', payload: { url: 'http://x', step } })));
  });
}

/** CPU seconds used so far by the server processes serving `database` (same machine only). */
async function serverCpuSeconds(store: SqlStore, database: string): Promise<number | undefined> {
  const rows = await store.db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
  try {
    let ticks = 0;
    for (const { pid } of rows) {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / 100;
  } catch {
    return undefined;
  }
}

const walBytes = async (store: SqlStore) =>
  Number((await store.db.query<{ lsn: number }>("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::float8 AS lsn"))[0]?.lsn);

// Wall-clock figures depend on how busy the machine is; the CPU the bench's own processes spend
// per batch does not (much), so it is reported to compare changes on a shared machine. WAL is
// cluster-wide: other databases' writes during the run are counted too (an upper bound).
async function measure(store: SqlStore, database?: string) {
  await store.migrate();
  const ids = await seed(store);
  const samples: number[] = [];
  for (let step = 0; step < WARMUP; step++) await batch(store, ids, step);
  const cpuBefore = process.cpuUsage();
  const serverBefore = database ? await serverCpuSeconds(store, database) : undefined;
  const walBefore = database ? await walBytes(store) : undefined;
  for (let step = WARMUP; step < WARMUP + ITERATIONS; step++) {
    const started = performance.now();
    await batch(store, ids, step);
    samples.push(performance.now() - started);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const serverAfter = database ? await serverCpuSeconds(store, database) : undefined;
  const perBatch = (total: number) => Number((total / ITERATIONS).toFixed(2));
  const ms = { min: Number(Math.min(...samples).toFixed(2)), ...summary(samples) };
  return {
    batchTransactionMs: ms,
    transitionsPerSecond: Math.round((BATCH * 1000) / ms.p50),
    cpuMsPerBatch: {
      client: perBatch((cpu.user + cpu.system) / 1000),
      ...(serverBefore !== undefined && serverAfter !== undefined ? { server: perBatch((serverAfter - serverBefore) * 1000) } : {}),
    },
    ...(walBefore !== undefined ? { clusterWalKiBPerBatch: perBatch(((await walBytes(store)) - walBefore) / 1024) } : {}),
  };
}

log(`store: batches of ${BATCH} transitions, ${ITERATIONS} iterations after ${WARMUP} warm-up`);
const loadBefore = loadavg()[0];
const postgres = await onThrowawayPostgres({ poolSize: 4 }, measure);
const pglite = process.argv.includes('--no-pglite') ? undefined : await onPglite((store) => measure(store));
const statements = 'lockRuns + completeAttempts + saveRuns + appendEvents x3 + insertAttempts';
process.stdout.write(`${JSON.stringify({ scenario: 'store', batch: BATCH, iterations: ITERATIONS, statements, stateBytes: JSON.stringify(stateOf(0, 1)).length, postgres, pglite,
  // This machine is shared: a busy CPU (load average above its core count) inflates every figure.
  loadAverage: { before: Number(loadBefore?.toFixed(2)), after: Number(loadavg()[0]?.toFixed(2)), cores: availableParallelism() } }, null, 2)}\n`);
