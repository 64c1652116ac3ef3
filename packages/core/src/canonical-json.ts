// One JSON text per value, whatever the order of its keys: definitions are hashed by it (the same
// document in YAML or JSON has one content hash) and a reset matches recorded payloads with it
// (payloads read back from jsonb come with their keys in another order).

/** JSON with object keys sorted at every level (arrays keep their order; undefined members dropped, undefined items null). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}
