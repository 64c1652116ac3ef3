// The definitions this process last created runs from, by what the request asked (namespace,
// name, and a version or the latest): the next run of the same request is created in one
// statement (store.createPickedRun), which inserts it only while the pick still holds — so a
// version applied meanwhile, by this process or another, is never missed. Bounded: the oldest
// pick goes first.
import type { DefinitionPick } from '@baton/core';

const MAX_PICKS = 10_000;

export class DefinitionPicks {
  readonly #picks = new Map<string, DefinitionPick>();

  constructor(private readonly max = MAX_PICKS) {}

  get(namespace: string, name: string, version: string | undefined): DefinitionPick | undefined {
    return this.#picks.get(key(namespace, name, version));
  }

  set(namespace: string, name: string, version: string | undefined, pick: DefinitionPick): void {
    const k = key(namespace, name, version);
    this.#picks.delete(k);
    this.#picks.set(k, pick);
    if (this.#picks.size > this.max) this.#picks.delete(this.#picks.keys().next().value!);
  }

  delete(namespace: string, name: string, version: string | undefined): void {
    this.#picks.delete(key(namespace, name, version));
  }
}

const key = (namespace: string, name: string, version: string | undefined) => JSON.stringify([namespace, name, version ?? null]);
