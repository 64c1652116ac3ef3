// SqlStore: the Store port over a Db (node-postgres or PGlite); every method is one SQL module call.
import type { AttemptKind, NewDefinition, NewRun, RunStatus, RunnerTx, Store } from '@baton/core';
import type { Db } from './db/types.ts';
import { migrate } from './migrate.ts';
import { runnerTx } from './runner-tx.ts';
import * as apiKeys from './sql/api-keys.ts';
import * as attempts from './sql/attempts.ts';
import * as definitions from './sql/definitions.ts';
import * as events from './sql/events.ts';
import * as listens from './sql/listens.ts';
import * as runs from './sql/runs.ts';
import * as timers from './sql/timers.ts';

export class SqlStore implements Store {
  /** The adapter, for tests and tools that need raw SQL (e.g. `SELECT COUNT(*) FROM runs`). */
  readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async migrate(): Promise<void> {
    await migrate(this.db);
  }

  async ping(): Promise<boolean> {
    try {
      await this.db.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.db.close();
  }

  putDefinition(definition: NewDefinition) {
    return definitions.putDefinition(this.db, definition);
  }

  getDefinition(namespace: string, name: string, version?: string) {
    return version === undefined
      ? definitions.getLatestDefinition(this.db, namespace, name)
      : definitions.getDefinitionVersion(this.db, namespace, name, version);
  }

  getDefinitionById(id: string) {
    return definitions.getDefinitionById(this.db, id);
  }

  listDefinitions(query: { namespace?: string; name?: string; limit: number; cursor?: string }) {
    return definitions.listDefinitions(this.db, query);
  }

  createRun(run: NewRun) {
    return runs.createRun(this.db, run);
  }

  getRun(id: string) {
    return runs.getRun(this.db, id);
  }

  listRuns(query: { status?: RunStatus; namespace?: string; name?: string; limit: number; cursor?: string }) {
    return runs.listRuns(this.db, query);
  }

  listEvents(runId: string, afterSeq: number, limit: number) {
    return events.listEvents(this.db, runId, afterSeq, limit);
  }

  listAttempts(runId: string) {
    return attempts.listAttempts(this.db, runId);
  }

  transaction<T>(fn: (tx: RunnerTx) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(runnerTx(tx)));
  }

  undispatchedAttempts(olderThanMs: number, limit: number) {
    return attempts.undispatchedAttempts(this.db, olderThanMs, limit);
  }

  markDispatched(ids: readonly string[]) {
    return attempts.markDispatched(this.db, ids);
  }

  staleAttempts(kind: AttemptKind, olderThanMs: number, limit: number) {
    return attempts.staleAttempts(this.db, kind, olderThanMs, limit);
  }

  pendingRuns(olderThanMs: number, limit: number) {
    return runs.pendingRuns(this.db, olderThanMs, limit);
  }

  dueTimers(now: number, limit: number) {
    return timers.dueTimers(this.db, now, limit);
  }

  nextTimerAt() {
    return timers.nextTimerAt(this.db);
  }

  listensForType(type: string) {
    return listens.listensForType(this.db, type);
  }

  createApiKey(input: { name: string; role: 'admin' | 'user'; namespace?: string; secret?: string }) {
    return apiKeys.createApiKey(this.db, input);
  }

  verifyApiKey(secret: string) {
    return apiKeys.verifyApiKey(this.db, secret);
  }

  listApiKeys() {
    return apiKeys.listApiKeys(this.db);
  }

  revokeApiKey(id: string) {
    return apiKeys.revokeApiKey(this.db, id);
  }
}
