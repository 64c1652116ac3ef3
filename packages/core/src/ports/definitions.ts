// Workflow definitions as the Store keeps them: immutable documents keyed by (namespace, name,
// version), and what a run is created from (the Store port, store.ts).

export interface NewDefinition {
  namespace: string;
  name: string;
  version: string;
  /** The parsed document (JSON). */
  document: unknown;
  /** The text as submitted (YAML or JSON). */
  source: string;
  /** sha256 of the canonical JSON of `document`; same hash = same content. */
  contentHash: string;
}

export interface DefinitionRecord extends NewDefinition {
  id: string;
  createdAt: string;
}

export type DefinitionSummary = Omit<DefinitionRecord, 'document' | 'source'>;

/** What findDefinition chose, and among what: enough for createPickedRun to create later runs of the same request. */
export interface DefinitionPick extends DefinitionSummary {
  /** Asked without a version (the highest semantic version was chosen). */
  latest: boolean;
  /** A fingerprint of the versions chosen among (the name's, or the one asked for). */
  versions: string;
}
