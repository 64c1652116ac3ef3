// Numbers an approval form's data cannot hold exactly. JSON.parse reads 9007199254740993 as
// 9007199254740992 and 1e400 as Infinity (JSON.stringify then writes null): the form's schema
// would be checked, and the decision stored, with another number than the one sent. Non-finite
// numbers are refused for every JSON body when it is parsed (app.ts); an integer beyond
// ±(2^53 − 1) is refused where the form's schema says `integer` (a `number` field may hold 1e300).
import type { JsonValueIssue } from './storable.ts';

type Schema = Record<string, unknown>;

export const UNSAFE_INTEGER_MESSAGE = `is an integer beyond ±${Number.MAX_SAFE_INTEGER}, which a JSON number cannot hold exactly here; send a smaller one (or a string)`;

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether a schema (or one of its allOf/anyOf/oneOf members) types the value as an integer. */
function saysInteger(schema: Schema): boolean {
  const type = schema.type;
  if (type === 'integer' || (Array.isArray(type) && type.includes('integer'))) return true;
  return ['allOf', 'anyOf', 'oneOf'].some((key) => Array.isArray(schema[key]) && (schema[key] as unknown[]).some((member) => isSchema(member) && member.type === 'integer'));
}

/** The schema of one member or item, as far as a form's schema says (properties, items). */
function childSchema(schema: Schema, key: string | number): Schema | undefined {
  if (typeof key === 'number') {
    const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems[key] : undefined;
    const candidate: unknown = prefix ?? schema.items;
    return isSchema(candidate) ? candidate : undefined;
  }
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const candidate: unknown = Object.hasOwn(properties, key) ? properties[key] : schema.additionalProperties;
  return isSchema(candidate) ? candidate : undefined;
}

/** The first integer beyond the safe range where the schema says integer, walked without recursion. */
export function unsafeIntegerIssue(schema: unknown, data: unknown): JsonValueIssue | undefined {
  if (!isSchema(schema)) return undefined;
  const stack: Array<{ schema: Schema; value: unknown; path: Array<string | number> }> = [{ schema, value: data, path: [] }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { schema: at, value, path } = item;
    if (typeof value === 'number') {
      if (Number.isInteger(value) && !Number.isSafeInteger(value) && saysInteger(at)) return { path, message: UNSAFE_INTEGER_MESSAGE };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [key, child] of entries) {
      const sub = childSchema(at, key);
      if (sub) stack.push({ schema: sub, value: child, path: [...path, key] });
    }
  }
  return undefined;
}
