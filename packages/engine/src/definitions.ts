// Compiled definitions, by id and by (namespace, name, version). Definitions are immutable, so
// entries never go stale; the cache is bounded so a runner serving many workflows does not grow
// without limit. Lookups inside a runner transaction must not touch the store (on PGlite the
// one connection is busy with the transaction): `peek*` answers from memory or throws
// MissingDefinitions, and the batch is retried after `load` outside the transaction.
import type { DefinitionRecord, Store } from '@baton/core';
import { readConcurrency, type WorkflowConcurrency } from '@baton/core/document';
import { compileWorkflow, type CompiledWorkflow } from '@baton/core/interpreter';

export interface DefinitionKey {
  namespace: string;
  name: string;
  version: string;
}

export interface CachedDefinition {
  record: Pick<DefinitionRecord, 'id' | 'namespace' | 'name' | 'version'>;
  compiled: CompiledWorkflow;
  /** Whether its runs may start child runs (`run: workflow`, or an agent whose tools may). */
  spawns: boolean;
  /** `metadata.baton.concurrency` (concurrency.ts gates its runs' starts). */
  concurrency?: WorkflowConcurrency;
}

/**
 * A stored definition that no longer compiles (e.g. after an upgrade). Its runs are faulted with
 * this message at their next input, instead of failing every batch they are in.
 */
export interface BrokenDefinition {
  record: Pick<DefinitionRecord, 'id' | 'namespace' | 'name' | 'version'>;
  broken: string;
}

export class MissingDefinitions extends Error {
  constructor(
    readonly ids: string[],
    readonly keys: DefinitionKey[],
  ) {
    super(`definitions not in cache: ${[...ids, ...keys.map(keyOf)].join(', ')}`);
    this.name = 'MissingDefinitions';
  }
}

const NOT_FOUND_TTL_MS = 2_000;

function keyOf(k: DefinitionKey): string {
  return `${k.namespace}/${k.name}@${k.version}`;
}

export class DefinitionCache {
  private readonly byId = new Map<string, CachedDefinition | BrokenDefinition>();
  private readonly idByKey = new Map<string, string>();
  /** Keys looked up and not registered, with the time of the lookup. */
  private readonly absent = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly capacity = 500,
  ) {}

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The compiled definition, from memory only. */
  peek(id: string): CachedDefinition | BrokenDefinition {
    const hit = this.byId.get(id);
    if (!hit) throw new MissingDefinitions([id], []);
    this.byId.delete(id);
    this.byId.set(id, hit); // Map order is recency order
    return hit;
  }

  /** The definition registered under this key, undefined if it is known not to exist. */
  peekByKey(key: DefinitionKey): { record: CachedDefinition['record'] } | undefined {
    const k = keyOf(key);
    const id = this.idByKey.get(k);
    // A subflow whose definition does not compile is started, then faulted like any run of it.
    if (id && this.byId.has(id)) return this.peek(id);
    const missingSince = this.absent.get(k);
    if (missingSince !== undefined && Date.now() - missingSince < NOT_FOUND_TTL_MS) return undefined;
    throw new MissingDefinitions([], [key]);
  }

  async load(ids: readonly string[], keys: readonly DefinitionKey[]): Promise<void> {
    const records = await Promise.all([
      ...ids.map((id) => this.store.getDefinitionById(id)),
      ...keys.map(async (key) => {
        const record = await this.store.getDefinition(key.namespace, key.name, key.version);
        if (!record) this.absent.set(keyOf(key), Date.now());
        return record;
      }),
    ]);
    for (const record of records) if (record) this.add(record);
  }

  private add(record: DefinitionRecord): void {
    if (!this.byId.has(record.id)) {
      const summary = { id: record.id, namespace: record.namespace, name: record.name, version: record.version };
      try {
        const compiled = compileWorkflow(record.document as never);
        const types = new Set([...compiled.tasks.values()].map((task) => task.spec.type));
        const spawns = types.has('workflow') || types.has('agent');
        const { concurrency } = readConcurrency(record.document);
        this.byId.set(record.id, { record: summary, compiled, spawns, ...(concurrency && { concurrency }) });
      } catch (error) {
        this.byId.set(record.id, { record: summary, broken: (error as Error).message });
      }
    }
    this.idByKey.set(keyOf(record), record.id);
    this.absent.delete(keyOf(record));
    while (this.byId.size > this.capacity) {
      const oldest = this.byId.keys().next().value;
      if (oldest === undefined) break;
      this.byId.delete(oldest);
    }
  }
}
