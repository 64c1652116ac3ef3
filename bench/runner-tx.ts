// Runner-transaction micro-benchmark: the transaction that applies one task result of one run, as
// the engine writes it for the peer workload (bench/peer.ts) when it decides on what its last batch
// left (locking.ts onSnapshots) — the check that the run is unchanged, the attempt's completion,
// the decision's writes (saveTransitions: the run's state, three events, the next attempt), the
// transaction's id, the relay row — in PGlite in memory (the embedded deployment's backend, where
// each statement costs most) and on the machine's PostgreSQL (a throwaway database). Sequential, as
// one run's transitions are; one transaction per iteration, each on a new run's second step.
//   npx tsx bench/runner-tx.ts [--iterations 3000] [--rounds 3] [--no-postgres]
// Prints one JSON document: milliseconds per transaction (p50 of each round) and the process's CPU.
import { availableParallelism, loadavg } from 'node:os';
import { v7 as uuidv7 } from 'uuid';
import type { RunUpdate, Store } from '@baton/core';
import { log, numberArg, summary } from './lib.ts';
import { onPglite, onThrowawayPostgres } from './stores.ts';

const ITERATIONS = numberArg('iterations', 3000);
const ROUNDS = numberArg('rounds', 3);
const WARMUP = 300;

/** A run of the peer workload after its first call: its state as the engine saves it (~450 B). */
function stateOf(id: string, n: number) {
  return {
    v: 1,
    status: 'running' as const,
    n: 4,
    context: { n },
    frames: { root: { ref: '', in: null, at: 1796638540159, i: 1, c: 'f3' }, f3: { p: 'root', ref: '/do/1/second', in: { ok: true, path: '/first', query: {}, body: { n } }, at: 1796638540171, e: 'e4' } },
    waits: { e4: { f: 'f3', k: 'task' } },
    input: { n },
    startedAt: 1796638540159,
    counts: { steps: 3, events: 6, runs: 0 },
    run: id,
  };
}

interface Prepared {
  id: string;
  savedBy: string;
}

/** A run as the API's start leaves it (running, its first attempt dispatched), and the id of the transaction that saved it. */
async function prepare(store: Store, definitionId: string): Promise<Prepared> {
  const id = uuidv7();
  const savedBy = await store.transaction(async (tx) => {
    await tx.createRuns([{ id, definitionId, namespace: 'bench', name: 'peer', version: '1.0.0', input: { n: 1 } }]);
    await tx.saveTransitions({
      updates: [{ id, status: 'running', state: stateOf(id, 1), eventSeq: 3, startedAt: new Date().toISOString() }],
      events: [1, 2, 3].map((seq) => ({ runId: id, seq, id: `${id}.${seq}`, type: 'io.serverlessworkflow.task.started.v1', time: new Date().toISOString(), data: { workflow: `peer-${id}.bench`, task: '/do/0/first', name: 'first' } })),
      attempts: [{ id: `${id}:e2`, runId: id, effectId: 'e2', kind: 'http', reference: '/do/0/first', payload: { method: 'post', endpoint: 'http://127.0.0.1:1/first', body: { n: 1 } } }],
      applied: [],
    });
    return tx.transactionId();
  });
  return { id, savedBy: await savedBy };
}

/** The transaction that applies the first call's result: what is timed. */
async function applyResult(store: Store, { id, savedBy }: Prepared): Promise<void> {
  const now = new Date().toISOString();
  const output = { ok: true, path: '/first', query: {}, body: { n: 1 } };
  const update: RunUpdate = { id, status: 'running', state: stateOf(id, 2), eventSeq: 6, updatedAt: now };
  const left = await store.transaction(async (tx) => {
    void tx.lockRunsUnchanged([{ id, savedBy }]);
    void tx.completeOpenAttempts([{ id: `${id}:e2`, status: 'completed', result: output, appliedSeq: 4 }]);
    await tx.saveTransitions({
      updates: [update],
      events: [
        { runId: id, seq: 4, id: `${id}.4`, type: 'io.serverlessworkflow.task.completed.v1', time: now, data: { workflow: `peer-${id}.bench`, task: '/do/0/first', name: 'first', completedAt: now, output } },
        { runId: id, seq: 5, id: `${id}.5`, type: 'io.serverlessworkflow.task.created.v1', time: now, data: { workflow: `peer-${id}.bench`, task: '/do/1/second', name: 'second', createdAt: now } },
        { runId: id, seq: 6, id: `${id}.6`, type: 'io.serverlessworkflow.task.started.v1', time: now, data: { workflow: `peer-${id}.bench`, task: '/do/1/second', name: 'second', startedAt: now } },
      ],
      attempts: [{ id: `${id}:e4`, runId: id, effectId: 'e4', kind: 'http', reference: '/do/1/second', payload: { method: 'post', endpoint: 'http://127.0.0.1:1/second', body: { n: 1 } } }],
      applied: [],
    });
    const xid = tx.transactionId();
    xid.catch(() => undefined);
    await tx.insertOutbox([{ id: uuidv7(), kind: 'relay', body: { tasks: [`${id}:e4`], events: [[id, 4, 6]] }, relayAfterMs: 5000 }]);
    return xid;
  });
  await left;
}

async function measure(store: Store) {
  await store.migrate();
  const doc = { document: { dsl: '1.0.0', namespace: 'bench', name: 'peer', version: '1.0.0' }, do: [] };
  const { definition } = await store.putDefinition({ namespace: 'bench', name: 'peer', version: '1.0.0', document: doc, source: JSON.stringify(doc), contentHash: 'h' });
  const runs = async (n: number) => {
    const prepared: Prepared[] = [];
    for (let i = 0; i < n; i++) prepared.push(await prepare(store, definition.id));
    return prepared;
  };
  for (const run of await runs(WARMUP)) await applyResult(store, run);
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    const prepared = await runs(ITERATIONS);
    const samples: number[] = [];
    const cpu = process.cpuUsage();
    for (const run of prepared) {
      const started = performance.now();
      await applyResult(store, run);
      samples.push(performance.now() - started);
    }
    const used = process.cpuUsage(cpu);
    rounds.push({ transactionMs: summary(samples, 3), processCpuMsPerTransaction: Number(((used.user + used.system) / 1000 / ITERATIONS).toFixed(3)) });
  }
  return rounds;
}

log(`runner-tx: ${ROUNDS} rounds of ${ITERATIONS} result transactions after ${WARMUP} warm-up`);
const loadBefore = loadavg()[0];
const pglite = await onPglite(measure);
// As the workflow-runner opens its pool: planned for key lookups for the whole session.
const postgres = process.argv.includes('--no-postgres') ? undefined : await onThrowawayPostgres({ poolSize: 2, keyLookups: true }, measure);
process.stdout.write(
  `${JSON.stringify(
    {
      scenario: 'runner-tx',
      iterations: ITERATIONS,
      pglite,
      ...(postgres && { postgres }),
      loadAverage: { before: Number(loadBefore?.toFixed(2)), after: Number(loadavg()[0]?.toFixed(2)), cores: availableParallelism() },
    },
    null,
    2,
  )}\n`,
);
