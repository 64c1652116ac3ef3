// What an adapter gives the conformance suite, and the fixtures the suite builds its data from.
import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { NewDefinition, NewRun, RunEventRecord, RunState, RunUpdate, Store } from '@baton/core';
import type { SqlStore } from '../../src/index.ts';

export interface StoreHarness {
  /** The store under test, already migrated. Shared by the tests of one file. */
  store(): SqlStore;
  /** `count` stores on one new, empty (unmigrated) database; dispose closes them and drops it. */
  openFresh(count: number): Promise<{ stores: SqlStore[]; dispose(): Promise<void> }>;
}

/** A namespace no other test uses, so tests never see each other's rows. */
export function uniqueNamespace(prefix = 'ns'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export function definitionFixture(namespace: string, name = 'greet', version = '1.0.0', body: unknown = { say: 'hi' }): NewDefinition {
  const document = { document: { dsl: '1.0.0', namespace, name, version }, do: [{ step: { set: body } }] };
  return {
    namespace,
    name,
    version,
    document,
    source: JSON.stringify(document),
    contentHash: createHash('sha256').update(JSON.stringify(document)).digest('hex'),
  };
}

export async function definedRun(store: Store, namespace: string, overrides: Partial<NewRun> = {}): Promise<NewRun> {
  const { definition } = await store.putDefinition(definitionFixture(namespace));
  return {
    id: uuidv7(),
    definitionId: definition.id,
    namespace,
    name: definition.name,
    version: definition.version,
    input: { n: 1 },
    ...overrides,
  };
}

/** Creates `count` runs of one definition in `namespace`; returns their ids in creation order. */
export async function createRuns(store: Store, namespace: string, count: number): Promise<string[]> {
  const template = await definedRun(store, namespace);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { run } = await store.createRun({ ...template, id: uuidv7(), input: { i } });
    ids.push(run.id);
  }
  return ids;
}

export const newId = (): string => uuidv7();

/** An event of a run's log as the engine writes it: its id is `<run_id>.<seq>`. */
export function eventFixture(runId: string, seq: number, data: unknown = { seq }): RunEventRecord {
  return { runId, seq, id: `${runId}.${seq}`, type: 'io.serverlessworkflow.task.started.v1', time: new Date(1_700_000_000_000 + seq).toISOString(), data };
}

/** A run left running with a small state, changed by `patch`. */
export function runUpdate(id: string, patch: Partial<RunUpdate> = {}): RunUpdate {
  const state: RunState = { status: 'running', position: '/do/0', vars: { a: [1, 'two', null] } };
  return { id, status: 'running', state, eventSeq: 0, ...patch };
}
