// Definitions are compared by content: the same document in YAML or JSON, with keys in any
// order, has the same hash.
import { createHash } from 'node:crypto';
import { canonicalJson } from '@baton/core';

export { canonicalJson };

/** sha256 (hex) of the canonical JSON of a document. */
export function contentHash(document: unknown): string {
  return createHash('sha256').update(canonicalJson(document)).digest('hex');
}
