// Compiled definitions by id. Definitions are immutable, so entries never go stale; the cache
// is bounded so a runner serving many workflows does not grow without limit.
import type { Store } from '@baton/core';
import { compileWorkflow, type CompiledWorkflow } from '@baton/core/interpreter';

export class DefinitionCache {
  private readonly entries = new Map<string, CompiledWorkflow>();

  constructor(
    private readonly store: Store,
    private readonly capacity = 500,
  ) {}

  async get(definitionId: string): Promise<CompiledWorkflow> {
    const hit = this.entries.get(definitionId);
    if (hit) {
      // Refresh recency: Map iteration order is insertion order.
      this.entries.delete(definitionId);
      this.entries.set(definitionId, hit);
      return hit;
    }
    const record = await this.store.getDefinitionById(definitionId);
    if (!record) throw new Error(`definition ${definitionId} not found`);
    const compiled = compileWorkflow(record.document as never);
    this.entries.set(definitionId, compiled);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return compiled;
  }
}
